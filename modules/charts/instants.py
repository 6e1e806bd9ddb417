"""A local birth time → the UTC instant, strictly.

The rules, in order:

1. A manual `utc_offset` (as astro.com allows) wins: UTC = local − offset, no zone consulted.
2. Otherwise the IANA zone (from the tz database shipped with Python or `tzdata`). Where the zone's history says
   the clocks were still on local mean time (tz abbreviation `LMT`, before the zone adopted standard time), the
   tz database's offset is that of the zone's main city (Berlin's +0:53:28 for every place in Europe/Berlin):
   the birthplace's own mean time is used instead, longitude / 15° per hour (`basis` = `lmt`).
3. A local time that the clocks skipped (spring forward) is refused (`Nonexistent`); one they showed twice (fall
   back) is refused (`Ambiguous`) unless `fold` says which: 0 the first (earlier) one, 1 the second.

Both 2 and 3 are decided by solving `local = utc + offset(utc)` over the candidate offsets, with the LMT rule
inside `offset`, so a jump from local mean time to standard time is a gap or an overlap like any other.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

LMT = "LMT"


@dataclass(frozen=True)
class ResolvedInstant:
    utc: dt.datetime
    offset_seconds: int
    basis: str  # "zone" (the tz database), "lmt" (the birthplace's mean time) or "override" (`utc_offset`)
    zone: str | None
    fold: int | None  # the fold that decided an ambiguous time, else None


class Nonexistent(Exception):
    """The local time was skipped by the clocks (spring forward)."""

    def __init__(self, local: dt.datetime, zone: str, before: int, after: int) -> None:
        self.local, self.zone, self.before, self.after = local, zone, before, after
        super().__init__(f"{local.isoformat()} did not exist in {zone}")


class Ambiguous(Exception):
    """The local time happened twice (fall back) and no fold was given."""

    def __init__(self, local: dt.datetime, zone: str, offsets: tuple[int, int]) -> None:
        self.local, self.zone, self.offsets = local, zone, offsets
        super().__init__(f"{local.isoformat()} happened twice in {zone}")


def lmt_offset_seconds(longitude: float) -> int:
    """Local mean time at a longitude: 4 minutes of time per degree east of Greenwich, rounded to the second."""
    return round(longitude * 240.0)


def format_offset(seconds: int) -> str:
    """+04:00, −05:50:36 → "-05:50:36" (seconds only when there are any)."""
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _offset_at(utc: dt.datetime, zone: zoneinfo.ZoneInfo, longitude: float) -> tuple[int, str]:
    local = utc.astimezone(zone)
    if local.tzname() == LMT:
        return lmt_offset_seconds(longitude), "lmt"
    offset = local.utcoffset()
    assert offset is not None  # an aware datetime in a ZoneInfo always has one
    return int(offset.total_seconds()), "zone"


def resolve(
    *,
    local: dt.datetime,
    zone: str | None,
    longitude: float,
    fold: int | None = None,
    utc_offset_seconds: int | None = None,
) -> ResolvedInstant:
    """The UTC instant of a naive local datetime at a place. Raises Nonexistent, Ambiguous, or
    zoneinfo.ZoneInfoNotFoundError for an unknown zone."""
    if local.tzinfo is not None:
        raise ValueError("the local time must be naive: the zone or offset is given separately")
    if utc_offset_seconds is not None:
        utc = (local - dt.timedelta(seconds=utc_offset_seconds)).replace(tzinfo=dt.UTC)
        return ResolvedInstant(utc, utc_offset_seconds, "override", zone, None)
    if zone is None:
        raise ValueError("a zone or an explicit UTC offset is needed")
    tz = zoneinfo.ZoneInfo(zone)
    candidates: set[int] = {lmt_offset_seconds(longitude)}
    for guess_fold in (0, 1):
        offset = local.replace(tzinfo=tz, fold=guess_fold).utcoffset()
        if offset is not None:
            candidates.add(int(offset.total_seconds()))
    solutions = []
    for offset in sorted(candidates, reverse=True):  # larger offset first = the earlier UTC instant
        utc = (local - dt.timedelta(seconds=offset)).replace(tzinfo=dt.UTC)
        actual, basis = _offset_at(utc, tz, longitude)
        if actual == offset:
            solutions.append(ResolvedInstant(utc, offset, basis, zone, None))
    if not solutions:
        before = _offset_at((local - dt.timedelta(days=1)).replace(tzinfo=dt.UTC), tz, longitude)[0]
        after = _offset_at((local + dt.timedelta(days=1)).replace(tzinfo=dt.UTC), tz, longitude)[0]
        raise Nonexistent(local, zone, before, after)
    solutions.sort(key=lambda solution: solution.utc)
    if len(solutions) == 1:
        return solutions[0]
    if fold is None:
        raise Ambiguous(local, zone, (solutions[0].offset_seconds, solutions[-1].offset_seconds))
    chosen = solutions[0] if fold == 0 else solutions[-1]
    return ResolvedInstant(chosen.utc, chosen.offset_seconds, chosen.basis, zone, fold)
