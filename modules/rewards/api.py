"""/api/v1/rewards/…: the public ledger, snapshots and bundles, my rewards, disputes, and the GitHub webhook."""

from __future__ import annotations

import json
from typing import Annotated

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest
from ninja import Path, Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.core.http import error_responses
from modules.core.public import ApiError, BadRequest, NotAuthenticated
from modules.rewards import selectors, services
from modules.rewards.bundle import bundle_zip
from modules.rewards.github import signature_valid
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


@router.get(
    "/rules/",
    operation_id="rewardsRulesList",
    response={200: list[RulesOut]},
    summary="Every scoring rules version, with its activation date",
)
def rules_list(request: HttpRequest):
    return selectors.rules_list()


@router.get(
    "/events/",
    operation_id="rewardsEventsList",
    response={200: EventPageOut, **error_responses(400, 422)},
    summary="The append-only ledger, newest first (filter by period and GitHub login)",
)
def events_list(request: HttpRequest, params: Query[EventListParams]):
    return selectors.events_page(
        period=params.period, contributor=params.contributor, cursor=params.cursor, limit=params.limit
    )


@router.get(
    "/snapshots/",
    operation_id="rewardsSnapshotsList",
    response={200: list[SnapshotSummaryOut]},
    summary="The current revision of every computed month",
)
def snapshots_list(request: HttpRequest):
    return selectors.snapshots_current()


def _detail(snapshot) -> dict:
    return {
        **{field: getattr(snapshot, field) for field in SnapshotSummaryOut.model_fields},
        "revisions": selectors.snapshot_revisions(period=snapshot.period),
        "lines": selectors.snapshot_lines(snapshot),
    }


@router.get(
    "/snapshots/{period}/",
    operation_id="rewardsSnapshotGet",
    response={200: SnapshotDetailOut, **error_responses(404, 422)},
    summary="A month: totals, hashes, state, revisions and every contributor's payout",
)
def snapshot_get(request: HttpRequest, period: PeriodPath, revision: int | None = Query(None, ge=1, le=10_000)):
    return _detail(selectors.snapshot_get(period=period, revision=revision))


@router.get(
    "/snapshots/{period}/bundle/",
    operation_id="rewardsSnapshotBundle",
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
def snapshot_bundle(request: HttpRequest, period: PeriodPath, revision: int | None = Query(None, ge=1, le=10_000)):
    snapshot = selectors.snapshot_get(period=period, revision=revision)
    path = bundle_zip(snapshot)
    filename = f"selflink-rewards-{snapshot.period}-r{snapshot.revision}.zip"
    return FileResponse(
        default_storage.open(path, "rb"), as_attachment=True, filename=filename, content_type="application/zip"
    )


def _claim_out(claim) -> dict | None:
    if claim is None:
        return None
    return {
        "github_login": claim.github_login,
        "token": claim.token,
        "created_at": claim.created_at,
        "instructions": (
            f"From the GitHub account @{claim.github_login}, comment `{claim.token}` on any issue or "
            "pull request of a rewarded repository. The link is made when the comment arrives."
        ),
    }


def _me(user_id: int) -> dict:
    mine = selectors.my_rewards(user_id=user_id)
    return {
        "contributor": mine.contributor,
        "pending_identity": _claim_out(mine.pending_claim),
        "total_points": mine.total_points,
        "paid_cents": mine.paid_cents,
        "events": mine.events,
        "payouts": [
            {
                "id": p.id,
                "period": p.snapshot.period,
                "amount_cents": p.amount_cents,
                "currency": p.currency,
                "status": p.status,
                "created_at": p.created_at,
            }
            for p in mine.payouts
        ],
    }


@router.get(
    "/me/",
    operation_id="rewardsMe",
    auth=bearer_auth,
    response={200: MyRewardsOut, **error_responses(401)},
    summary="My contributor identity, events and payouts",
)
def me(request: HttpRequest):
    return _me(current_principal(request).user_id)


@router.patch(
    "/me/",
    operation_id="rewardsMeUpdate",
    auth=bearer_auth,
    response={200: MyRewardsOut, **error_responses(400, 401, 404, 422)},
    summary="Choose whether my name appears in public snapshots",
)
def me_update(request: HttpRequest, payload: MyRewardsPatch):
    user_id = current_principal(request).user_id
    services.contributor_set_public(user_id=user_id, public=payload.public)
    return _me(user_id)


@router.post(
    "/me/link-github/",
    operation_id="rewardsLinkGithub",
    auth=bearer_auth,
    response={201: MyRewardsOut, **error_responses(400, 401, 409, 422)},
    summary="Start linking my GitHub login (proved by posting a token on GitHub)",
)
def link_github(request: HttpRequest, payload: LinkGithubIn):
    user_id = current_principal(request).user_id
    services.link_claim_create(user_id=user_id, github_login=payload.github_login)
    return Status(201, _me(user_id))


@router.post(
    "/disputes/",
    operation_id="rewardsDisputeCreate",
    auth=bearer_auth,
    response={201: DisputeOut, **error_responses(400, 401, 409, 422)},
    summary="Dispute a provisional month: missing PR, wrong label or identity problem",
)
def dispute_create(request: HttpRequest, payload: DisputeIn):
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
    operation_id="rewardsDisputesList",
    auth=bearer_auth,
    response={200: list[DisputeOut], **error_responses(401)},
    summary="My disputes and their outcome",
)
def disputes_list(request: HttpRequest):
    return selectors.disputes_of(user_id=current_principal(request).user_id)


class WebhookDisabled(ApiError):
    status = 403
    code = "webhook_disabled"
    detail = "The GitHub webhook is disabled: no secret is configured."


@router.post(
    "/webhooks/github/",
    operation_id="rewardsGithubWebhook",
    response={200: WebhookOut, 201: WebhookOut, 202: WebhookOut, 204: None, **error_responses(400, 401, 403)},
    summary="GitHub webhook (HMAC-SHA256 signed): merged pull requests, issue scores, identity proofs",
    description="201: recorded. 202: a merged pull request that may complete scored issues, recorded by a job once "
    "GitHub's API confirms which issues it closed. 200: a replay. 204: nothing to record.",
)
def github_webhook(request: HttpRequest):
    secret = settings.GITHUB_WEBHOOK_SECRET
    if not secret:
        raise WebhookDisabled()
    body = request.body
    if not signature_valid(secret, body, request.headers.get("X-Hub-Signature-256")):
        raise NotAuthenticated("The X-Hub-Signature-256 signature is missing or wrong.", code="invalid_signature")
    event = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery or len(delivery) > 100:
        raise BadRequest("X-GitHub-Event and X-GitHub-Delivery headers are required.", code="missing_headers")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise BadRequest("Malformed JSON in the request body.", code="malformed_json") from exc
    if not isinstance(payload, dict):
        raise BadRequest("Expected a JSON object.", code="malformed_json")
    try:
        result, replay = services.delivery_process(delivery_id=delivery, event=event, body=body)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadRequest(f"The {event} payload lacks expected fields.", code="unexpected_payload") from exc
    if replay or result.outcome == "duplicate":
        return Status(200, {"status": "duplicate", "detail": result.detail, "events": list(result.events)})
    if result.outcome == "ignored":
        return Status(204, None)
    if result.outcome == "queued":
        return Status(202, {"status": "queued", "detail": result.detail, "events": []})
    return Status(201, {"status": "recorded", "detail": result.detail, "events": list(result.events)})
