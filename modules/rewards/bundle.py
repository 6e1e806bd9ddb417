"""A month's inputs and outputs as canonical files: computed for every snapshot, written out by exports.

The same generator feeds both: a snapshot hashes the files without writing them,
an export writes them to disk, so the hashes on a snapshot are, by construction,
the hashes of the files anyone can download and check with
scripts/verify_rewards.py. Events are streamed from PostgreSQL and aggregated
there, so memory stays flat however many events a month holds.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Sum

from modules.rewards import canonical
from modules.rewards.ledger import EVENT_LINE_SQL, stream_rows
from modules.rewards.models import EntryKind, RevenueEntry, RewardEvent, RewardRules, Snapshot, SnapshotState


class Sink:
    """Receives one file's bytes; keeps its SHA-256, size and line count, and optionally writes it."""

    def __init__(self, name: str, handle: IO[bytes] | None = None) -> None:
        self.name = name
        self.handle = handle
        self.digest = hashlib.sha256()
        self.bytes = 0
        self.lines = 0

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.bytes += len(data)
        self.lines += data.count(b"\n")
        if self.handle is not None:
            self.handle.write(data)

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()

    def manifest_entry(self) -> dict:
        return {"bytes": self.bytes, "lines": self.lines, "sha256": self.sha256}


class Output:
    """Where a bundle goes: nowhere (hash only) or a directory."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self.sinks: dict[str, Sink] = {}
        self._handles: list[IO[bytes]] = []

    def open(self, name: str) -> Sink:
        handle = None
        if self.directory is not None:
            handle = open(self.directory / name, "wb")  # noqa: SIM115 - closed in close()
            self._handles.append(handle)
        sink = self.sinks[name] = Sink(name, handle)
        return sink

    def close(self) -> None:
        for handle in self._handles:
            handle.close()


@dataclass
class Computation:
    period: str
    last_event_id: int
    last_revenue_id: int
    currency: str
    pool_percent: int
    min_payout_cents: int
    revenue_cents: int = 0
    costs_cents: int = 0
    net_cents: int = 0
    pool_cents: int = 0
    total_points: int = 0
    event_count: int = 0
    carry_in_cents: int = 0
    payable_cents: int = 0
    carry_out_cents: int = 0
    inputs_hash: str = ""
    outputs_hash: str = ""
    lines: list[canonical.Line] = field(default_factory=list)

    def totals(self) -> dict:
        return {
            "carry_in_cents": self.carry_in_cents,
            "carry_out_cents": self.carry_out_cents,
            "costs_cents": self.costs_cents,
            "currency": self.currency,
            "event_count": self.event_count,
            "inputs_hash": self.inputs_hash,
            "min_payout_cents": self.min_payout_cents,
            "net_cents": self.net_cents,
            "outputs_hash": self.outputs_hash,
            "payable_cents": self.payable_cents,
            "period": self.period,
            "pool_cents": self.pool_cents,
            "pool_percent": self.pool_percent,
            "revenue_cents": self.revenue_cents,
            "total_points": self.total_points,
        }


def _event_lines(period: str, last_event_id: int) -> Iterator[bytes]:
    sql = EVENT_LINE_SQL + " WHERE e.period = %s AND e.id <= %s ORDER BY e.occurred_at, e.idempotency_key"
    for (line,) in stream_rows(sql, [period, last_event_id]):
        yield line.encode() + b"\n"


def _points_by_login(period: str, last_event_id: int) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT github_login, SUM(points) FROM {RewardEvent._meta.db_table} "  # noqa: S608 - own table
            "WHERE period = %s AND id <= %s GROUP BY github_login",
            [period, last_event_id],
        )
        return {login: int(total) for login, total in cursor.fetchall()}


def _carry_in(period: str) -> list[dict]:
    previous = canonical.previous_period(period)
    final = Snapshot.objects.filter(period=previous, state=SnapshotState.FINAL).first()
    if final is None:
        return []
    return [
        {
            "carry_in_cents": line.carry_out_cents,
            "from_outputs_hash": final.outputs_hash,
            "from_period": previous,
            "github_login": line.github_login,
        }
        for line in final.lines.filter(carry_out_cents__gt=0).order_by("github_login")
    ]


def build(computation: Computation, output: Output) -> Computation:
    """Stream the period's inputs through `output`, compute the allocation, and fill in `computation`."""
    c = computation
    sink = output.open("events.jsonl")
    for line in _event_lines(c.period, c.last_event_id):
        sink.write(line)
    c.event_count = sink.lines
    points = _points_by_login(c.period, c.last_event_id)

    revenue = RevenueEntry.objects.filter(period=c.period, id__lte=c.last_revenue_id)
    sink = output.open("revenue.jsonl")
    for entry in revenue.select_related("entered_by").order_by("source", "reference"):
        sink.write(
            canonical.canonical_json(
                {
                    "amount_cents": entry.amount_cents,
                    "currency": entry.currency,
                    "entered_by": (entry.entered_by.handle if entry.entered_by_id else None),
                    "kind": entry.kind,
                    "note": entry.note,
                    "period": entry.period,
                    "reference": entry.reference,
                    "source": entry.source,
                }
            )
        )
    sums = dict(revenue.values_list("kind").annotate(total=Sum("amount_cents")))
    c.revenue_cents = int(sums.get(EntryKind.REVENUE, 0) or 0)
    c.costs_cents = int(sums.get(EntryKind.COST, 0) or 0)

    carry_in = _carry_in(c.period)
    sink = output.open("carry_in.jsonl")
    for record in carry_in:
        sink.write(canonical.canonical_json(record))

    rules_versions = sorted(
        RewardEvent.objects.filter(period=c.period, id__lte=c.last_event_id)
        .values_list("rules_id", flat=True)
        .distinct()
    )
    output.open("rules.json").write(
        canonical.canonical_json(
            [
                {
                    "activated_at": canonical.timestamp(rules.activated_at),
                    "config": rules.config,
                    "description": rules.description,
                    "version": rules.version,
                }
                for rules in RewardRules.objects.filter(version__in=rules_versions).order_by("version")
            ]
        )
    )
    output.open("settings.json").write(
        canonical.canonical_json(
            {
                "currency": c.currency,
                "format": canonical.FORMAT,
                "min_payout_cents": c.min_payout_cents,
                "pool_percent": c.pool_percent,
                "tie_break": canonical.TIE_BREAK,
            }
        )
    )
    c.inputs_hash = canonical.inputs_hash(c.period, {name: output.sinks[name].sha256 for name in canonical.INPUT_FILES})

    c.net_cents, c.pool_cents = canonical.pool_cents(c.revenue_cents, c.costs_cents, c.pool_percent)
    c.lines = canonical.lines_for(
        c.pool_cents, points, {r["github_login"]: r["carry_in_cents"] for r in carry_in}, c.min_payout_cents
    )
    c.total_points = sum(line.points for line in c.lines)
    c.carry_in_cents = sum(line.carry_in_cents for line in c.lines)
    c.payable_cents = sum(line.payout_cents for line in c.lines)
    c.carry_out_cents = sum(line.carry_out_cents for line in c.lines)
    sink = output.open("payouts.jsonl")
    for line in c.lines:
        sink.write(canonical.canonical_json(line.record()))
    c.outputs_hash = canonical.outputs_hash(c.inputs_hash, sink.sha256)
    return c


def write_bundle(snapshot: Snapshot, directory: Path) -> dict:
    """Export one snapshot revision to `directory`: the canonical files, snapshot.json and manifest.json.

    The inputs are re-read exactly as the revision saw them (ids up to its high-water marks) and must hash
    to the stored values; anything else means the database changed under the ledger's guards.
    """
    directory.mkdir(parents=True, exist_ok=True)
    output = Output(directory)
    try:
        computation = build(
            Computation(
                period=snapshot.period,
                last_event_id=snapshot.last_event_id,
                last_revenue_id=snapshot.last_revenue_id,
                currency=snapshot.currency,
                pool_percent=snapshot.pool_percent,
                min_payout_cents=snapshot.min_payout_cents,
            ),
            output,
        )
        if (computation.inputs_hash, computation.outputs_hash) != (snapshot.inputs_hash, snapshot.outputs_hash):
            raise RuntimeError(
                f"snapshot {snapshot.period} r{snapshot.revision}: the stored hashes do not match its inputs "
                "any more; run `manage.py rewards_verify_ledger`"
            )
        output.open("snapshot.json").write(
            canonical.canonical_json({**computation.totals(), "revision": snapshot.revision, "state": snapshot.state})
        )
    finally:
        output.close()
    manifest = {
        "files": {name: sink.manifest_entry() for name, sink in sorted(output.sinks.items())},
        "format": canonical.FORMAT,
        "inputs_hash": snapshot.inputs_hash,
        "outputs_hash": snapshot.outputs_hash,
        "period": snapshot.period,
        "revision": snapshot.revision,
    }
    (directory / "manifest.json").write_bytes(canonical.canonical_json(manifest))
    return manifest


def bundle_zip_path(snapshot: Snapshot) -> str:
    return f"rewards/bundles/{snapshot.period}-r{snapshot.revision}-{snapshot.outputs_hash[:16]}.zip"


def bundle_zip_ensure(snapshot: Snapshot) -> str:
    """The revision's bundle as a zip in media storage, written there by the first call (a cache that never goes
    stale: a revision never changes). Returns its storage path.

    The archive is reproducible: sorted names and fixed timestamps, so the same revision always gives the
    same bytes.
    """
    path = bundle_zip_path(snapshot)
    if default_storage.exists(path):
        return path
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "bundle"
        write_bundle(snapshot, directory)
        archive_path = Path(tmp) / "bundle.zip"
        with zipfile.ZipFile(archive_path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(directory.iterdir()):
                info = zipfile.ZipInfo(f"{snapshot.period}-r{snapshot.revision}/{file.name}", (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with archive.open(info, "w") as target, open(file, "rb") as source:
                    shutil.copyfileobj(source, target, 1024 * 1024)
        with open(archive_path, "rb") as handle:
            return default_storage.save(path, File(handle))
