"""A natal chart (and transits) from resolved inputs: the engine's sky, our houses, angles and aspects.

Pure computation: no database. The input hash covers everything the result depends on (resolved inputs, rules
version, engine and kernel), so equal hashes mean equal charts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from pydantic import TypeAdapter

from modules.charts import houses as house_math
from modules.charts.aspects import Moving, natal_aspects, transit_aspects
from modules.charts.contracts import (
    AnglePoint,
    Aspect,
    BirthInputs,
    ChartMeta,
    Cusp,
    MoonRange,
    NatalChart,
    Placement,
    TransitChart,
)
from modules.charts.engine import Engine, Sky
from modules.charts.instants import format_offset
from modules.charts.rules import (
    ANGLES,
    ASPECT_POINTS,
    PLANETS,
    POINTS,
    RULES_VERSION,
    UNKNOWN_TIME_EXCLUDED,
    degree_in_sign,
    normalize,
    sign_of,
)

SIDEREAL_DAY_RATE = 360.98564736629  # degrees of sidereal time per day of UT (IAU 1982)
_ANGLE_STEP_DAYS = 1.0 / 1440.0  # one minute: the angles' speed is their change over ±1 minute of sidereal time
DIGITS = 6  # longitudes are given to 1e-6° (0.004″): more than any input justifies, less than float noise


def _round(value: float) -> float:
    return round(value, DIGITS)


def input_hash(inputs: BirthInputs, engine: Engine) -> str:
    """SHA-256 of the resolved inputs with the rules version and the engine (coordinates to 1e-6°)."""
    canonical = {
        "rules_version": RULES_VERSION,
        "engine": [engine.name, engine.version, engine.kernel],
        "instant_utc": inputs.instant_utc.astimezone(dt.UTC).isoformat(),
        "time_known": inputs.birth_time is not None,
        "day": [
            inputs.day_start_utc.isoformat() if inputs.day_start_utc else None,
            inputs.day_end_utc.isoformat() if inputs.day_end_utc else None,
        ],
        "latitude": f"{inputs.latitude:.6f}",
        "longitude": f"{inputs.longitude:.6f}",
        "house_system": inputs.house_system,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _placement(lon: float, lat: float, speed: float, house: int | None) -> Placement:
    lon = normalize(lon)
    return Placement(
        lon=_round(lon),
        lat=_round(lat),
        speed=_round(speed),
        sign=sign_of(lon),
        deg_in_sign=_round(degree_in_sign(lon)),
        retrograde=speed < 0,
        house=house,
    )


def _angle(lon: float, speed: float) -> AnglePoint:
    return AnglePoint(lon=_round(lon), sign=sign_of(lon), deg_in_sign=_round(degree_in_sign(lon)), speed=_round(speed))


def _angles(sky: Sky, latitude: float, longitude: float, system: str) -> tuple[house_math.Houses, dict[str, float]]:
    ramc = sky.sidereal_time + longitude
    cast = house_math.houses(ramc, latitude, sky.obliquity, system)
    step = SIDEREAL_DAY_RATE * _ANGLE_STEP_DAYS
    later = house_math.houses(ramc + step, latitude, sky.obliquity, "porphyry")
    earlier = house_math.houses(ramc - step, latitude, sky.obliquity, "porphyry")

    def rate(after: float, before: float) -> float:
        return ((after - before + 540.0) % 360.0 - 180.0) / (2 * _ANGLE_STEP_DAYS)

    return cast, {"asc": rate(later.asc, earlier.asc), "mc": rate(later.mc, earlier.mc)}


def natal_compute(inputs: BirthInputs, engine: Engine, *, now: dt.datetime) -> NatalChart:
    """The chart. Raises engine.OutOfRange for an instant the ephemeris does not cover."""
    sky = engine.sky(inputs.instant_utc)
    time_known = inputs.birth_time is not None
    houses: dict[str, Cusp] = {}
    angles: dict[str, AnglePoint] | None = None
    cusps: tuple[float, ...] | None = None
    system_used: str | None = None
    moving = {name: Moving(state.lon, state.speed) for name, state in sky.bodies.items()}
    if time_known:
        cast, speeds = _angles(sky, inputs.latitude, inputs.longitude, inputs.house_system)
        cusps, system_used = cast.cusps, cast.system_used
        houses = {
            str(n): Cusp(cusp_lon=_round(lon), sign=sign_of(lon), deg_in_sign=_round(degree_in_sign(lon)))
            for n, lon in enumerate(cusps, start=1)
        }
        angles = {
            "asc": _angle(cast.asc, speeds["asc"]),
            "mc": _angle(cast.mc, speeds["mc"]),
            "dsc": _angle(cast.dsc, speeds["asc"]),
            "ic": _angle(cast.ic, speeds["mc"]),
        }
        moving["asc"] = Moving(cast.asc, speeds["asc"])
        moving["mc"] = Moving(cast.mc, speeds["mc"])

    def placed(name: str) -> Placement:
        state = sky.bodies[name]
        house = house_math.house_of(state.lon, cusps) if cusps else None
        return _placement(state.lon, state.lat, state.speed, house)

    order = [name for name in ASPECT_POINTS if time_known or name not in UNKNOWN_TIME_EXCLUDED]
    found = natal_aspects(moving, order)
    moon_range = None
    if not time_known and inputs.day_start_utc and inputs.day_end_utc:
        start = engine.sky(inputs.day_start_utc, bodies=("moon",)).bodies["moon"].lon
        end = engine.sky(inputs.day_end_utc, bodies=("moon",)).bodies["moon"].lon
        moon_range = MoonRange(_round(start), sign_of(start), _round(end), sign_of(end))
    return NatalChart(
        planets={name: placed(name) for name in PLANETS},
        points={name: placed(name) for name in POINTS},
        houses=houses,
        angles=angles,
        aspects=tuple(Aspect(a.p1, a.p2, a.aspect, a.angle, _round(a.orb), a.applying) for a in found),
        house_system_used=system_used,
        moon_range=moon_range,
        calculated_at=now,
        meta=ChartMeta(
            engine=engine.name,
            engine_version=engine.version,
            kernel=engine.kernel,
            rules_version=RULES_VERSION,
            input_hash=input_hash(inputs, engine),
            birth_date=inputs.birth_date,
            birth_time=inputs.birth_time,
            time_known=time_known,
            instant_utc=inputs.instant_utc,
            utc_offset=format_offset(inputs.offset_seconds),
            offset_seconds=inputs.offset_seconds,
            time_basis=inputs.time_basis,
            zone=inputs.zone,
            zone_source=inputs.zone_source,
            zone_at_coordinates=inputs.zone_at_coordinates,
            fold=inputs.fold,
            house_system=inputs.house_system,
            place=inputs.place,
        ),
    )


def transits_compute(natal: NatalChart, instant: dt.datetime, engine: Engine) -> TransitChart:
    """Where the bodies are at `instant`, and their aspects to the natal planets and angles."""
    sky = engine.sky(instant)
    cusps = tuple(natal.houses[str(n)].cusp_lon for n in range(1, 13)) if natal.houses else None

    def placed(name: str) -> Placement:
        state = sky.bodies[name]
        house = house_math.house_of(state.lon, cusps) if cusps else None
        return _placement(state.lon, state.lat, state.speed, house)

    natal_points = {name: Moving(p.lon, 0.0) for name, p in natal.planets.items()}
    if natal.angles:
        natal_points.update({name: Moving(natal.angles[name].lon, 0.0) for name in ("asc", "mc")})
    if not natal.meta.time_known:
        for name in UNKNOWN_TIME_EXCLUDED:
            natal_points.pop(name, None)
    transiting = {name: Moving(sky.bodies[name].lon, sky.bodies[name].speed) for name in PLANETS}
    found = transit_aspects(transiting, natal_points, ASPECT_POINTS)
    return TransitChart(
        date=instant.date(),
        instant_utc=instant,
        planets={name: placed(name) for name in PLANETS},
        points={name: placed(name) for name in POINTS},
        aspects=tuple(Aspect(a.p1, a.p2, a.aspect, a.angle, _round(a.orb), a.applying) for a in found),
        natal_input_hash=natal.meta.input_hash,
        rules_version=RULES_VERSION,
    )


_CHART = TypeAdapter(NatalChart)


def chart_dump(chart: NatalChart) -> dict:
    """The chart as JSON-safe data (dates as ISO strings) for storage."""
    return _CHART.dump_python(chart, mode="json")


def chart_load(data: dict) -> NatalChart:
    """A stored chart. PostgreSQL's jsonb keeps object keys in its own order (shortest first): the maps are put
    back in the chart's order (planets Sun → Pluto, houses 1 → 12, angles ASC, MC, DSC, IC)."""
    chart = _CHART.validate_python(data)
    angles = chart.angles
    return dataclasses.replace(
        chart,
        planets={name: chart.planets[name] for name in PLANETS},
        points={name: chart.points[name] for name in POINTS},
        houses={str(n): chart.houses[str(n)] for n in range(1, 13)} if chart.houses else {},
        angles={name: angles[name] for name in ANGLES} if angles else None,
    )
