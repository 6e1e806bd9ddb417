from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ninja import Field, Schema

from modules.core.http import CursorPageOut, CursorParams, InputSchema

if TYPE_CHECKING:
    from modules.rewards.models import GithubLinkClaim

PERIOD_REGEX = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class RulesOut(Schema):
    version: int
    activated_at: dt.datetime
    description: str
    config: dict[str, Any]


class EventOut(Schema):
    id: int
    kind: Literal["pr_merged", "issue_completed", "adjustment", "bonus"]
    points: int
    occurred_at: dt.datetime
    period: str
    github_login: str
    display_name: str | None = Field(description="Only for contributors who chose to appear by name.")
    source_url: str
    payload_sha256: str
    rules_version: int
    idempotency_key: str
    corrects: str | None = Field(description="Idempotency key of the event an adjustment corrects.")
    reason: str
    flags: list[str]
    hash: str = Field(description="SHA-256 chain hash of this event (see docs/REWARDS.md).")
    prev_hash: str


class EventPageOut(CursorPageOut):
    results: list[EventOut]


class EventListParams(CursorParams):
    period: str | None = Field(None, pattern=PERIOD_REGEX, description="YYYY-MM")
    contributor: str | None = Field(None, max_length=40, description="GitHub login")
    default_limit: ClassVar[int] = 50


class SnapshotSummaryOut(Schema):
    period: str
    revision: int
    state: Literal["provisional", "superseded", "final"]
    currency: str
    revenue_cents: int
    costs_cents: int
    net_cents: int
    pool_percent: int
    pool_cents: int
    total_points: int
    event_count: int
    min_payout_cents: int
    carry_in_cents: int
    payable_cents: int
    carry_out_cents: int
    inputs_hash: str
    outputs_hash: str
    computed_at: dt.datetime
    dispute_window_ends_at: dt.datetime
    finalized_at: dt.datetime | None
    superseded_at: dt.datetime | None
    reason: str


class SnapshotLineOut(Schema):
    github_login: str
    display_name: str | None
    points: int
    share_cents: int
    carry_in_cents: int
    payout_cents: int
    carry_out_cents: int
    payout_status: Literal["pending", "processing", "paid", "failed", "canceled"] | None


class RevisionOut(Schema):
    revision: int
    state: str
    computed_at: dt.datetime
    inputs_hash: str
    outputs_hash: str
    reason: str


class SnapshotDetailOut(SnapshotSummaryOut):
    revisions: list[RevisionOut]
    lines: list[SnapshotLineOut]


class ContributorOut(Schema):
    github_login: str
    display_name: str
    public: bool
    linked_at: dt.datetime


class LinkClaimOut(Schema):
    github_login: str
    token: str = Field(
        description="Post this text in a comment on any issue or pull request of a rewarded "
        "repository, from that GitHub account."
    )
    created_at: dt.datetime
    instructions: str

    @staticmethod
    def resolve_instructions(claim: GithubLinkClaim) -> str:
        return (
            f"From the GitHub account @{claim.github_login}, comment `{claim.token}` on any issue or "
            "pull request of a rewarded repository. The link is made when the comment arrives."
        )


class PayoutOut(Schema):
    id: int
    period: str
    amount_cents: int
    currency: str
    status: Literal["pending", "processing", "paid", "failed", "canceled"]
    created_at: dt.datetime


class MyRewardsOut(Schema):
    contributor: ContributorOut | None
    pending_identity: LinkClaimOut | None
    total_points: int
    paid_cents: int
    events: list[EventOut]
    payouts: list[PayoutOut]


class LinkGithubIn(InputSchema):
    github_login: str = Field(min_length=1, max_length=40)


class MyRewardsPatch(InputSchema):
    public: bool = Field(description="Show my display name in public snapshots and events.")


class DisputeIn(InputSchema):
    period: str = Field(pattern=PERIOD_REGEX)
    kind: Literal["missing_pr", "wrong_label", "identity", "other"]
    description: str = Field(min_length=10, max_length=4000)
    source_url: str = Field("", max_length=500, pattern=r"^(https://\S+)?$")


class DisputeOut(Schema):
    id: int
    period: str
    kind: str
    description: str
    source_url: str
    status: Literal["open", "resolved", "rejected"]
    created_at: dt.datetime
    resolution: str
    resolved_at: dt.datetime | None


class WebhookOut(Schema):
    # Reads what a delivery did (`services.Ingested`): its outcome, why, and the ledger keys it recorded.
    status: Literal["recorded", "queued", "duplicate"]
    detail: str
    events: list[str]

    @staticmethod
    def resolve_status(result) -> str:
        return result.outcome
