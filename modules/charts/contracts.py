"""Typed data of the charts module: computed charts and their inputs, places, numerology, and what other modules
read (through public.py). Stored charts are these dataclasses as JSON, read back through pydantic (`chart_load`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Placement:
    """A planet or point: apparent geocentric ecliptic longitude (true equinox of date)."""

    lon: float
    lat: float
    speed: float  # degrees per day; negative = retrograde
    sign: str
    deg_in_sign: float
    retrograde: bool
    house: int | None  # None when the birth time is unknown


@dataclass(frozen=True)
class Cusp:
    cusp_lon: float
    sign: str
    deg_in_sign: float


@dataclass(frozen=True)
class AnglePoint:
    lon: float
    sign: str
    deg_in_sign: float
    speed: float  # degrees per day (the angles turn once a sidereal day)


@dataclass(frozen=True)
class Aspect:
    p1: str
    p2: str
    aspect: str
    angle: float
    orb: float
    applying: bool | None


@dataclass(frozen=True)
class MoonRange:
    """With an unknown birth time: where the Moon was at the start and at the end of the local birth day."""

    start_lon: float
    start_sign: str
    end_lon: float
    end_sign: str


@dataclass(frozen=True)
class PlaceUsed:
    city: str
    country: str
    latitude: float
    longitude: float
    source: str  # "coordinates" (given) or "geonames" (the city matched one imported place)
    place_id: int | None  # the GeoNames id when source is "geonames"


@dataclass(frozen=True)
class ChartMeta:
    engine: str
    engine_version: str
    kernel: str
    rules_version: int
    input_hash: str
    birth_date: dt.date
    birth_time: dt.time | None  # local wall-clock time as given; None = unknown
    time_known: bool
    instant_utc: dt.datetime  # the birth instant (local noon when the time is unknown)
    utc_offset: str  # the offset used, e.g. "+04:00" or "-05:50:36" (local mean time)
    offset_seconds: int
    time_basis: str  # "zone", "lmt" or "override"
    zone: str | None
    zone_source: str | None  # "profile" (the personal map's zone) or "coordinates" (timezonefinder)
    zone_at_coordinates: str | None
    fold: int | None
    house_system: str  # requested
    place: PlaceUsed


@dataclass(frozen=True)
class NatalChart:
    planets: dict[str, Placement]
    points: dict[str, Placement]
    houses: dict[str, Cusp]  # "1" … "12"; empty when the birth time is unknown
    angles: dict[str, AnglePoint] | None  # asc, mc, dsc, ic; None when the birth time is unknown
    aspects: tuple[Aspect, ...]
    house_system_used: str | None
    moon_range: MoonRange | None
    calculated_at: dt.datetime
    meta: ChartMeta


@dataclass(frozen=True)
class BirthInputs:
    """Everything a natal chart is computed from, resolved: what the input hash covers."""

    birth_date: dt.date
    birth_time: dt.time | None
    instant_utc: dt.datetime
    day_start_utc: dt.datetime | None  # the local birth day's bounds, for the Moon range of an unknown time
    day_end_utc: dt.datetime | None
    offset_seconds: int
    time_basis: str
    zone: str | None
    zone_source: str | None
    zone_at_coordinates: str | None
    fold: int | None
    latitude: float
    longitude: float
    house_system: str
    place: PlaceUsed


@dataclass(frozen=True)
class TransitChart:
    date: dt.date
    instant_utc: dt.datetime
    planets: dict[str, Placement]  # transiting positions (house = the natal house they cross, if known)
    points: dict[str, Placement]
    aspects: tuple[Aspect, ...]  # p1 transiting body, p2 natal point
    natal_input_hash: str
    rules_version: int


@dataclass(frozen=True)
class PlaceCandidate:
    id: int  # GeoNames id
    name: str
    country_code: str
    country: str
    admin1_code: str
    latitude: float
    longitude: float
    population: int
    timezone: str
    matched_name: str  # the name (or alternate name) the query matched, as normalised for search


@dataclass(frozen=True)
class NumberResult:
    number: int
    name: str
    sum: int  # the unreduced sum


@dataclass(frozen=True)
class NumerologyProfile:
    life_path: NumberResult | None
    expression: NumberResult | None
    soul_urge: NumberResult | None
    personality: NumberResult | None
    birth_date: dt.date | None
    name: str  # as in the personal map (first and last name)
    name_latin: str  # after transliteration, the letters that count
    unsupported_letters: tuple[str, ...]  # letters with no transliteration (they count for nothing)
    missing: tuple[str, ...]  # "birth_date", "name"
    rules_version: int
    input_hash: str


@dataclass(frozen=True)
class NatalSummary:
    """A compact natal chart for another module (the mentor): placements by sign and house, the angles, the
    tightest aspects. `status` is "ok", or why there is none: "missing" (no birth date or place) or "unresolved"
    (the place or the local time needs a decision; `problem` says which, in English)."""

    status: str
    problem: str
    time_known: bool
    planets: tuple[tuple[str, str, float, int | None, bool], ...]  # (body, sign, degree in sign, house, retro)
    angles: tuple[tuple[str, str, float], ...]  # (asc|mc, sign, degree in sign)
    aspects: tuple[tuple[str, str, str, float], ...]  # (p1, aspect, p2, orb), tightest first
    house_system_used: str | None
    input_hash: str
    rules_version: int
