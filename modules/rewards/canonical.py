"""Canonical bytes, hashes and the allocation: the parts of the rewards rules anyone must be able to reproduce.

Documented in docs/REWARDS.md and re-implemented, independently and with the
standard library only, in scripts/verify_rewards.py. Change nothing here
without bumping FORMAT and updating both.

* JSON: keys sorted, no spaces (`separators=(",", ":")`), UTF-8, one object per line, each line ends in `\\n`.
* Timestamps: UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
* Money: integer cents. Points: integers. No floating point anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

FORMAT = "selflink-rewards/1"
GENESIS_HASH = "0" * 64
TIE_BREAK = "remainder desc, points desc, github_login asc"
INPUT_FILES = ("events.jsonl", "revenue.jsonl", "carry_in.jsonl", "rules.json", "settings.json")


def timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(obj: Any) -> bytes:
    """One JSON value as canonical bytes: sorted keys, no spaces, UTF-8, ending in a newline."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def chain_hash(prev_hash: str, event_line: bytes) -> str:
    """Ledger chain: hash = SHA-256(prev_hash hex + "\\n" + canonical event line)."""
    return sha256_hex(prev_hash.encode() + b"\n" + event_line)


def event_record(
    *,
    idempotency_key: str,
    kind: str,
    points: int,
    occurred_at: dt.datetime,
    period: str,
    github_login: str,
    source_url: str,
    payload_sha256: str,
    rules_version: int,
    corrects: str | None,
    reason: str,
    flags: Iterable[str],
) -> dict[str, Any]:
    return {
        "corrects": corrects,
        "flags": sorted(flags),
        "github_login": github_login.lower(),
        "idempotency_key": idempotency_key,
        "kind": kind,
        "occurred_at": timestamp(occurred_at),
        "payload_sha256": payload_sha256,
        "period": period,
        "points": points,
        "reason": reason,
        "rules_version": rules_version,
        "source_url": source_url,
    }


def inputs_hash(period: str, file_hashes: Mapping[str, str]) -> str:
    manifest = f"{FORMAT} inputs\nperiod {period}\n" + "".join(f"{name} {file_hashes[name]}\n" for name in INPUT_FILES)
    return sha256_hex(manifest.encode())


def outputs_hash(inputs: str, payouts_sha256: str) -> str:
    return sha256_hex(f"{FORMAT} outputs\ninputs {inputs}\npayouts.jsonl {payouts_sha256}\n".encode())


def period_of(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m")


def next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def period_bounds(period: str) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(int(period[:4]), int(period[5:]), 1, tzinfo=dt.UTC)
    following = next_period(period)
    return start, dt.datetime(int(following[:4]), int(following[5:]), 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Line:
    github_login: str
    points: int
    share_cents: int
    carry_in_cents: int
    payout_cents: int
    carry_out_cents: int

    def record(self) -> dict[str, Any]:
        return {
            "carry_in_cents": self.carry_in_cents,
            "carry_out_cents": self.carry_out_cents,
            "github_login": self.github_login,
            "payout_cents": self.payout_cents,
            "points": self.points,
            "share_cents": self.share_cents,
        }


def pool_cents(revenue_cents: int, costs_cents: int, pool_percent: int) -> tuple[int, int]:
    """(net, pool): net = max(revenue − costs, 0); pool = floor(net × percent / 100)."""
    net = max(revenue_cents - costs_cents, 0)
    return net, net * pool_percent // 100


def allocate(pool: int, points: Mapping[str, int]) -> dict[str, int]:
    """Split `pool` cents in proportion to points by the largest-remainder method, exactly.

    Each login gets floor(pool × p / T); the cents left over go one each to the
    largest remainders (pool × p mod T), ties broken by more points, then by
    login in ascending order. The shares always add up to the pool (when T > 0).
    """
    total = sum(points.values())
    if total <= 0 or pool <= 0:
        return dict.fromkeys(points, 0)
    shares: dict[str, int] = {}
    remainders: list[tuple[int, int, str]] = []
    for login, value in points.items():
        quotient, remainder = divmod(pool * value, total)
        shares[login] = quotient
        remainders.append((-remainder, -value, login))
    leftover = pool - sum(shares.values())
    for _, _, login in sorted(remainders)[:leftover]:
        shares[login] += 1
    return shares


def lines_for(pool: int, points: Mapping[str, int], carry_in: Mapping[str, int], min_payout_cents: int) -> list[Line]:
    """Every login with events or a carry-in: its share, and whether it is paid or carried forward.

    A negative point total counts as 0. Totals below the minimum payout are carried
    to the login's next snapshot, never redistributed.
    """
    clamped = {login: max(value, 0) for login, value in points.items()}
    shares = allocate(pool, clamped)
    lines = []
    for login in sorted(set(clamped) | set(carry_in)):
        share = shares.get(login, 0)
        carried = carry_in.get(login, 0)
        total = share + carried
        payout = total if total >= min_payout_cents and total > 0 else 0
        lines.append(Line(login, clamped.get(login, 0), share, carried, payout, total - payout))
    return lines
