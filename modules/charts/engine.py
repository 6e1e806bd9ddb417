"""The ephemeris behind every chart, behind one interface (`Engine`), so that another one (a licensed Swiss
Ephemeris, a larger JPL kernel) could replace it by implementing `sky()`.

The engine answers one question: for an instant, where are the bodies (apparent geocentric ecliptic longitude and
latitude of date, and their speed in longitude), what is the true obliquity, and what is Greenwich apparent
sidereal time. Houses, angles, aspects and signs are computed from that by our own code (houses.py, aspects.py).

`SkyfieldEngine` uses Skyfield (MIT) with JPL's DE421 kernel shipped by `skyfield-data` (MIT; the kernel is
public domain). DE421 covers 1899-07-29 to 2053-10-08; instants outside `covers()` are refused.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from importlib import metadata, resources
from typing import Protocol

from modules.charts.rules import PLANETS, normalize

JULIAN_CENTURY_DAYS = 36525.0
J2000 = 2451545.0
# Civil time before 1972 was kept within 0.1 s of UT (UT2), and Skyfield's UTC before 1972 assumes today's
# leap-second definition (about 8 s off in 1963): civil instants before this are read as UT1.
UTC_LEAP_SECONDS_START = dt.datetime(1972, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class BodyState:
    lon: float  # apparent geocentric ecliptic longitude, true equinox of date, degrees in [0, 360)
    lat: float  # ecliptic latitude, degrees
    speed: float  # degrees of longitude per day; negative = retrograde


@dataclass(frozen=True)
class Sky:
    instant: dt.datetime  # UTC
    bodies: dict[str, BodyState]  # the ten planets, `mean_node` and `true_node`
    obliquity: float  # true obliquity of the ecliptic, degrees
    sidereal_time: float  # Greenwich apparent sidereal time, degrees


class OutOfRange(Exception):
    """The instant lies outside the dates the engine's ephemeris covers."""

    def __init__(self, instant: dt.datetime, first: dt.date, last: dt.date) -> None:
        self.instant, self.first, self.last = instant, first, last
        super().__init__(f"{instant.isoformat()} is outside {first.isoformat()} … {last.isoformat()}")


class Engine(Protocol):
    name: str
    version: str
    kernel: str
    first_day: dt.date  # the first and last whole days `sky()` answers for
    last_day: dt.date

    def sky(self, instant: dt.datetime, *, bodies: tuple[str, ...] = ...) -> Sky: ...


def mean_node(julian_day_tt: float) -> float:
    """The Moon's mean ascending node referred to the mean equinox of date (Meeus 47.7, from ELP-2000/82)."""
    t = (julian_day_tt - J2000) / JULIAN_CENTURY_DAYS
    return normalize(125.0445479 - 1934.1362891 * t + 0.0020754 * t**2 + t**3 / 467441.0 - t**4 / 60616000.0)


MEAN_NODE_SPEED = -1934.1362891 / JULIAN_CENTURY_DAYS  # degrees per day (the quadratic terms add < 1e-9)

_SKYFIELD_NAMES = {
    "sun": "sun",
    "moon": "moon",
    "mercury": "mercury",
    "venus": "venus",
    # DE421 gives the outer planets as their systems' barycentres; the planet's own centre is within 0.1″ of it
    # seen from the Earth (Pluto–Charon: ~2,100 km at 30 au), far below the 1″ this engine is tested to.
    "mars": "mars barycenter",
    "jupiter": "jupiter barycenter",
    "saturn": "saturn barycenter",
    "uranus": "uranus barycenter",
    "neptune": "neptune barycenter",
    "pluto": "pluto barycenter",
}
# The true node's speed is the slope over ±1 hour (it wobbles with a period of ~2 weeks; an hour is straight).
_NODE_STEP_DAYS = 1.0 / 24.0


class SkyfieldEngine:
    name = "skyfield"
    kernel = "de421"
    # DE421's span is 1899-07-28/29 … 2053-10-08; a day of margin each side keeps the ±1 h speed samples and the
    # light-time iteration inside it.
    first_day = dt.date(1899, 7, 30)
    last_day = dt.date(2053, 10, 7)

    def __init__(self) -> None:
        # Imported here, not at module level: numpy and Skyfield cost ~30 MB and 0.2 s, paid by a process only
        # once it computes its first chart.
        from skyfield import framelib
        from skyfield.api import load
        from skyfield.jpllib import SpiceKernel
        from skyfield.nutationlib import iau2000a_radians, mean_obliquity

        self.version = metadata.version("skyfield")
        path = resources.files("skyfield_data") / "data" / "de421.bsp"
        self._kernel = SpiceKernel(str(path))
        # builtin=True: Skyfield's bundled leap-second and ΔT tables, never a download.
        self._ts = load.timescale(builtin=True)
        self._earth = self._kernel["earth"]
        self._targets = {body: self._kernel[name] for body, name in _SKYFIELD_NAMES.items()}
        self._moon = self._kernel["moon"]
        self._ecliptic = framelib.ecliptic_frame
        self._nutation = iau2000a_radians
        self._mean_obliquity = mean_obliquity

    def covers(self, instant: dt.datetime) -> bool:
        return self.first_day <= instant.astimezone(dt.UTC).date() <= self.last_day

    def _time(self, instant: dt.datetime, offset_days: float = 0.0):
        instant = instant.astimezone(dt.UTC)
        second = instant.second + instant.microsecond / 1e6
        fields = (instant.year, instant.month, instant.day, instant.hour, instant.minute, second)
        if instant < UTC_LEAP_SECONDS_START:
            t = self._ts.ut1(*fields)
            return self._ts.ut1_jd(t.ut1 + offset_days) if offset_days else t
        t = self._ts.utc(*fields)
        return self._ts.tt_jd(t.tt + offset_days) if offset_days else t

    def sky(self, instant: dt.datetime, *, bodies: tuple[str, ...] = (*PLANETS, "mean_node", "true_node")) -> Sky:
        if instant.tzinfo is None:
            raise ValueError("the instant must be timezone-aware (UTC)")
        if not self.covers(instant):
            raise OutOfRange(instant, self.first_day, self.last_day)
        t = self._time(instant)
        observer = self._earth.at(t)
        states: dict[str, BodyState] = {}
        for body in bodies:
            if body in self._targets:
                position = observer.observe(self._targets[body]).apparent()
                lat, lon, _, _, lon_rate, _ = position.frame_latlon_and_rates(self._ecliptic)
                states[body] = BodyState(normalize(lon.degrees), float(lat.degrees), float(lon_rate.degrees.per_day))
        d_psi, d_eps = self._nutation(t)
        nutation_longitude = math.degrees(d_psi)
        if "mean_node" in bodies:
            # Referred to the true equinox of date like every other longitude here (nutation in longitude added).
            states["mean_node"] = BodyState(normalize(mean_node(t.tt) + nutation_longitude), 0.0, MEAN_NODE_SPEED)
        if "true_node" in bodies:
            before, now, after = (self._true_node(self._time(instant, k * _NODE_STEP_DAYS)) for k in (-1, 0, 1))
            speed = ((after - before + 540.0) % 360.0 - 180.0) / (2 * _NODE_STEP_DAYS)
            states["true_node"] = BodyState(now, 0.0, speed)
        obliquity = math.degrees(self._mean_obliquity(t.tdb) * math.pi / 648000.0 + d_eps)
        return Sky(
            instant=instant.astimezone(dt.UTC),
            bodies=states,
            obliquity=obliquity,
            sidereal_time=normalize(float(t.gast) * 15.0),
        )

    def _true_node(self, t) -> float:
        """The osculating node: where the plane of the Moon's instantaneous geocentric orbit (r × v) crosses the
        ecliptic of date, ascending. Geometric positions (no light-time): the orbit, not how it looks."""
        position = (self._moon - self._earth).at(t)
        rotation = self._ecliptic.rotation_at(t)
        r = rotation @ position.position.au
        v = rotation @ position.velocity.au_per_d
        h = (r[1] * v[2] - r[2] * v[1], r[2] * v[0] - r[0] * v[2])
        return normalize(math.degrees(math.atan2(h[0], -h[1])))


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The process's engine, loaded on first use (the kernel is memory-mapped, shared by every thread)."""
    global _engine  # one engine per process, created on first use
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                _engine = SkyfieldEngine()
    return _engine
