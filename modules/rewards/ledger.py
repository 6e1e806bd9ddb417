"""Appending to the ledger: the only code that inserts RewardEvent and RevenueEntry rows.

Appends are serialised by a transaction-level advisory lock (the same one the
database trigger takes), so the hash chain never forks and ids grow in commit
order, which lets a snapshot name its inputs by "every id up to N".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from modules.core.public import Conflict, ValidationFailed
from modules.rewards import canonical
from modules.rewards.models import (
    Contributor,
    EventKind,
    RevenueEntry,
    RewardEvent,
    RewardRules,
    Snapshot,
    SnapshotState,
)

LEDGER_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('selflink-rewards-ledger'))"


def ledger_lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute(LEDGER_LOCK_SQL)


def rules_for(moment: dt.datetime) -> RewardRules:
    """The rules version in force at `moment`: the newest one activated at or before it."""
    rules = RewardRules.objects.filter(activated_at__lte=moment).order_by("-activated_at").first()
    if rules is None:
        raise Conflict(f"No rewards rules are active at {moment:%Y-%m-%d %H:%M}.", code="no_rules")
    return rules


def booking_period(moment: dt.datetime) -> str:
    """The period an event or revenue line is booked into: its own month, unless that month already has a
    snapshot (provisional or final), in which case the first month without one. Snapshots never change
    behind anyone's back; late arrivals are paid in the next open month."""
    latest = Snapshot.objects.aggregate(latest=Max("period"))["latest"]
    own = canonical.period_of(moment)
    if latest and own <= latest:
        return canonical.next_period(latest)
    return own


# An event's canonical line (exactly canonical.canonical_json(event_record(...)) without the newline), built by
# PostgreSQL so that millions of events stream as one text column each. PostgreSQL's to_json(text) escapes
# exactly like Python's json encoder with ensure_ascii=False (checked for every code point), flags are sorted by
# code point (COLLATE "C"), and tests compare these lines with the Python reference encoding.
EVENT_LINE_SQL = f"""
    SELECT '{{"corrects":' || CASE WHEN e.corrects_id IS NULL THEN 'null' ELSE to_json(
               (SELECT c.idempotency_key FROM {RewardEvent._meta.db_table} c WHERE c.id = e.corrects_id))::text END
        || ',"flags":' || CASE WHEN e.flags = '[]'::jsonb THEN '[]' ELSE (
               SELECT '[' || string_agg(to_json(f)::text, ',' ORDER BY f COLLATE "C") || ']'
               FROM jsonb_array_elements_text(e.flags) f) END
        || ',"github_login":' || to_json(e.github_login)::text
        || ',"idempotency_key":' || to_json(e.idempotency_key)::text
        || ',"kind":' || to_json(e.kind)::text
        || ',"occurred_at":"' || to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '"'
        || ',"payload_sha256":' || to_json(e.payload_sha256)::text
        || ',"period":' || to_json(e.period)::text
        || ',"points":' || e.points::text
        || ',"reason":' || to_json(e.reason)::text
        || ',"rules_version":' || e.rules_version::text
        || ',"source_url":' || to_json(e.source_url)::text
        || '}}' AS line
    FROM {RewardEvent._meta.db_table} e
"""  # noqa: S608 - fixed identifiers


def stream_rows(sql: str, params: list, *, batch: int = 10_000):
    """Rows of a query streamed from PostgreSQL in chunks (libpq chunked mode), so memory stays flat however
    many rows there are, and the query may still use parallel workers (a named cursor may not)."""
    with transaction.atomic(), connection.cursor() as django_cursor:
        # Reading a whole month: an ordered index scan would fetch heap pages in random order (measured 3x slower
        # on a million events); a sequential or bitmap scan and an in-memory sort read them in physical order.
        django_cursor.execute("SET LOCAL enable_indexscan = off")
        django_cursor.execute("SET LOCAL work_mem = '64MB'")
        yield from django_cursor.connection.cursor().stream(sql, params, size=batch)


def event_record_of(event: RewardEvent) -> dict:
    return canonical.event_record(
        idempotency_key=event.idempotency_key,
        kind=event.kind,
        points=event.points,
        occurred_at=event.occurred_at,
        period=event.period,
        github_login=event.github_login,
        source_url=event.source_url,
        payload_sha256=event.payload_sha256,
        rules_version=event.rules_id,
        corrects=event.corrects.idempotency_key if event.corrects_id else None,
        reason=event.reason,
        flags=event.flags,
    )


@dataclass(frozen=True)
class Appended:
    event: RewardEvent
    created: bool


def event_append(
    *,
    kind: str,
    points: int,
    occurred_at: dt.datetime,
    github_login: str,
    idempotency_key: str,
    payload_sha256: str,
    source_url: str = "",
    rules: RewardRules | None = None,
    period: str | None = None,
    corrects: RewardEvent | None = None,
    reason: str = "",
    flags: tuple[str, ...] | list[str] = (),
    recorded_by_id: int | None = None,
) -> Appended:
    """Append one event (idempotent on `idempotency_key`: a replay returns the existing event)."""
    with transaction.atomic():
        ledger_lock()
        existing = RewardEvent.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return Appended(existing, created=False)
        rules = rules or rules_for(occurred_at)
        period = period or booking_period(occurred_at)
        if Snapshot.objects.filter(period=period, state=SnapshotState.FINAL).exists():
            raise Conflict(f"{period} is final; corrections go into the next open period.", code="period_final")
        contributor = Contributor.objects.filter(github_login__iexact=github_login).first()
        event = RewardEvent(
            kind=kind,
            points=points,
            occurred_at=occurred_at,
            period=period,
            source_url=source_url,
            payload_sha256=payload_sha256,
            rules=rules,
            github_login=github_login.lower(),
            contributor=contributor,
            idempotency_key=idempotency_key,
            corrects=corrects,
            reason=reason,
            flags=sorted(flags),
            recorded_by_id=recorded_by_id,
        )
        last = RewardEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or canonical.GENESIS_HASH
        event.hash = canonical.chain_hash(event.prev_hash, canonical.canonical_json(event_record_of(event)))
        event.save(force_insert=True)
        return Appended(event, created=True)


def adjustment_append(
    *,
    corrects: RewardEvent,
    points: int,
    reason: str,
    recorded_by_id: int,
    period: str | None = None,
    now: dt.datetime | None = None,
) -> RewardEvent:
    """A correction: a new, public event pointing at the one it corrects. There is no other way to change
    points. Dated inside its period: now, or the last instant of an earlier (still open) period."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed.for_field("reason", "An adjustment needs a reason.", code="reason_required")
    if points == 0:
        raise ValidationFailed.for_field("points", "An adjustment must change the points.", code="zero_adjustment")
    now = now or dt.datetime.now(dt.UTC)
    period = period or booking_period(now)
    start, end = canonical.period_bounds(period)
    occurred_at = min(max(now, start), end - dt.timedelta(microseconds=1))
    sequence = RewardEvent.objects.filter(corrects=corrects).count() + 1
    appended = event_append(
        kind=EventKind.ADJUSTMENT,
        points=points,
        occurred_at=occurred_at,
        github_login=corrects.github_login,
        idempotency_key=f"adjust:{corrects.idempotency_key}:{sequence}",
        payload_sha256=canonical.sha256_hex(
            canonical.canonical_json({"corrects": corrects.idempotency_key, "points": points, "reason": reason})
        ),
        source_url=corrects.source_url,
        rules=rules_for(occurred_at),
        period=period,
        corrects=corrects,
        reason=reason,
        recorded_by_id=recorded_by_id,
    )
    return appended.event


def revenue_append(
    *,
    period: str,
    kind: str,
    amount_cents: int,
    currency: str,
    source: str,
    reference: str,
    note: str = "",
    entered_by_id: int | None,
) -> tuple[RevenueEntry, bool]:
    """Record a revenue or cost line (idempotent on source+reference; a different line with the same
    reference is a conflict). A provisional period still accepts lines; it then needs a new revision."""
    currency = currency.upper()
    if currency != settings.REWARDS_CURRENCY:
        raise ValidationFailed.for_field(
            "currency", f"Only {settings.REWARDS_CURRENCY} is accounted.", code="currency_mismatch"
        )
    if amount_cents == 0:
        raise ValidationFailed.for_field("amount_cents", "Amount must not be zero.", code="zero_amount")
    with transaction.atomic():
        ledger_lock()
        existing = RevenueEntry.objects.filter(source=source, reference=reference).first()
        if existing is not None:
            same = (existing.period, existing.kind, existing.amount_cents, existing.currency) == (
                period,
                kind,
                amount_cents,
                currency,
            )
            if not same:
                raise Conflict(
                    f"{source}:{reference} was already recorded with other values.", code="idempotency_conflict"
                )
            return existing, False
        if Snapshot.objects.filter(period=period, state=SnapshotState.FINAL).exists():
            raise Conflict(f"{period} is final; book this line into an open period.", code="period_final")
        entry = RevenueEntry.objects.create(
            period=period,
            kind=kind,
            amount_cents=amount_cents,
            currency=currency,
            source=source,
            reference=reference,
            note=note,
            entered_by_id=entered_by_id,
        )
        return entry, True


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None
    problem: str


def chain_verify(*, progress=lambda count: None) -> ChainReport:
    """Walk the whole ledger in id order and recompute every hash; report the first broken link."""
    sql = EVENT_LINE_SQL.replace("SELECT ", "SELECT e.id, e.prev_hash, e.hash, ", 1) + " ORDER BY e.id"
    expected_prev = canonical.GENESIS_HASH
    count = 0
    for event_id, prev_hash, stored_hash, line in stream_rows(sql, []):
        if prev_hash != expected_prev:
            return ChainReport(
                count,
                event_id,
                f"event {event_id}: prev_hash {prev_hash[:12]}… does not match the "
                f"previous event's hash {expected_prev[:12]}…",
            )
        computed = canonical.chain_hash(prev_hash, line.encode() + b"\n")
        if computed != stored_hash:
            return ChainReport(
                count,
                event_id,
                f"event {event_id}: content does not match its hash "
                f"(stored {stored_hash[:12]}…, recomputed {computed[:12]}…)",
            )
        expected_prev = stored_hash
        count += 1
        if count % 100_000 == 0:
            progress(count)
    progress(count)
    return ChainReport(count, None, "intact")
