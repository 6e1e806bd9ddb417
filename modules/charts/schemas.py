from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import field_validator, model_validator

from modules.charts.rules import HOUSE_SYSTEMS
from modules.core.http import InputSchema, LocalTime, ValidationErrorOut

HouseSystem = Literal[HOUSE_SYSTEMS]  # type: ignore[valid-type]
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
_OFFSET = re.compile(r"^([+-])(0\d|1[0-5]):([0-5]\d)$")
Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]


def offset_seconds(text: str) -> int:
    sign, hours, minutes = _OFFSET.match(text).groups()  # type: ignore[union-attr]
    return (1 if sign == "+" else -1) * (int(hours) * 3600 + int(minutes) * 60)


class _ChartChoicesIn(InputSchema):
    house_system: HouseSystem | None = Field(
        None, description="House system, kept for your later charts (default `placidus`); `null` resets it."
    )
    fold: Literal[0, 1] | None = Field(
        None,
        description="For a local birth time that happened twice (clocks turned back): 0 the first, 1 the second. "
        "Kept while your birth data stays the same; it has no effect on a time that happened once.",
    )
    utc_offset: str | None = Field(
        None,
        description="Your birth time's offset from UTC, `±HH:MM`, when you know better than the time-zone "
        "database (it then replaces zone and local mean time). Kept while your birth data stays the same; `null` "
        "removes it.",
        examples=["+04:00", "-05:50"],
    )
    place_id: int | None = Field(
        None, ge=1, description="The `id` of a place candidate (GET /astro/places/) when your city is ambiguous."
    )

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, value: str | None) -> str | None:
        if value is not None and not _OFFSET.match(value):
            raise ValueError("Use ±HH:MM between -15:00 and +15:00, e.g. +04:00.")
        return value


FORM_FIELDS = ("birth_date", "birth_time", "city", "country", "first_name", "last_name", "latitude", "longitude")


class NatalIn(_ChartChoicesIn):
    """`source: profile` computes from the birth data in your personal map (`/me/profile/`); `source: form` sends
    the birth form, which is written into your personal map (the one place birth data lives), then computed."""

    source: Literal["profile", "form"]
    birth_date: dt.date | None = Field(None, description="Form: YYYY-MM-DD, from 1900-01-01 (required).")
    birth_time: LocalTime | None = Field(
        None, description="Form: local wall-clock time HH:MM[:SS]; `null` or absent = unknown (no houses or angles)."
    )
    city: str | None = Field(
        None, max_length=120, description="Form: birth city as typed; resolved offline when no coordinates."
    )
    country: str | None = Field(None, max_length=80, description="Form: birth country (name or ISO code).")
    first_name: str | None = Field(None, max_length=80, description="Form: written into your personal map.")
    last_name: str | None = Field(None, max_length=80, description="Form: written into your personal map.")
    latitude: Latitude | None = Field(None, description="Form: birth latitude (with `longitude`), e.g. a map pin.")
    longitude: Longitude | None = Field(None, description="Form: birth longitude, east positive.")

    @field_validator("birth_date")
    @classmethod
    def _plausible(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not (EARLIEST_BIRTH_DATE <= value <= dt.datetime.now(dt.UTC).date()):
            raise ValueError(f"Birth date must be between {EARLIEST_BIRTH_DATE} and today.")
        return value

    @model_validator(mode="after")
    def _fields_of_the_source(self):
        sent = self.model_fields_set
        if self.source == "profile":
            extra = [field for field in FORM_FIELDS if field in sent]
            if extra:
                raise ValueError(
                    f"{', '.join(extra)}: form fields, sent with source=profile (use source=form, or leave them out)."
                )
            return self
        if self.birth_date is None:
            raise ValueError("The form needs birth_date.")
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("Give both latitude and longitude, or neither.")
        if not (self.city or "").strip() and self.latitude is None:
            raise ValueError("The form needs the birth city, or the coordinates.")
        return self


# --- charts ------------------------------------------------------------------------------------------------------


class PlacementOut(Schema):
    lon: float = Field(description="Apparent geocentric ecliptic longitude, true equinox of date, 0 ≤ lon < 360.")
    lat: float = Field(description="Ecliptic latitude.")
    speed: float = Field(description="Degrees of longitude per day; negative = retrograde.")
    sign: str = Field(description="Aries … Pisces (30° each from 0° Aries).")
    deg_in_sign: float
    retrograde: bool
    house: int | None = Field(description="1–12; null when the birth time is unknown.")


class CuspOut(Schema):
    cusp_lon: float
    sign: str
    deg_in_sign: float


class AngleOut(Schema):
    lon: float
    sign: str
    deg_in_sign: float
    speed: float = Field(description="Degrees per day.")


class AspectOut(Schema):
    p1: str
    p2: str
    aspect: Literal["conjunction", "sextile", "square", "trine", "opposition"]
    angle: float = Field(description="The aspect's exact angle (0, 60, 90, 120, 180).")
    orb: float = Field(description="Distance from exactness, degrees.")
    applying: bool | None = Field(description="Moving towards exactness (true), away from it (false), exact (null).")


class MoonRangeOut(Schema):
    start_lon: float
    start_sign: str
    end_lon: float
    end_sign: str


class PlaceUsedOut(Schema):
    city: str
    country: str
    latitude: float
    longitude: float
    source: Literal["coordinates", "geonames"] = Field(
        description="`coordinates`: given; `geonames`: the city named exactly one imported place."
    )
    place_id: int | None


class ChartMetaOut(Schema):
    engine: str
    engine_version: str
    kernel: str
    rules_version: int
    input_hash: str = Field(
        description="SHA-256 of the resolved inputs, rules version and engine: equal hashes, equal charts."
    )
    birth_date: dt.date
    birth_time: dt.time | None
    time_known: bool
    instant_utc: dt.datetime = Field(description="The birth instant in UTC (local noon when the time is unknown).")
    utc_offset: str = Field(description="The offset used, e.g. `+04:00`, or `-05:50:36` for local mean time.")
    offset_seconds: int
    time_basis: Literal["zone", "lmt", "override"] = Field(
        description="`zone`: the tz database; `lmt`: the birthplace's local mean time (before standard time); "
        "`override`: your `utc_offset`."
    )
    zone: str | None
    zone_source: Literal["profile", "coordinates"] | None
    zone_at_coordinates: str | None
    fold: int | None
    house_system: HouseSystem
    place: PlaceUsedOut


class NatalChartOut(Schema):
    planets: dict[str, PlacementOut] = Field(description="sun, moon, mercury … pluto.")
    points: dict[str, PlacementOut] = Field(description="mean_node and true_node (the Moon's ascending node).")
    houses: dict[str, CuspOut] = Field(description='"1" … "12"; empty when the birth time is unknown.')
    angles: dict[str, AngleOut] | None = Field(description="asc, mc, dsc, ic; null when the birth time is unknown.")
    aspects: list[AspectOut] = Field(description="Tightest first.")
    house_system_used: HouseSystem | None = Field(
        description="The system the houses are in: the requested one, or `porphyry` inside the polar circles "
        "where Placidus and Koch are undefined; null without a birth time."
    )
    moon_range: MoonRangeOut | None = Field(
        description="With an unknown time: the Moon at the start and end of the birth day."
    )
    calculated_at: dt.datetime
    meta: ChartMetaOut


class TransitsOut(Schema):
    date: dt.date
    instant_utc: dt.datetime = Field(description="12:00 UTC of `date`.")
    planets: dict[str, PlacementOut] = Field(description="Transiting positions; `house` is the natal house.")
    points: dict[str, PlacementOut]
    aspects: list[AspectOut] = Field(description="p1 = transiting body, p2 = natal point (planet, asc, mc).")
    natal_input_hash: str
    rules_version: int


class TransitsParams(Schema):
    date: dt.date | None = Field(None, description="YYYY-MM-DD (default: today, UTC).")


# --- places ------------------------------------------------------------------------------------------------------


class PlaceOut(Schema):
    id: int = Field(description="GeoNames id; send it as `place_id`.")
    name: str
    country_code: str
    country: str
    admin1_code: str = Field(description="GeoNames first-level division code (a US state, a region number …).")
    latitude: float
    longitude: float
    population: int
    timezone: str
    matched_name: str


class PlacesOut(Schema):
    results: list[PlaceOut]
    attribution: str = Field(description="The data's licence notice (GeoNames, CC BY 4.0).")


class PlacesParams(Schema):
    q: str = Field(min_length=1, max_length=120, description="City name in any script (2 letters or more).")
    country: str | None = Field(None, max_length=80, description="Country: ISO code, ISO3 code or English name.")
    limit: int = Field(10, ge=1, le=25)


class PlaceUnresolvedErrorOut(ValidationErrorOut):
    """A 422; with `place_not_found` and `place_ambiguous` it also lists the places to choose from."""

    candidates: list[PlaceOut] | None = Field(
        None, description="With `place_not_found` / `place_ambiguous`: the places you can choose from."
    )


# --- rules -------------------------------------------------------------------------------------------------------


class AspectRuleOut(Schema):
    name: str
    angle: float
    orb: float
    transit_orb: float


class AstroRulesOut(Schema):
    rules_version: int
    engine: str
    engine_version: str
    kernel: str
    kernel_first_day: dt.date
    kernel_last_day: dt.date
    coordinates: str
    planets: list[str]
    points: list[str]
    house_systems: list[str]
    default_house_system: str
    polar_fallback: str
    aspects: list[AspectRuleOut]
    luminary_bonus: float
    angle_max_orb: float
    aspect_points: list[str]
    unknown_time: str
    time_rules: list[str]
    place_rules: list[str]
    attribution: list[str]


# --- numerology --------------------------------------------------------------------------------------------------


class NumberOut(Schema):
    number: int = Field(description="1–9, or the master numbers 11, 22, 33.")
    name: str
    sum: int = Field(description="The sum before reduction.")


class MatrixProfileOut(Schema):
    life_path: NumberOut | None
    expression: NumberOut | None
    soul_urge: NumberOut | None
    personality: NumberOut | None
    birth_date: dt.date | None
    name: str
    name_latin: str = Field(description="The letters that count, after transliteration.")
    unsupported_letters: list[str]
    missing: list[Literal["birth_date", "name"]] = Field(description="What the personal map lacks for the nulls.")
    rules_version: int
    input_hash: str


class MatrixRulesOut(Schema):
    rules_version: int
    life_path: str
    master_numbers: list[int]
    letter_values: dict[str, int]
    vowels: list[str]
    number_names: dict[str, str]
    transliteration: dict[str, dict[str, str]]
    transliteration_sources: dict[str, str]
