#!/usr/bin/env python3
"""Verify a SelfLink rewards bundle with nothing but Python's standard library.

    python3 scripts/verify_rewards.py BUNDLE     # a directory, or the .zip of /rewards/snapshots/{period}/bundle/
    python3 scripts/verify_rewards.py BUNDLE --previous PREVIOUS_MONTH_BUNDLE

Recomputes, from the bundle alone: every file's SHA-256 against the manifest, the inputs hash and the outputs
hash, the canonical form and order of every line, the revenue and cost totals, net revenue and the pool, each
contributor's points, the largest-remainder allocation, the minimum-payout carry-forward, and every payout.
With --previous it also checks that this month's carry-in is exactly last month's carry-out.

Prints OK, or every mismatch found, and exits 1 on any mismatch. It shares no code with the server on purpose:
it is an independent implementation of the rules written down in docs/REWARDS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

FORMAT = "selflink-rewards/1"
INPUT_FILES = ("events.jsonl", "revenue.jsonl", "carry_in.jsonl", "rules.json", "settings.json")
ALL_FILES = (*INPUT_FILES, "payouts.jsonl", "snapshot.json")
EVENT_KINDS = {"pr_merged", "issue_completed", "adjustment", "bonus"}


class Bundle:
    """Files of a bundle, from a directory or a zip archive (one top-level folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        self.prefix = ""
        if self.zip is not None:
            names = [n for n in self.zip.namelist() if n.endswith("manifest.json")]
            if len(names) != 1:
                raise SystemExit(f"{path}: expected exactly one manifest.json in the archive")
            self.prefix = names[0][: -len("manifest.json")]

    def exists(self, name: str) -> bool:
        if self.zip is not None:
            return self.prefix + name in self.zip.namelist()
        return (self.path / name).is_file()

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(self.prefix + name)
        return (self.path / name).read_bytes()

    def lines(self, name: str):
        if self.zip is not None:
            with self.zip.open(self.prefix + name) as handle:
                yield from handle
        else:
            with open(self.path / name, "rb") as handle:
                yield from handle


def canonical(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.problems.append(message)
        return condition


def file_digest(bundle: Bundle, name: str) -> tuple[str, int, int]:
    digest = hashlib.sha256()
    size = count = 0
    for chunk in bundle.lines(name):
        digest.update(chunk)
        size += len(chunk)
        count += chunk.count(b"\n")
    return digest.hexdigest(), size, count


def inputs_hash(period: str, hashes: dict[str, str]) -> str:
    manifest = f"{FORMAT} inputs\nperiod {period}\n" + "".join(f"{name} {hashes[name]}\n" for name in INPUT_FILES)
    return sha256(manifest.encode())


def outputs_hash(inputs: str, payouts_sha256: str) -> str:
    return sha256(f"{FORMAT} outputs\ninputs {inputs}\npayouts.jsonl {payouts_sha256}\n".encode())


def allocate(pool: int, points: dict[str, int]) -> dict[str, int]:
    """Largest remainder in integers; ties: larger remainder, then more points, then login ascending."""
    total = sum(points.values())
    shares = dict.fromkeys(points, 0)
    if total <= 0 or pool <= 0:
        return shares
    order = []
    for login, value in points.items():
        shares[login], remainder = divmod(pool * value, total)
        order.append((-remainder, -value, login))
    for _, _, login in sorted(order)[: pool - sum(shares.values())]:
        shares[login] += 1
    return shares


def verify(path: Path, previous: Path | None) -> Report:
    report = Report()
    bundle = Bundle(path)
    manifest = json.loads(bundle.read("manifest.json"))
    period = manifest.get("period", "")
    report.check(manifest.get("format") == FORMAT, f"manifest: unknown format {manifest.get('format')!r}")

    # 1. Files match the manifest.
    hashes: dict[str, str] = {}
    for name in ALL_FILES:
        if not report.check(bundle.exists(name), f"{name}: missing"):
            continue
        digest, size, count = file_digest(bundle, name)
        hashes[name] = digest
        entry = manifest.get("files", {}).get(name, {})
        report.check(
            entry.get("sha256") == digest, f"{name}: SHA-256 {digest} differs from the manifest's {entry.get('sha256')}"
        )
        report.check(
            entry.get("bytes") == size and entry.get("lines") == count,
            f"{name}: size or line count differs from the manifest",
        )
    if report.problems:
        return report

    # 2. Inputs and settings.
    settings = json.loads(bundle.read("settings.json"))
    report.check(bundle.read("settings.json") == canonical(settings), "settings.json is not canonical")
    pool_percent, minimum, currency = settings["pool_percent"], settings["min_payout_cents"], settings["currency"]
    rules = json.loads(bundle.read("rules.json"))
    rule_versions = {rule["version"] for rule in rules}

    points: dict[str, int] = {}
    events = 0
    previous_key = None
    for number, raw in enumerate(bundle.lines("events.jsonl"), start=1):
        event = json.loads(raw)
        events += 1
        where = f"events.jsonl line {number}"
        report.check(raw == canonical(event), f"{where}: not in canonical form")
        key = (event["occurred_at"], event["idempotency_key"])
        report.check(previous_key is None or key > previous_key, f"{where}: out of order")
        previous_key = key
        report.check(event["period"] == period, f"{where}: booked in {event['period']}, not {period}")
        report.check(event["kind"] in EVENT_KINDS, f"{where}: unknown kind {event['kind']!r}")
        report.check(isinstance(event["points"], int), f"{where}: points are not an integer")
        report.check(event["kind"] == "adjustment" or event["points"] >= 0, f"{where}: negative points")
        report.check(
            event["kind"] != "adjustment" or (event["corrects"] and event["reason"]),
            f"{where}: an adjustment must name what it corrects and why",
        )
        report.check(event["rules_version"] in rule_versions, f"{where}: rules v{event['rules_version']} missing")
        points[event["github_login"]] = points.get(event["github_login"], 0) + event["points"]

    revenue = costs = 0
    previous_key = None
    for number, raw in enumerate(bundle.lines("revenue.jsonl"), start=1):
        entry = json.loads(raw)
        where = f"revenue.jsonl line {number}"
        report.check(raw == canonical(entry), f"{where}: not in canonical form")
        key = (entry["source"], entry["reference"])
        report.check(previous_key is None or key > previous_key, f"{where}: out of order")
        previous_key = key
        report.check(entry["currency"] == currency, f"{where}: currency {entry['currency']} is not {currency}")
        report.check(entry["period"] == period, f"{where}: period {entry['period']} is not {period}")
        if entry["kind"] == "revenue":
            revenue += entry["amount_cents"]
        elif report.check(entry["kind"] == "cost", f"{where}: unknown kind {entry['kind']!r}"):
            costs += entry["amount_cents"]

    carry_in: dict[str, int] = {}
    carry_sources = set()
    for number, raw in enumerate(bundle.lines("carry_in.jsonl"), start=1):
        record = json.loads(raw)
        report.check(raw == canonical(record), f"carry_in.jsonl line {number}: not in canonical form")
        carry_in[record["github_login"]] = record["carry_in_cents"]
        carry_sources.add((record["from_period"], record["from_outputs_hash"]))

    computed_inputs = inputs_hash(period, hashes)
    report.check(
        computed_inputs == manifest.get("inputs_hash"),
        f"inputs hash: recomputed {computed_inputs}, manifest says {manifest.get('inputs_hash')}",
    )

    # 3. The calculation.
    net = max(revenue - costs, 0)
    pool = net * pool_percent // 100
    clamped = {login: max(value, 0) for login, value in points.items()}
    shares = allocate(pool, clamped)
    expected_lines = []
    for login in sorted(set(clamped) | set(carry_in)):
        total = shares.get(login, 0) + carry_in.get(login, 0)
        payout = total if total >= minimum and total > 0 else 0
        expected_lines.append(
            {
                "carry_in_cents": carry_in.get(login, 0),
                "carry_out_cents": total - payout,
                "github_login": login,
                "payout_cents": payout,
                "points": clamped.get(login, 0),
                "share_cents": shares.get(login, 0),
            }
        )
    actual_lines = [json.loads(raw) for raw in bundle.lines("payouts.jsonl")]
    by_login = {line.get("github_login"): line for line in actual_lines}
    for line in expected_lines:
        got = by_login.get(line["github_login"])
        report.check(got == line, f"payout of @{line['github_login']}: expected {line}, bundle has {got}")
    extra = set(by_login) - {line["github_login"] for line in expected_lines}
    report.check(not extra, f"payouts.jsonl lists logins with no events or carry-in: {sorted(extra)}")
    report.check(
        bundle.read("payouts.jsonl") == b"".join(canonical(line) for line in expected_lines),
        "payouts.jsonl is not the canonical payout table",
    )
    if clamped and sum(clamped.values()) > 0:
        report.check(sum(shares.values()) == pool, "shares do not add up to the pool")

    computed_outputs = outputs_hash(computed_inputs, sha256(b"".join(canonical(line) for line in expected_lines)))
    report.check(
        computed_outputs == manifest.get("outputs_hash"),
        f"outputs hash: recomputed {computed_outputs}, manifest says {manifest.get('outputs_hash')}",
    )
    report.check(
        outputs_hash(computed_inputs, hashes["payouts.jsonl"]) == manifest.get("outputs_hash"),
        "outputs hash: the bundle's payouts.jsonl does not hash to the published outputs hash",
    )

    snapshot = json.loads(bundle.read("snapshot.json"))
    totals = {
        "period": period,
        "currency": currency,
        "revenue_cents": revenue,
        "costs_cents": costs,
        "net_cents": net,
        "pool_percent": pool_percent,
        "pool_cents": pool,
        "total_points": sum(clamped.values()),
        "event_count": events,
        "min_payout_cents": minimum,
        "carry_in_cents": sum(carry_in.values()),
        "payable_cents": sum(line["payout_cents"] for line in expected_lines),
        "carry_out_cents": sum(line["carry_out_cents"] for line in expected_lines),
        "inputs_hash": computed_inputs,
        "outputs_hash": computed_outputs,
    }
    for name, value in totals.items():
        report.check(snapshot.get(name) == value, f"snapshot.json {name}: {snapshot.get(name)!r}, recomputed {value!r}")

    # 4. Continuity with the previous month.
    if previous is not None:
        before = Bundle(previous)
        before_manifest = json.loads(before.read("manifest.json"))
        year, month = int(period[:4]), int(period[5:])
        expected_previous = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
        report.check(
            before_manifest.get("period") == expected_previous,
            f"--previous is {before_manifest.get('period')}, not the month before {period}",
        )
        carried = {
            line["github_login"]: line["carry_out_cents"]
            for line in map(json.loads, before.lines("payouts.jsonl"))
            if line["carry_out_cents"] > 0
        }
        report.check(carried == carry_in, f"carry-in {carry_in} differs from the previous month's carry-out {carried}")
        report.check(
            carry_sources <= {(before_manifest["period"], before_manifest["outputs_hash"])},
            "carry-in does not name the previous bundle's period and outputs hash",
        )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--previous", type=Path, help="the previous month's bundle, to check the carry-over")
    args = parser.parse_args()
    report = verify(args.bundle, args.previous)
    if report.problems:
        for problem in report.problems:
            print(f"MISMATCH {problem}")
        print(f"FAILED: {len(report.problems)} mismatch(es)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
