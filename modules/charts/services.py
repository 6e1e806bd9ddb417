"""Writes: a person's natal chart kept current (recomputed when its input hash changes), the birth form written
into the personal map, chart choices, the chart picture, transits, and the place import.

The personal map (profiles) is the one source of truth of birth data. `POST /astro/natal/` with the form writes
the form there (through `profiles.public`), in the same transaction as the chart: a form whose place or time cannot
be resolved changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from pydantic import ValidationError

from modules.charts import natal, selectors, wheel
from modules.charts.contracts import NatalChart, NatalSummary, TransitChart
from modules.charts.engine import OutOfRange, engine
from modules.charts.errors import PlaceUnresolved, birth_data_missing, natal_chart_missing, out_of_range
from modules.charts.models import ChartSettings, Country, NatalChartRow, Place
from modules.charts.places import CountryRecord, PlaceRecord
from modules.charts.rules import ANGLES, PLANETS, RULES_VERSION
from modules.core.public import ApiError, rate_limit_enforce
from modules.profiles.public import personal_profile_get, personal_profile_update

RATE_SCOPE = "charts:user"
UNSET: Any = object()  # a field the request did not send (None means "clear")


def _rate_limit(user_id: int) -> None:
    rate_limit_enforce(
        RATE_SCOPE,
        str(user_id),
        settings.RATE_CHARTS_PER_USER,
        detail="You are computing charts too fast. Try again in a moment.",
    )


def _out_of_range(field: str) -> ApiError:
    current = engine()
    return out_of_range(field, current.first_day.isoformat(), current.last_day.isoformat())


# --- the natal chart ---------------------------------------------------------------------------------------------


def natal_current(*, user_id: int, resolved: Place | None = None) -> NatalChart:
    """The person's chart for their current birth data: the stored one while its input hash is current, else
    computed now and stored (in the person's own row). Raises selectors.BirthDataMissing, PlaceUnresolved and the
    local-time 422s."""
    inputs = selectors.birth_inputs(user_id=user_id, resolved=resolved)
    current = engine()
    digest = natal.input_hash(inputs, current)
    row = selectors.stored_chart(user_id=user_id)
    if row is not None and row.input_hash == digest:
        try:
            return natal.chart_load(row.chart)
        except ValidationError:
            pass  # stored by a release whose chart had another shape: computed again below, never a 500
    try:
        chart = natal.natal_compute(inputs, current, now=timezone.now())
    except OutOfRange:
        raise _out_of_range("birth_date") from None
    NatalChartRow.objects.update_or_create(
        user_id=user_id,
        defaults={"input_hash": digest, "chart": natal.chart_dump(chart), "svg": "", "computed_at": timezone.now()},
    )
    return chart


def natal_get(*, user_id: int) -> NatalChart:
    """`GET /astro/natal/me/`: 404 `natal_chart_missing` without birth data."""
    try:
        return natal_current(user_id=user_id)
    except selectors.BirthDataMissing:
        raise natal_chart_missing() from None


@dataclass(frozen=True)
class BirthForm:
    """The birth data of `POST /astro/natal/` with `source: form` (the app's fields, validated)."""

    birth_date: dt.date
    birth_time: dt.time | None
    city: str
    country: str
    latitude: float | None
    longitude: float | None
    first_name: str | None
    last_name: str | None


@dataclass(frozen=True)
class ChartChoices:
    """Fields of either body: UNSET when not sent (the stored choice stays), None to clear."""

    house_system: Any = UNSET
    fold: Any = UNSET
    utc_offset_seconds: Any = UNSET
    place_id: Any = UNSET


def _coordinate(value: float) -> Decimal:
    """As the personal map stores coordinates: six decimals (0.1 m)."""
    return Decimal(str(round(value, 6)))


def _write_form(user_id: int, form: BirthForm) -> None:
    personal = personal_profile_get(user_id=user_id)
    changes: dict[str, Any] = {
        "birth_date": form.birth_date,
        "birth_time": form.birth_time,
        "birth_place_city": form.city,
        "birth_place_country": form.country,
    }
    if form.first_name is not None:
        changes["first_name"] = form.first_name
    if form.last_name is not None:
        changes["last_name"] = form.last_name
    place_changed = (form.city.strip(), form.country.strip()) != (personal.birth_city, personal.birth_country)
    if form.latitude is not None and form.longitude is not None:
        latitude, longitude = _coordinate(form.latitude), _coordinate(form.longitude)
        changes["birth_latitude"], changes["birth_longitude"] = latitude, longitude
        place_changed = place_changed or (latitude, longitude) != (personal.birth_lat, personal.birth_lon)
    elif place_changed:
        # A new city without coordinates: the old coordinates described the old place; the city is resolved below.
        changes["birth_latitude"] = changes["birth_longitude"] = None
    if place_changed:
        changes["birth_timezone"] = ""  # the stored zone was the old place's
    personal_profile_update(user_id=user_id, changes=changes)


def _place_coordinates(user_id: int, place_id: int | None) -> Place | None:
    """Give the personal map the coordinates of the place its city names (or of the chosen `place_id`), so that
    the map records the place the chart is computed for. Raises PlaceUnresolved."""
    personal = personal_profile_get(user_id=user_id)
    if place_id is not None:
        place = selectors.place_get(place_id=place_id)
    elif personal.birth_lat is None and personal.birth_city:
        place = selectors.place_resolve(city=personal.birth_city, country=personal.birth_country)
    else:
        return None
    personal_profile_update(
        user_id=user_id,
        changes={
            "birth_latitude": _coordinate(place.latitude),
            "birth_longitude": _coordinate(place.longitude),
            "birth_timezone": "",
        },
    )
    return place


def _write_choices(user_id: int, choices: ChartChoices) -> None:
    if choices.house_system is UNSET and choices.fold is UNSET and choices.utc_offset_seconds is UNSET:
        return
    row, _ = ChartSettings.objects.select_for_update().get_or_create(user_id=user_id)
    if choices.house_system is not UNSET:
        row.house_system = choices.house_system
    key = selectors.birth_key(personal_profile_get(user_id=user_id))
    if row.birth_key != key:
        # Earlier time choices were for other birth data: they do not carry over.
        row.fold = row.utc_offset_seconds = None
        row.birth_key = key
    if choices.fold is not UNSET:
        row.fold = choices.fold
    if choices.utc_offset_seconds is not UNSET:
        row.utc_offset_seconds = choices.utc_offset_seconds
    row.updated_at = timezone.now()
    row.save()


def natal_create(*, user_id: int, form: BirthForm | None, choices: ChartChoices) -> NatalChart:
    """`POST /astro/natal/`: with a form, write it into the personal map; store the choices; compute. One
    transaction: a place or time that cannot be resolved leaves everything as it was."""
    _rate_limit(user_id)
    with transaction.atomic():
        if form is not None:
            _write_form(user_id, form)
        place_id = None if choices.place_id is UNSET else choices.place_id
        resolved = _place_coordinates(user_id, place_id)
        _write_choices(user_id, choices)
        try:
            return natal_current(user_id=user_id, resolved=resolved)
        except selectors.BirthDataMissing:
            raise birth_data_missing() from None


def natal_picture(*, user_id: int) -> tuple[str, str]:
    """The chart wheel (SVG) and the input hash it was drawn for: rendered once per input hash, kept with the
    chart in the person's row."""
    chart = natal_get(user_id=user_id)
    digest = chart.meta.input_hash
    row = selectors.stored_chart(user_id=user_id)
    if row is not None and row.input_hash == digest and row.svg:
        return row.svg, digest
    svg = wheel.render(chart)
    NatalChartRow.objects.filter(user_id=user_id, input_hash=digest).update(svg=svg)
    return svg, digest


def transits_get(*, user_id: int, date: dt.date) -> TransitChart:
    """`GET /astro/transits/?date=`: the bodies at 12:00 UTC of `date`, and their aspects to the natal chart."""
    _rate_limit(user_id)
    chart = natal_get(user_id=user_id)
    instant = dt.datetime.combine(date, dt.time(12, 0), tzinfo=dt.UTC)
    try:
        return natal.transits_compute(chart, instant, engine())
    except OutOfRange:
        raise _out_of_range("date") from None


def natal_summary(*, user_id: int) -> NatalSummary:
    """The chart for another module (the mentor): compact, or why there is none."""
    empty = {
        "time_known": False,
        "planets": (),
        "angles": (),
        "aspects": (),
        "house_system_used": None,
        "input_hash": "",
        "rules_version": RULES_VERSION,
    }
    try:
        chart = natal_current(user_id=user_id)
    except selectors.BirthDataMissing:
        return NatalSummary(status="missing", problem="no birth date or birth place in the personal map", **empty)
    except PlaceUnresolved as error:
        return NatalSummary(status="unresolved", problem=error.detail, **empty)
    except ApiError as error:  # the local time needs a fold or an offset, or the date is out of range
        return NatalSummary(status="unresolved", problem=error.detail, **empty)
    planets = tuple(
        (name, p.sign, p.deg_in_sign, p.house, p.retrograde) for name, p in chart.planets.items() if name in PLANETS
    )
    angles = (
        tuple((name, chart.angles[name].sign, chart.angles[name].deg_in_sign) for name in ANGLES[:2])
        if chart.angles
        else ()
    )
    return NatalSummary(
        status="ok",
        problem="",
        time_known=chart.meta.time_known,
        planets=planets,
        angles=angles,
        aspects=tuple((a.p1, a.aspect, a.p2, a.orb) for a in chart.aspects),
        house_system_used=chart.house_system_used,
        input_hash=chart.meta.input_hash,
        rules_version=RULES_VERSION,
    )


# --- places ------------------------------------------------------------------------------------------------------


def _copy_rows(sql: str, rows: Iterable[tuple]) -> None:
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def places_import(*, places: Iterable[PlaceRecord], countries: Iterable[CountryRecord]) -> tuple[int, int]:
    """Replace the place index with these records, in one transaction (searches see the old index until it
    commits). Returns (places, names)."""
    places = list(places)
    counts = [0, 0]

    def place_rows():
        for p in places:
            counts[0] += 1
            yield (
                p.id,
                p.name,
                p.ascii_name,
                p.country_code,
                p.admin1_code,
                p.latitude,
                p.longitude,
                p.population,
                p.timezone,
            )

    def name_rows():
        for p in places:
            for key, primary in p.keys:
                counts[1] += 1
                yield (p.id, key, primary, p.country_code, p.population)

    with transaction.atomic():
        # DELETE rather than TRUNCATE: searches keep reading the old index until this commits.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM charts_placename")
            cursor.execute("DELETE FROM charts_place")
            cursor.execute("DELETE FROM charts_country")
        Country.objects.bulk_create([Country(code=c.code, iso3=c.iso3, name=c.name) for c in countries])
        _copy_rows(
            "COPY charts_place (id, name, ascii_name, country_code, admin1_code, latitude, longitude, population, "
            "timezone) FROM STDIN",
            place_rows(),
        )
        _copy_rows('COPY charts_placename (place_id, key, "primary", country_code, population) FROM STDIN', name_rows())
    if not connection.in_atomic_block:
        # Statistics for the planner, and the visibility map that lets prefix searches read the index only.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE charts_place")
            cursor.execute("VACUUM ANALYZE charts_placename")
    return counts[0], counts[1]
