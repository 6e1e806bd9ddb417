"""Reads of the rewards module. Everything public here is public on purpose: the ledger is open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Self

from django.db.models import Q, Sum
from django.db.models.functions import Lower

from modules.core.public import NotFound, Page, paginate_queryset
from modules.rewards.models import (
    Contributor,
    Dispute,
    GithubLinkClaim,
    LinkStatus,
    Payout,
    RewardEvent,
    RewardRules,
    Snapshot,
    SnapshotState,
)


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    points: int
    occurred_at: dt.datetime
    period: str
    github_login: str
    display_name: str | None
    source_url: str
    payload_sha256: str
    rules_version: int
    idempotency_key: str
    corrects: str | None
    reason: str
    flags: list[str]
    hash: str
    prev_hash: str


@dataclass(frozen=True)
class LineView:
    github_login: str
    display_name: str | None
    points: int
    share_cents: int
    carry_in_cents: int
    payout_cents: int
    carry_out_cents: int
    payout_status: str | None


def _names(logins: set[str]) -> dict[str, str]:
    """Display names of contributors who chose to appear publicly; the others are shown by login only."""
    found = (
        Contributor.objects.annotate(login=Lower("github_login"))
        .filter(public=True, login__in={login.lower() for login in logins})
        .values_list("login", "display_name")
    )
    return dict(found)


def rules_list() -> list[RewardRules]:
    return list(RewardRules.objects.order_by("version"))


def _event_view(event: RewardEvent, names: dict[str, str]) -> EventView:
    return EventView(
        id=event.id,
        kind=event.kind,
        points=event.points,
        occurred_at=event.occurred_at,
        period=event.period,
        github_login=event.github_login,
        display_name=names.get(event.github_login),
        source_url=event.source_url,
        payload_sha256=event.payload_sha256,
        rules_version=event.rules_id,
        idempotency_key=event.idempotency_key,
        corrects=event.corrects.idempotency_key if event.corrects_id else None,
        reason=event.reason,
        flags=list(event.flags),
        hash=event.hash,
        prev_hash=event.prev_hash,
    )


def events_page(*, period: str | None, contributor: str | None, cursor: str | None, limit: int) -> Page[EventView]:
    """The ledger, newest first, optionally for one period and/or one GitHub login."""
    queryset = RewardEvent.objects.select_related("corrects")
    if period:
        queryset = queryset.filter(period=period)
    if contributor:
        queryset = queryset.filter(github_login=contributor.lower().lstrip("@"))
    page = paginate_queryset(queryset, ordering=("-id",), cursor=cursor, limit=limit)
    names = _names({event.github_login for event in page.results})
    return Page(results=[_event_view(event, names) for event in page.results], next=page.next)


@dataclass(frozen=True)
class SnapshotView:
    """A snapshot revision as the public reads it (its ledger high-water marks stay inside)."""

    period: str
    revision: int
    state: str
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

    @classmethod
    def of(cls, row: Snapshot, **more) -> Self:
        return cls(
            period=row.period,
            revision=row.revision,
            state=row.state,
            currency=row.currency,
            revenue_cents=row.revenue_cents,
            costs_cents=row.costs_cents,
            net_cents=row.net_cents,
            pool_percent=row.pool_percent,
            pool_cents=row.pool_cents,
            total_points=row.total_points,
            event_count=row.event_count,
            min_payout_cents=row.min_payout_cents,
            carry_in_cents=row.carry_in_cents,
            payable_cents=row.payable_cents,
            carry_out_cents=row.carry_out_cents,
            inputs_hash=row.inputs_hash,
            outputs_hash=row.outputs_hash,
            computed_at=row.computed_at,
            dispute_window_ends_at=row.dispute_window_ends_at,
            finalized_at=row.finalized_at,
            superseded_at=row.superseded_at,
            reason=row.reason,
            **more,
        )


@dataclass(frozen=True)
class SnapshotDetail(SnapshotView):
    revisions: list[SnapshotView]
    lines: list[LineView]


def snapshots_current() -> list[SnapshotView]:
    """The current revision of every computed period, newest period first."""
    return [
        SnapshotView.of(row) for row in Snapshot.objects.exclude(state=SnapshotState.SUPERSEDED).order_by("-period")
    ]


def snapshot_get(*, period: str, revision: int | None = None) -> Snapshot:
    queryset = Snapshot.objects.filter(period=period)
    snapshot = (
        queryset.filter(revision=revision) if revision else queryset.exclude(state=SnapshotState.SUPERSEDED)
    ).first()
    if snapshot is None:
        raise NotFound(f"No snapshot for {period}" + (f" revision {revision}." if revision else "."))
    return snapshot


def snapshot_detail(*, period: str, revision: int | None = None) -> SnapshotDetail:
    """A revision (the current one by default) with every revision of its period and its contributors' lines."""
    snapshot = snapshot_get(period=period, revision=revision)
    revisions = Snapshot.objects.filter(period=snapshot.period).order_by("revision")
    return SnapshotDetail.of(
        snapshot, revisions=[SnapshotView.of(row) for row in revisions], lines=_snapshot_lines(snapshot)
    )


def _snapshot_lines(snapshot: Snapshot) -> list[LineView]:
    lines = list(snapshot.lines.order_by("-payout_cents", "-points", "github_login"))
    names = _names({line.github_login for line in lines})
    statuses = dict(Payout.objects.filter(snapshot=snapshot).values_list("github_login", "status"))
    return [
        LineView(
            github_login=line.github_login,
            display_name=names.get(line.github_login),
            points=line.points,
            share_cents=line.share_cents,
            carry_in_cents=line.carry_in_cents,
            payout_cents=line.payout_cents,
            carry_out_cents=line.carry_out_cents,
            payout_status=statuses.get(line.github_login),
        )
        for line in lines
    ]


@dataclass(frozen=True)
class PayoutView:
    id: int
    period: str
    amount_cents: int
    currency: str
    status: str
    created_at: dt.datetime


@dataclass(frozen=True)
class MyRewards:
    contributor: Contributor | None
    pending_identity: GithubLinkClaim | None  # a link being proved: the token to post on GitHub
    events: list[EventView]
    payouts: list[PayoutView]
    total_points: int
    paid_cents: int


def my_rewards(*, user_id: int) -> MyRewards:
    contributor = Contributor.objects.filter(user_id=user_id).first()
    claim = GithubLinkClaim.objects.filter(user_id=user_id, status=LinkStatus.PENDING).order_by("-id").first()
    events: list[EventView] = []
    payouts: list[PayoutView] = []
    total = paid = 0
    if contributor is not None:
        login = contributor.github_login.lower()
        names = _names({login})
        events = [
            _event_view(e, names)
            for e in RewardEvent.objects.filter(github_login=login).select_related("corrects").order_by("-id")[:100]
        ]
        payouts = [
            PayoutView(
                id=p.id,
                period=p.snapshot.period,
                amount_cents=p.amount_cents,
                currency=p.currency,
                status=p.status,
                created_at=p.created_at,
            )
            for p in Payout.objects.filter(github_login=login).select_related("snapshot").order_by("-id")
        ]
        total = RewardEvent.objects.filter(github_login=login).aggregate(total=Sum("points"))["total"] or 0
        paid = sum(p.amount_cents for p in payouts if p.status == "paid")
    return MyRewards(contributor, claim, events, payouts, total, paid)


def disputes_of(*, user_id: int) -> list[Dispute]:
    return list(Dispute.objects.filter(user_id=user_id).order_by("-id"))


def pool_history(limit: int = 24) -> list[Snapshot]:
    return list(Snapshot.objects.filter(~Q(state=SnapshotState.SUPERSEDED)).order_by("-period")[:limit])
