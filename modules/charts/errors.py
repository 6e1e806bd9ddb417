"""Error codes of the charts module (natal charts, transits, places, numerology) and the errors that carry them.

A birth place that cannot be matched to one place is a 422 whose body also lists `candidates` (PlaceUnresolved);
every other error has the usual shape.
"""

from __future__ import annotations

from typing import Any

from modules.core.public import ApiError, NotFound, ServiceUnavailable, ValidationFailed, register_error_codes

register_error_codes(
    {
        "birth_data_missing": "The personal map has no birth date, or no birth place (a city or coordinates): "
        "add them (PATCH /me/profile/, or POST /astro/natal/ with `source: form`).",
        "natal_chart_missing": "There is no natal chart for you yet: your personal map lacks a birth date or a "
        "birth place.",
        "place_not_found": "No imported place has this city name (in this country): `candidates` lists similar "
        "names; send `latitude`/`longitude` or the `place_id` of a candidate.",
        "place_ambiguous": "Several places have this city name: `candidates` lists them; send the `place_id` of "
        "the right one (or `latitude`/`longitude`).",
        "place_id_unknown": "`place_id` is not the id of an imported place.",
        "places_not_imported": "The server's place index is empty: an operator must run "
        "`manage.py charts_import_places` once.",
        "time_nonexistent": "The local birth time did not exist at the birthplace (the clocks skipped it, e.g. "
        "when summer time began): check the time, or send `utc_offset`.",
        "time_ambiguous": "The local birth time happened twice at the birthplace (the clocks were turned back): "
        "send `fold` 0 for the first occurrence or 1 for the second (or `utc_offset`).",
        "date_out_of_range": "The date is outside the years the ephemeris covers (1899-07-30 … 2053-10-07).",
        "country_unknown": "The `country` of a place search is not a known country: use its ISO code (GE), ISO3 "
        "code (GEO) or English name.",
        "timezone_unknown": "No time zone is known for the birth coordinates: send `utc_offset`.",
    }
)


class PlaceUnresolved(ValidationFailed):
    """422 with the candidates the person can choose from (`candidates` in the body)."""

    def __init__(self, detail: str, *, code: str, candidates: list[dict[str, Any]]) -> None:
        super().__init__(detail, code=code, errors={"city": [detail]}, extra={"candidates": candidates})


def birth_data_missing() -> ValidationFailed:
    # The mobile app shows its "add your birth details" hint when the message contains this sentence.
    return ValidationFailed(
        "No birth data stored in profile: add your birth date and birth place (city or coordinates).",
        code="birth_data_missing",
    )


def natal_chart_missing() -> NotFound:
    return NotFound(
        "No natal chart yet: add your birth date and birth place to your personal map.", code="natal_chart_missing"
    )


def places_not_imported() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The place index has not been imported on this server (manage.py charts_import_places).",
        code="places_not_imported",
    )


def out_of_range(field: str, first: str, last: str) -> ApiError:
    return ValidationFailed.for_field(
        field, f"Dates from {first} to {last} can be computed (the JPL DE421 ephemeris).", code="date_out_of_range"
    )
