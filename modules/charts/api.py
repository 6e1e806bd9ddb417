"""/api/v1/astro/… (natal chart, its picture, transits, places, rules) and /api/v1/matrix/… (numerology)."""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from modules.accounts.http import bearer_auth, viewer_id
from modules.charts import selectors, services
from modules.charts.schemas import (
    AstroRulesOut,
    MatrixProfileOut,
    MatrixRulesOut,
    NatalChartOut,
    NatalIn,
    PlacesOut,
    PlacesParams,
    PlaceUnresolvedErrorOut,
    TransitsOut,
    TransitsParams,
    offset_seconds,
)
from modules.charts.services import UNSET, BirthForm, ChartChoices
from modules.core.http import error_responses
from modules.core.public import BadRequest, ValidationFailed

astro_router = Router(tags=["astro"], auth=bearer_auth)  # mounted at /astro
matrix_router = Router(tags=["matrix"], auth=bearer_auth)  # mounted at /matrix

UNKNOWN_FIELD_MESSAGE = "Unknown field: this endpoint does not accept it (numerology is computed, never sent)."

# A birth place or time that needs a decision is a 422: `candidates` comes with the place codes.
NATAL_ERRORS = {**error_responses(400, 401, 429, 503), 422: PlaceUnresolvedErrorOut}
READ_ERRORS = {**error_responses(401, 404, 503), 422: PlaceUnresolvedErrorOut}
SVG_RESPONSES = {
    200: {
        "description": "The chart wheel (signs, houses, planets, aspect lines), `ETag` = the chart's input hash.",
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
    },
    304: {"description": "Not modified: the `If-None-Match` ETag is still the chart's."},
}


@astro_router.post(
    "/natal/",
    response={200: NatalChartOut, **NATAL_ERRORS},
    summary="Compute my natal chart, from my personal map (`source: profile`) or the birth form (`source: form`)",
    description=(
        "The form is written into your personal map first (the one place birth data lives), in the same "
        "transaction: a place or time that needs a decision changes nothing. A city without coordinates must name "
        "exactly one imported place (else 422 `place_not_found` / `place_ambiguous` with `candidates`); a local "
        "time the clocks skipped is 422 `time_nonexistent`, one they showed twice 422 `time_ambiguous` (send "
        "`fold`). Limit: RATE_CHARTS_PER_USER."
    ),
)
def astro_natal_create(request: HttpRequest, payload: NatalIn):
    sent = payload.model_fields_set
    choices = ChartChoices(
        house_system=payload.house_system if "house_system" in sent else UNSET,
        fold=payload.fold if "fold" in sent else UNSET,
        utc_offset_seconds=(
            (offset_seconds(payload.utc_offset) if payload.utc_offset is not None else None)
            if "utc_offset" in sent
            else UNSET
        ),
        place_id=payload.place_id if "place_id" in sent else UNSET,
    )
    if choices.house_system is None:
        choices = ChartChoices(**{**choices.__dict__, "house_system": "placidus"})
    form = None
    if payload.source == "form":
        assert payload.birth_date is not None  # NatalIn requires it with the form
        form = BirthForm(
            birth_date=payload.birth_date,
            birth_time=payload.birth_time,
            city=(payload.city or "").strip(),
            country=(payload.country or "").strip(),
            latitude=float(payload.latitude) if payload.latitude is not None else None,
            longitude=float(payload.longitude) if payload.longitude is not None else None,
            first_name=payload.first_name,
            last_name=payload.last_name,
        )
    return services.natal_create(user_id=viewer_id(request), form=form, choices=choices)


@astro_router.get(
    "/natal/me/",
    response={200: NatalChartOut, **READ_ERRORS},
    summary="My natal chart, for my current birth data (recomputed when it changed)",
)
def astro_natal_me(request: HttpRequest):
    return services.natal_get(user_id=viewer_id(request))


@astro_router.get(
    "/natal/me/chart.svg",
    response={**READ_ERRORS},
    summary="My natal chart as a picture (SVG), rendered once per input hash",
    openapi_extra={"responses": SVG_RESPONSES},
)
def astro_natal_picture(request: HttpRequest):
    svg, digest = services.natal_picture(user_id=viewer_id(request))
    etag = f'"{digest}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@astro_router.get(
    "/transits/",
    response={200: TransitsOut, **error_responses(401, 404, 429, 503), 422: PlaceUnresolvedErrorOut},
    summary="Where the planets are on a date (12:00 UTC) and their aspects to my natal chart",
)
def astro_transits(request: HttpRequest, params: Query[TransitsParams]):
    date = params.date or dt.datetime.now(dt.UTC).date()
    return services.transits_get(user_id=viewer_id(request), date=date)


@astro_router.get(
    "/places/",
    response={200: PlacesOut, **error_responses(401, 422, 503)},
    summary="Birth places matching a name (any script), most populous first (GeoNames, CC BY 4.0)",
)
def astro_places(request: HttpRequest, params: Query[PlacesParams]):
    return selectors.places_page(q=params.q, country=params.country, limit=params.limit)


@astro_router.get(
    "/rules/",
    response={200: AstroRulesOut, **error_responses(401)},
    summary="What charts are computed with: engine, house systems, orbs, time and place rules",
)
def astro_rules(request: HttpRequest):
    return selectors.astro_rules()


@matrix_router.get(
    "/profile/",
    response={200: MatrixProfileOut, **error_responses(401)},
    summary="My numerology numbers, from my personal map's birth date and name",
)
def matrix_profile(request: HttpRequest):
    return selectors.numerology_profile(user_id=viewer_id(request))


@matrix_router.post(
    "/sync/",
    response={200: MatrixProfileOut, **error_responses(400, 401, 422)},
    summary="Recompute my numerology from my personal map (takes no body: client-sent astrology is refused)",
)
def matrix_sync(request: HttpRequest):
    _refuse_body(request)
    return selectors.numerology_profile(user_id=viewer_id(request))


def _refuse_body(request: HttpRequest) -> None:
    """The former `/matrix/sync/` stored the client's own sun, moon and houses, which then fed matching; numbers
    here are only ever computed. An empty body (JSON `{}`, or a form without fields) is fine; any field is refused
    by name, never dropped."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields = sorted({*request.POST.keys(), *request.FILES.keys()})
    else:
        raw = request.body.strip()
        if not raw:
            return
        try:
            body = json.loads(raw)
        except ValueError:
            raise BadRequest("Malformed JSON in the request body.", code="malformed_json") from None
        if not isinstance(body, dict):
            raise ValidationFailed("The body must be empty or `{}`.")
        fields = sorted(body)
    if fields:
        raise ValidationFailed(
            f"Unknown field{'s' if len(fields) > 1 else ''}: {', '.join(fields)}.",
            code="unknown_field",
            errors={field: [UNKNOWN_FIELD_MESSAGE] for field in fields},
        )


@matrix_router.get(
    "/rules/",
    response={200: MatrixRulesOut, **error_responses(401)},
    summary="The numerology rules: reduction, letter values, transliteration tables",
)
def matrix_rules(request: HttpRequest):
    return selectors.numerology_rules()
