"""/api/v1/rewards/…: the public ledger, snapshots and bundles, my rewards, disputes, and the GitHub webhook."""

from __future__ import annotations

from typing import Annotated

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from ninja import Path, Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.core.http import error_responses
from modules.rewards import selectors, services
from modules.rewards.github import delivery_parse
from modules.rewards.schemas import (
    PERIOD_REGEX,
    DisputeIn,
    DisputeOut,
    EventListParams,
    EventPageOut,
    LinkGithubIn,
    MyRewardsOut,
    MyRewardsPatch,
    RulesOut,
    SnapshotDetailOut,
    SnapshotSummaryOut,
    WebhookOut,
)

router = Router(tags=["rewards"])

PeriodPath = Annotated[str, Path(pattern=PERIOD_REGEX, description="YYYY-MM")]


@router.get("/rules/", response={200: list[RulesOut]}, summary="Every scoring rules version, with its activation date")
def rewards_rules_list(request: HttpRequest):
    return selectors.rules_list()


@router.get(
    "/events/",
    response={200: EventPageOut, **error_responses(400, 422)},
    summary="The append-only ledger, newest first (filter by period and GitHub login)",
)
def rewards_events_list(request: HttpRequest, params: Query[EventListParams]):
    return selectors.events_page(
        period=params.period, contributor=params.contributor, cursor=params.cursor, limit=params.limit
    )


@router.get(
    "/snapshots/",
    response={200: list[SnapshotSummaryOut]},
    summary="The current revision of every computed month",
)
def rewards_snapshots_list(request: HttpRequest):
    return selectors.snapshots_current()


@router.get(
    "/snapshots/{period}/",
    response={200: SnapshotDetailOut, **error_responses(404, 422)},
    summary="A month: totals, hashes, state, revisions and every contributor's payout",
)
def rewards_snapshot_get(request: HttpRequest, period: PeriodPath, revision: int | None = Query(None, ge=1, le=10_000)):
    return selectors.snapshot_detail(period=period, revision=revision)


@router.get(
    "/snapshots/{period}/bundle/",
    response={200: None, **error_responses(404, 422)},
    summary="The month's audit bundle (zip): inputs, outputs and a manifest of SHA-256 hashes",
    openapi_extra={
        "responses": {
            200: {
                "description": "A zip archive; verify it with scripts/verify_rewards.py",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def rewards_snapshot_bundle(
    request: HttpRequest, period: PeriodPath, revision: int | None = Query(None, ge=1, le=10_000)
):
    bundle = services.snapshot_bundle_ensure(period=period, revision=revision)
    return FileResponse(
        default_storage.open(bundle.path, "rb"),
        as_attachment=True,
        filename=bundle.filename,
        content_type="application/zip",
    )


@router.get(
    "/me/",
    auth=bearer_auth,
    response={200: MyRewardsOut, **error_responses(401)},
    summary="My contributor identity, events and payouts",
)
def rewards_me(request: HttpRequest):
    return selectors.my_rewards(user_id=current_principal(request).user_id)


@router.patch(
    "/me/",
    auth=bearer_auth,
    response={200: MyRewardsOut, **error_responses(400, 401, 404, 422)},
    summary="Choose whether my name appears in public snapshots",
)
def rewards_me_update(request: HttpRequest, payload: MyRewardsPatch):
    return services.contributor_set_public(user_id=current_principal(request).user_id, public=payload.public)


@router.post(
    "/me/link-github/",
    auth=bearer_auth,
    response={201: MyRewardsOut, **error_responses(400, 401, 409, 422)},
    summary="Start linking my GitHub login (proved by posting a token on GitHub)",
)
def rewards_link_github(request: HttpRequest, payload: LinkGithubIn):
    mine = services.link_claim_create(user_id=current_principal(request).user_id, github_login=payload.github_login)
    return Status(201, mine)


@router.post(
    "/disputes/",
    auth=bearer_auth,
    response={201: DisputeOut, **error_responses(400, 401, 409, 422)},
    summary="Dispute a provisional month: missing PR, wrong label or identity problem",
)
def rewards_dispute_create(request: HttpRequest, payload: DisputeIn):
    dispute = services.dispute_file(
        user_id=current_principal(request).user_id,
        period=payload.period,
        kind=payload.kind,
        description=payload.description,
        source_url=payload.source_url,
    )
    return Status(201, dispute)


@router.get(
    "/disputes/",
    auth=bearer_auth,
    response={200: list[DisputeOut], **error_responses(401)},
    summary="My disputes and their outcome",
)
def rewards_disputes_list(request: HttpRequest):
    return selectors.disputes_of(user_id=current_principal(request).user_id)


# A delivery's outcome (`services.Ingested.outcome`) → its status; `ignored` has no body.
WEBHOOK_STATUS = {"duplicate": 200, "recorded": 201, "queued": 202}


@router.post(
    "/webhooks/github/",
    response={200: WebhookOut, 201: WebhookOut, 202: WebhookOut, 204: None, **error_responses(400, 401, 403)},
    summary="GitHub webhook (HMAC-SHA256 signed): merged pull requests, issue scores, identity proofs",
    description="201: recorded. 202: a merged pull request that may complete scored issues, recorded by a job once "
    "GitHub's API confirms which issues it closed. 200: a replay. 204: nothing to record.",
)
def rewards_github_webhook(request: HttpRequest):
    delivery = delivery_parse(secret=settings.GITHUB_WEBHOOK_SECRET, headers=request.headers, body=request.body)
    result = services.delivery_process(delivery=delivery)
    if result.outcome == "ignored":
        return Status(204, None)
    return Status(WEBHOOK_STATUS[result.outcome], result)
