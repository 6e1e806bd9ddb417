"""Rate limits counted in PostgreSQL (no Redis).

A sliding-window estimate from two fixed windows: the count in the current
window plus the previous window's count weighted by how much of it still
overlaps the sliding window. One SQL round trip per hit (an upsert that also
reads the previous window), safe under concurrency because the increment
happens inside `INSERT ... ON CONFLICT DO UPDATE`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection
from django.utils import timezone

from modules.core.errors import RateLimited
from modules.core.models import RateLimitCounter


class Rate(Protocol):
    """`count` events per `seconds` (settings build these from values like `5/15m`)."""

    @property
    def count(self) -> int: ...

    @property
    def seconds(self) -> int: ...


@dataclass(frozen=True)
class RateLimitStatus:
    allowed: bool
    used: float
    limit: int
    retry_after: int


def _subject_hash(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()


def _windows(now: dt.datetime, seconds: int) -> tuple[dt.datetime, dt.datetime, float]:
    epoch = now.timestamp()
    start = math.floor(epoch / seconds) * seconds
    current = dt.datetime.fromtimestamp(start, tz=dt.UTC)
    previous = current - dt.timedelta(seconds=seconds)
    elapsed_fraction = (epoch - start) / seconds
    return current, previous, elapsed_fraction


def _status(current: int, previous: int, rate: Rate, elapsed_fraction: float) -> RateLimitStatus:
    used = current + previous * (1 - elapsed_fraction)
    allowed = used <= rate.count
    retry_after = 0
    if not allowed:
        # Time until the weighted estimate drops back to the limit (the previous window fades out).
        if previous and current <= rate.count:
            needed_fraction = 1 - (rate.count - current) / previous
            retry_after = math.ceil((needed_fraction - elapsed_fraction) * rate.seconds)
        else:
            retry_after = math.ceil((1 - elapsed_fraction) * rate.seconds)
    return RateLimitStatus(allowed=allowed, used=used, limit=rate.count, retry_after=max(1, retry_after))


def rate_limit_hit(scope: str, subject: str, rate: Rate, *, now: dt.datetime | None = None) -> RateLimitStatus:
    """Count one event and report whether it is within the limit."""
    now = now or timezone.now()
    current_window, previous_window, elapsed = _windows(now, rate.seconds)
    table = RateLimitCounter._meta.db_table
    subject_hash = _subject_hash(subject)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH hit AS (
                INSERT INTO {table} (scope, subject, window_start, count) VALUES (%s, %s, %s, 1)
                ON CONFLICT (scope, subject, window_start) DO UPDATE SET count = {table}.count + 1
                RETURNING count
            )
            SELECT hit.count, COALESCE((
                SELECT count FROM {table} WHERE scope = %s AND subject = %s AND window_start = %s
            ), 0) FROM hit
            """,  # noqa: S608 - the table name is our own model's, values are parameters
            [scope, subject_hash, current_window, scope, subject_hash, previous_window],
        )
        current, previous = cursor.fetchone()
    return _status(current, previous, rate, elapsed)


def rate_limit_peek(scope: str, subject: str, rate: Rate, *, now: dt.datetime | None = None) -> RateLimitStatus:
    """Report whether one more event would be within the limit, without counting it."""
    now = now or timezone.now()
    current_window, previous_window, elapsed = _windows(now, rate.seconds)
    counts = dict(
        RateLimitCounter.objects.filter(
            scope=scope, subject=_subject_hash(subject), window_start__in=[current_window, previous_window]
        ).values_list("window_start", "count")
    )
    return _status(counts.get(current_window, 0) + 1, counts.get(previous_window, 0), rate, elapsed)


def rate_limit_enforce(scope: str, subject: str, rate: Rate, *, detail: str | None = None) -> None:
    """Count one event; raise `RateLimited` (429 with Retry-After) when over the limit."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    status = rate_limit_hit(scope, subject, rate)
    if not status.allowed:
        raise RateLimited(status.retry_after, detail)


def rate_limit_check(scope: str, subject: str, rate: Rate, *, detail: str | None = None) -> None:
    """Raise `RateLimited` if one more event would exceed the limit; counts nothing."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    status = rate_limit_peek(scope, subject, rate)
    if not status.allowed:
        raise RateLimited(status.retry_after, detail)


def rate_limit_counters_purge(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    deleted, _ = RateLimitCounter.objects.filter(window_start__lt=timezone.now() - older_than).delete()
    return deleted
