"""Writes of the rewards module: ingestion, snapshots and their lifecycle, payouts, disputes, identity."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from modules.accounts.public import account_get
from modules.core.public import Conflict, NotFound, ValidationFailed
from modules.notifications.public import notify
from modules.rewards import canonical, closing, github, selectors
from modules.rewards.bundle import Computation, Output, build, bundle_zip_ensure
from modules.rewards.ledger import adjustment_append, event_append, ledger_lock, rules_for
from modules.rewards.models import (
    Contributor,
    Dispute,
    DisputeStatus,
    EventKind,
    GithubDelivery,
    GithubLinkClaim,
    IssueScore,
    LinkStatus,
    Payout,
    PayoutStatus,
    PayoutTransition,
    RevenueEntry,
    RewardEvent,
    Snapshot,
    SnapshotLine,
    SnapshotState,
)

logger = logging.getLogger(__name__)

LINK_TOKEN_PREFIX = "selflink-verify-"


# --- GitHub ingestion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingested:
    """What one webhook delivery or imported PR did."""

    outcome: str  # recorded | queued | duplicate | ignored
    detail: str
    events: tuple[str, ...] = ()


def _repository_allowed(repository: str) -> bool:
    allowed = settings.REWARDS_GITHUB_REPOSITORIES
    return not allowed or repository.lower() in allowed


def _uncompleted_scored_issues(repository: str) -> dict[tuple[str, int], tuple[int, str]]:
    """The repository's scored issues not paid yet: (repository, number) → (score, issue URL)."""
    scores = {
        (row.repository.lower(), row.number): (row.score, row.issue_url)
        for row in IssueScore.objects.filter(repository__iexact=repository)
    }
    if not scores:
        return {}
    completed = set(
        RewardEvent.objects.filter(
            kind=EventKind.ISSUE_COMPLETED, idempotency_key__contains=f":issue:{repository}#"
        ).values_list("idempotency_key", flat=True)
    )
    return {
        key: value
        for key, value in scores.items()
        if not any(done.endswith(f":issue:{key[0]}#{key[1]}") for done in completed)
    }


def _issue_scores_apply(pr: github.PullRequest) -> bool:
    """Whether the merge can complete a scored issue at all: its rules use issue scores and the repository has
    scored issues not paid yet. Otherwise there is nothing to ask GitHub."""
    merged_at = dt.datetime.fromisoformat(pr.merged_at.replace("Z", "+00:00"))
    return bool(rules_for(merged_at).config.get("issue_scores")) and bool(_uncompleted_scored_issues(pr.repository))


def pull_request_ingest(
    pr: github.PullRequest,
    *,
    payload_sha256: str,
    closed_issues: tuple[tuple[str, int], ...] = (),
    flags: tuple[str, ...] = (),
) -> Ingested:
    """Record a merged PR under the rules in force at its merge time. Replays change nothing; labels changed
    after the merge do not re-score it (the first recording wins).

    `closed_issues` are the issues GitHub confirmed this PR closed (`closing.issues_closed_by`), never what its
    description claims; `flags` go on its `pr_merged` line (`closing_issues_unverified` when GitHub could not be
    asked)."""
    if not pr.merged_at:
        return Ingested("ignored", "pull request closed without merging")
    if not _repository_allowed(pr.repository):
        return Ingested("ignored", f"{pr.repository} is not a rewarded repository")
    merged_at = dt.datetime.fromisoformat(pr.merged_at.replace("Z", "+00:00"))
    with transaction.atomic():
        ledger_lock()
        if RewardEvent.objects.filter(idempotency_key=pr.key).exists():
            return Ingested("duplicate", f"{pr.key} was already recorded")
        rules = rules_for(merged_at)
        open_scores = _uncompleted_scored_issues(pr.repository) if closed_issues else {}
        scored = {
            (repository, number): open_scores[(repository, number)]
            for repository, number in closed_issues
            if repository == pr.repository and (repository, number) in open_scores
        }
        keys = []
        for award in github.score_pull_request(pr, rules.config, scored).awards:
            if award.kind == EventKind.PR_MERGED and flags:
                award = dataclasses.replace(award, flags=tuple(sorted({*award.flags, *flags})))
            key = pr.key + award.key_suffix
            event_append(
                kind=award.kind,
                points=award.points,
                occurred_at=merged_at,
                github_login=pr.author,
                idempotency_key=key,
                payload_sha256=payload_sha256,
                source_url=award.source_url,
                rules=rules,
                reason=award.reason,
                flags=award.flags,
            )
            keys.append(key)
    return Ingested("recorded", f"{pr.key} scored under rules v{rules.version}", tuple(keys))


# GitHub closes the issues a merged PR references a moment after the merge: ask after these delays (the last
# answer is final). A scored issue still open by then is not completed by this PR (a dispute can correct it).
CLOSING_CHECK_DELAYS = (
    dt.timedelta(seconds=20),
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=3),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=30),
)
UNVERIFIED = "closing_issues_unverified"


def _enqueue_settle(pr: github.PullRequest, payload_sha256: str, attempt: int) -> None:
    from modules.rewards.tasks import rewards_pull_request_settle  # tasks import services

    delay = CLOSING_CHECK_DELAYS[attempt]
    rewards_pull_request_settle.send_with_options(
        args=(pr.message(), payload_sha256, attempt), delay=int(delay.total_seconds() * 1000)
    )


def pull_request_merged(pr: github.PullRequest, *, payload_sha256: str) -> Ingested:
    """The webhook's merged PR: recorded now when it cannot complete a scored issue; otherwise recorded by a job
    once GitHub has said which issues it closed."""
    if not pr.merged_at or not _repository_allowed(pr.repository) or not _issue_scores_apply(pr):
        return pull_request_ingest(pr, payload_sha256=payload_sha256)
    if RewardEvent.objects.filter(idempotency_key=pr.key).exists():
        return Ingested("duplicate", f"{pr.key} was already recorded")
    if not settings.REWARDS_GITHUB_TOKEN:
        return pull_request_ingest(pr, payload_sha256=payload_sha256, flags=(UNVERIFIED,))
    transaction.on_commit(partial(_enqueue_settle, pr, payload_sha256, 0), robust=True)
    return Ingested("queued", f"{pr.key}: recorded once GitHub confirms which issues it closed")


def pull_request_settle(pr: github.PullRequest, *, payload_sha256: str, attempt: int) -> Ingested:
    """The job of `pull_request_merged`: ask GitHub, wait for issues still being closed, then record. Safe on
    redelivery (the ledger keys the PR once; a duplicate of the job finds it recorded)."""
    if RewardEvent.objects.filter(idempotency_key=pr.key).exists():
        return Ingested("duplicate", f"{pr.key} was already recorded")
    final = attempt + 1 >= len(CLOSING_CHECK_DELAYS)
    try:
        check = closing.issues_closed_by(pr)
    except closing.GithubUnavailable as exc:
        if not final:
            logger.info("rewards: %s not settled yet (%s); asking again later", pr.key, exc)
            _enqueue_settle(pr, payload_sha256, attempt + 1)
            return Ingested("queued", f"{pr.key}: GitHub unavailable, asking again")
        logger.warning("rewards: %s recorded without its closed issues (%s)", pr.key, exc)
        return pull_request_ingest(pr, payload_sha256=payload_sha256, flags=(UNVERIFIED,))
    waiting = set(check.pending) & set(_uncompleted_scored_issues(pr.repository))
    if waiting and not final:
        _enqueue_settle(pr, payload_sha256, attempt + 1)
        return Ingested("queued", f"{pr.key}: {len(waiting)} scored issue(s) not closed yet")
    return pull_request_ingest(pr, payload_sha256=payload_sha256, closed_issues=check.closed)


def issue_score_capture(issue: github.IssueLabels, *, payload_sha256: str) -> Ingested:
    """Fix an issue's score the first time a valid `score:N` label is seen. It never changes afterwards."""
    if not _repository_allowed(issue.repository):
        return Ingested("ignored", f"{issue.repository} is not a rewarded repository")
    rules = rules_for(timezone.now())
    score = github.score_label(issue.labels, rules.config)
    if score is None:
        return Ingested("ignored", "no score label")
    try:
        with transaction.atomic():
            IssueScore.objects.create(
                issue_url=issue.url,
                repository=issue.repository,
                number=issue.number,
                score=score,
                captured_at=timezone.now(),
                payload_sha256=payload_sha256,
            )
    except IntegrityError:
        return Ingested("duplicate", f"{issue.repository}#{issue.number} already has its score")
    return Ingested("recorded", f"{issue.repository}#{issue.number} scored {score}")


def link_claims_verify_from(author: str, text: str, proof_url: str, *, before: str = "") -> Ingested:
    """Text that `author` provably wrote (`github.authored_text`) containing a pending claim's token proves the
    login. `before`: the text as it was before an edit; a token already there proves nothing now."""
    if LINK_TOKEN_PREFIX not in (text or ""):
        return Ingested("ignored", "no verification token")
    for claim in GithubLinkClaim.objects.filter(github_login__iexact=author, status=LinkStatus.PENDING):
        if claim.token in text and claim.token not in (before or ""):
            link_claim_verify(claim=claim, proof=proof_url)
            return Ingested("recorded", f"@{author} verified for user {claim.user_id}")
    return Ingested("ignored", "token does not match a pending claim by this author")


def _identity_proof(text: github.Authored) -> Ingested:
    authored = github.authored_text(
        action=text.action, sender=text.sender, author=text.author, text=text.text, previous=text.previous
    )
    if not authored:
        return Ingested(
            "ignored", f"{text.action} by @{text.sender or '?'}: no text written by its author @{text.author}"
        )
    return link_claims_verify_from(text.author, authored, text.url, before=text.previous or "")


def delivery_process(*, delivery: github.Delivery) -> Ingested:
    """Record one verified, parsed webhook delivery (`github.delivery_parse`). A replayed delivery is a
    `duplicate` and changes nothing."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = GithubDelivery.objects.create(
                    delivery_id=delivery.id,
                    event=delivery.event,
                    action=delivery.action,
                    payload_sha256=delivery.payload_sha256,
                    outcome="processing",
                )
        except IntegrityError:
            return Ingested("duplicate", f"delivery {delivery.id} was already processed")
        result = _dispatch(delivery)
        row.outcome = f"{result.outcome}: {result.detail}"[:200]
        row.save(update_fields=["outcome"])
    return result


def _dispatch(delivery: github.Delivery) -> Ingested:
    subject = delivery.subject
    if isinstance(subject, github.PullRequest):
        return pull_request_merged(subject, payload_sha256=delivery.payload_sha256)
    if isinstance(subject, github.IssueLabels):
        return issue_score_capture(subject, payload_sha256=delivery.payload_sha256)
    if isinstance(subject, github.Authored):
        return _identity_proof(subject)
    return Ingested("ignored", subject.reason)


def pull_requests_import(records: list[dict[str, Any]], *, progress=lambda: None) -> dict[str, int]:
    """Back-fill merged PRs from a JSON export (GitHub's REST format), with the webhook's rules and keys."""
    counts = {"recorded": 0, "duplicate": 0, "ignored": 0}
    for record in records:
        pr = github.pull_request_from(record, repository=record.get("base", {}).get("repo", {}).get("full_name"))
        sha = canonical.sha256_hex(canonical.canonical_json(record))
        closed, flags = (), ()
        if pr.merged_at and _repository_allowed(pr.repository) and _issue_scores_apply(pr):
            # Imported merges are long settled: GitHub's answer is final at once.
            try:
                closed = closing.issues_closed_by(pr).closed
            except closing.GithubUnavailable:
                flags = (UNVERIFIED,)
        result = pull_request_ingest(pr, payload_sha256=sha, closed_issues=closed, flags=flags)
        counts[result.outcome] += 1
        progress()
    return counts


# --- identity -------------------------------------------------------------------------------------


def link_claim_create(*, user_id: int, github_login: str) -> selectors.MyRewards:
    """Start linking a GitHub login: a token to post on GitHub (a comment on any issue or PR of a rewarded
    repository), shown as `pending_identity`. Events already recorded for the login become payable once it is
    verified."""
    login = github_login.strip().lstrip("@")
    if not login or len(login) > 39 or not all(ch.isalnum() or ch == "-" for ch in login):
        raise ValidationFailed.for_field("github_login", "Not a GitHub login.", code="invalid_github_login")
    owner = Contributor.objects.filter(github_login__iexact=login).first()
    if owner is not None:
        if owner.user_id == user_id:
            raise Conflict("This login is already linked to your account.", code="already_linked")
        raise Conflict("This login is linked to another account; open an identity dispute.", code="login_taken")
    with transaction.atomic():
        GithubLinkClaim.objects.filter(user_id=user_id, status=LinkStatus.PENDING).update(status=LinkStatus.SUPERSEDED)
        GithubLinkClaim.objects.create(
            user_id=user_id, github_login=login, token=LINK_TOKEN_PREFIX + secrets.token_hex(12)
        )
    return selectors.my_rewards(user_id=user_id)


def link_claim_verify(*, claim: GithubLinkClaim, proof: str, display_name: str | None = None) -> Contributor:
    """Make the claim's user the contributor for its login. Linking never rewrites events: payouts are keyed by
    login, so what was earned before becomes payable now."""
    with transaction.atomic():
        if Contributor.objects.filter(github_login__iexact=claim.github_login).exclude(user_id=claim.user_id).exists():
            raise Conflict("This login is linked to another account.", code="login_taken")
        name = display_name or account_get(user_id=claim.user_id).name or claim.github_login
        contributor, _ = Contributor.objects.update_or_create(
            user_id=claim.user_id, defaults={"github_login": claim.github_login, "display_name": name}
        )
        GithubLinkClaim.objects.filter(id=claim.id).update(
            status=LinkStatus.VERIFIED, verified_at=timezone.now(), verified_via=proof[:200]
        )
    return contributor


def contributor_set_public(*, user_id: int, public: bool) -> selectors.MyRewards:
    contributor = Contributor.objects.filter(user_id=user_id).first()
    if contributor is None:
        raise NotFound("You have not linked a GitHub login yet.")
    contributor.public = public
    contributor.save(update_fields=["public"])
    return selectors.my_rewards(user_id=user_id)


# --- snapshots --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleFile:
    path: str  # in media storage
    filename: str  # what the download is called


def snapshot_bundle_ensure(*, period: str, revision: int | None = None) -> BundleFile:
    """A revision's audit bundle (the current revision by default): built into media storage by the first request
    for it, then served from there (the cache never goes stale: a revision never changes)."""
    snapshot = selectors.snapshot_get(period=period, revision=revision)
    return BundleFile(
        path=bundle_zip_ensure(snapshot), filename=f"selflink-rewards-{snapshot.period}-r{snapshot.revision}.zip"
    )


@dataclass(frozen=True)
class SnapshotResult:
    computation: Computation
    snapshot: Snapshot | None
    created: bool


def _period_ended(period: str, now: dt.datetime) -> bool:
    return now >= canonical.period_bounds(period)[1]


def snapshot_compute(
    *, period: str, reason: str = "monthly run", dry_run: bool = False, now: dt.datetime | None = None
) -> SnapshotResult:
    """Compute the period's snapshot (a new revision when its inputs changed since the last one).

    Deterministic: the result depends only on the period's events and revenue lines, the rules they name, the
    previous month's carry-out and the pool settings; never on insertion order or time.
    """
    now = now or timezone.now()
    if not _period_ended(period, now):
        raise Conflict(f"{period} has not ended yet.", code="period_open")
    with transaction.atomic():
        ledger_lock()  # inputs cannot change while they are read
        current = Snapshot.objects.filter(period=period).exclude(state=SnapshotState.SUPERSEDED).first()
        if current is not None and current.state == SnapshotState.FINAL:
            raise Conflict(f"{period} is final; corrections go into the next open period.", code="period_final")
        previous = (
            Snapshot.objects.filter(period=canonical.previous_period(period))
            .exclude(state=SnapshotState.SUPERSEDED)
            .first()
        )
        if previous is not None and previous.state != SnapshotState.FINAL:
            raise Conflict(
                f"Finalise {previous.period} before computing {period} (its carry-over is an input).",
                code="previous_not_final",
            )
        computation = build(
            Computation(
                period=period,
                last_event_id=RewardEvent.objects.aggregate(m=Max("id"))["m"] or 0,
                last_revenue_id=RevenueEntry.objects.aggregate(m=Max("id"))["m"] or 0,
                currency=settings.REWARDS_CURRENCY,
                pool_percent=settings.REWARDS_POOL_PERCENT,
                min_payout_cents=settings.REWARDS_MIN_PAYOUT_CENTS,
            ),
            Output(),
        )
        if dry_run:
            return SnapshotResult(computation, None, created=False)
        if current is not None and current.inputs_hash == computation.inputs_hash:
            return SnapshotResult(computation, current, created=False)
        revision = 1
        window_ends = now + dt.timedelta(days=settings.REWARDS_DISPUTE_WINDOW_DAYS)
        if current is not None:
            revision = current.revision + 1
            window_ends = current.dispute_window_ends_at  # a revision does not extend the dispute window
            Snapshot.objects.filter(id=current.id).update(state=SnapshotState.SUPERSEDED, superseded_at=now)
        snapshot = Snapshot.objects.create(
            period=period,
            revision=revision,
            state=SnapshotState.PROVISIONAL,
            currency=computation.currency,
            revenue_cents=computation.revenue_cents,
            costs_cents=computation.costs_cents,
            net_cents=computation.net_cents,
            pool_percent=computation.pool_percent,
            pool_cents=computation.pool_cents,
            total_points=computation.total_points,
            event_count=computation.event_count,
            min_payout_cents=computation.min_payout_cents,
            carry_in_cents=computation.carry_in_cents,
            payable_cents=computation.payable_cents,
            carry_out_cents=computation.carry_out_cents,
            inputs_hash=computation.inputs_hash,
            outputs_hash=computation.outputs_hash,
            last_event_id=computation.last_event_id,
            last_revenue_id=computation.last_revenue_id,
            computed_at=now,
            dispute_window_ends_at=window_ends,
            reason=reason,
        )
        SnapshotLine.objects.bulk_create(
            [SnapshotLine(snapshot=snapshot, **line.record()) for line in computation.lines], batch_size=5000
        )
    logger.info(
        "rewards snapshot %s r%s: pool %s cents, %s lines",
        period,
        revision,
        snapshot.pool_cents,
        len(computation.lines),
    )
    return SnapshotResult(computation, snapshot, created=True)


def snapshot_finalize(*, period: str, now: dt.datetime | None = None, force: bool = False) -> Snapshot:
    """Lock the period forever once its dispute window has ended, and create its payouts.

    If inputs were added after the last revision (an adjustment without a recompute), a new revision is
    computed first, so nothing recorded for the period is left out.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ledger_lock()  # re-entrant: snapshot_compute below takes it again
        current = Snapshot.objects.filter(period=period, state=SnapshotState.PROVISIONAL).first()
        if current is None:
            raise NotFound(f"No provisional snapshot for {period}.")
        if current.dispute_window_ends_at > now and not force:
            raise Conflict(
                f"The dispute window of {period} is open until {current.dispute_window_ends_at:%Y-%m-%d %H:%M}.",
                code="dispute_window_open",
            )
        snapshot = snapshot_compute(period=period, reason="inputs changed before finalisation", now=now).snapshot
        Snapshot.objects.filter(id=snapshot.id, state=SnapshotState.PROVISIONAL).update(
            state=SnapshotState.FINAL, finalized_at=now
        )
        payouts = Payout.objects.bulk_create(
            [
                Payout(
                    snapshot=snapshot,
                    github_login=line.github_login,
                    amount_cents=line.payout_cents,
                    currency=snapshot.currency,
                )
                for line in snapshot.lines.filter(payout_cents__gt=0).order_by("github_login")
            ]
        )
        _notify_payouts(payouts, f"Your {period} contributor reward: {{amount}} (pending payout).")
    snapshot.refresh_from_db()
    return snapshot


def snapshots_finalize_due(*, now: dt.datetime | None = None) -> list[str]:
    """Finalise every provisional month whose dispute window has ended. Safe to run twice at once (a redelivered
    job): a month the other run finalised first is skipped, not an error."""
    now = now or timezone.now()
    due = Snapshot.objects.filter(state=SnapshotState.PROVISIONAL, dispute_window_ends_at__lte=now).order_by("period")
    finalized = []
    for period in list(due.values_list("period", flat=True)):
        try:
            finalized.append(snapshot_finalize(period=period, now=now).period)
        except NotFound:
            logger.info("rewards: %s was finalised meanwhile by another run", period)
    return finalized


# --- payouts ----------------------------------------------------------------------------------------

ALLOWED_TRANSITIONS = {
    PayoutStatus.PENDING: {PayoutStatus.PROCESSING, PayoutStatus.CANCELED},
    PayoutStatus.PROCESSING: {PayoutStatus.PAID, PayoutStatus.FAILED},
    PayoutStatus.FAILED: {PayoutStatus.PROCESSING, PayoutStatus.CANCELED},
    PayoutStatus.PAID: set(),
    PayoutStatus.CANCELED: set(),
}


def payout_transition(
    *, payout_id: int, to_status: str, by_id: int | None, external_reference: str = "", note: str = ""
) -> Payout:
    """Move a payout along pending → processing → paid (or failed / canceled); anything else is refused.
    Paying needs a verified identity for the login."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().filter(id=payout_id).first()
        if payout is None:
            raise NotFound("Payout not found.")
        if to_status not in ALLOWED_TRANSITIONS[payout.status]:
            raise Conflict(f"A {payout.status} payout cannot become {to_status}.", code="invalid_transition")
        if (
            to_status == PayoutStatus.PROCESSING
            and not Contributor.objects.filter(github_login__iexact=payout.github_login).exists()
        ):
            raise Conflict(f"@{payout.github_login} has not linked a SelfLink account yet.", code="identity_pending")
        PayoutTransition.objects.create(
            payout=payout,
            from_status=payout.status,
            to_status=to_status,
            by_id=by_id,
            external_reference=external_reference,
            note=note,
        )
        if to_status == PayoutStatus.PAID:
            _notify_payouts([payout], f"Your {payout.snapshot.period} contributor reward of {{amount}} was paid.")
    payout.refresh_from_db()
    return payout


def _notify_payouts(payouts: list[Payout], template: str) -> None:
    """Tell the SelfLink users behind these GitHub logins; logins nobody has linked yet have no one to tell."""
    users = dict(
        Contributor.objects.annotate(login=Lower("github_login"))
        .filter(login__in={p.github_login.lower() for p in payouts})
        .values_list("login", "user_id")
    )
    for payout in payouts:
        user_id = users.get(payout.github_login.lower())
        if user_id is not None:
            amount = f"{payout.amount_cents / 100:,.2f} {payout.currency}"
            notify(
                recipient_id=user_id,
                type="reward",
                target_type="payout",
                target_id=payout.id,
                text=template.format(amount=amount),
                data={"period": payout.snapshot.period, "amount_cents": payout.amount_cents},
            )


# --- disputes ---------------------------------------------------------------------------------------


def dispute_file(
    *, user_id: int, period: str, kind: str, description: str, source_url: str = "", now: dt.datetime | None = None
) -> Dispute:
    """Disputes are heard while the period's snapshot is provisional; later corrections are new events in an
    open period (file them against that period once it is computed)."""
    now = now or timezone.now()
    snapshot = Snapshot.objects.filter(period=period).exclude(state=SnapshotState.SUPERSEDED).first()
    if snapshot is None:
        raise Conflict(f"{period} has no snapshot yet; disputes open when it is computed.", code="no_snapshot")
    if snapshot.state == SnapshotState.FINAL or snapshot.dispute_window_ends_at <= now:
        raise Conflict(f"The dispute window of {period} has closed.", code="dispute_window_closed")
    return Dispute.objects.create(
        user_id=user_id, period=period, kind=kind, description=description.strip(), source_url=source_url
    )


def dispute_resolve(
    *,
    dispute_id: int,
    by_id: int,
    resolution: str,
    accepted: bool,
    adjustments: list[tuple[RewardEvent, int]] = (),
    recompute: bool = True,
) -> Dispute:
    """Close a dispute; accepted ones come with adjustment events dated in the disputed period, and the
    period is recomputed (a new revision that supersedes the old, which stays readable)."""
    dispute = Dispute.objects.filter(id=dispute_id, status=DisputeStatus.OPEN).first()
    if dispute is None:
        raise NotFound("Open dispute not found.")
    if not resolution.strip():
        raise ValidationFailed.for_field("resolution", "Explain the decision.", code="resolution_required")
    with transaction.atomic():
        for event, points in adjustments:
            adjustment_append(
                corrects=event,
                points=points,
                reason=f"dispute #{dispute.id}: {resolution.strip()}",
                recorded_by_id=by_id,
                period=dispute.period,
            )
        Dispute.objects.filter(id=dispute.id).update(
            status=DisputeStatus.RESOLVED if accepted else DisputeStatus.REJECTED,
            resolution=resolution.strip(),
            resolved_by_id=by_id,
            resolved_at=timezone.now(),
        )
    if accepted and recompute:
        snapshot_compute(period=dispute.period, reason=f"dispute #{dispute.id} resolved")
    dispute.refresh_from_db()
    return dispute
