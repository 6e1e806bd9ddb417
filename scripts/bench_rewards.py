#!/usr/bin/env python3
"""`just bench-rewards`: time the monthly rewards run on a month with a million events.

For each size (default 250,000 and 1,000,000 events, 10,000 contributors, one month):

1. a fresh database `selflink_bench_rewards` on the embedded PostgreSQL (or `--database-url`), migrated;
2. the events generated with their hash chain and loaded with COPY (triggers are bypassed for the load only,
   as a superuser restoring a dump would; `rewards_verify_ledger` then proves the chain is intact);
3. timed, each as its own process so wall time and peak RSS are its own:
   `manage.py rewards_snapshot` (the monthly run), `manage.py rewards_export`,
   `python3 scripts/verify_rewards.py` (the independent check) and `manage.py rewards_verify_ledger`.

Targets from the issue: snapshot ≤ 15 s wall and ≤ 300 MB peak RSS, memory flat as events grow.
Results are printed and written to bench-results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "selflink_bench_rewards"
PERIOD = "2026-10"
TARGET_SECONDS = 15
TARGET_MB = 300


def say(message: str) -> None:
    print(f"[bench-rewards] {message}", flush=True)


def with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


def recreate_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def run_measured(label: str, command: list[str], env: dict[str, str]) -> dict:
    """Run one step as a child process; report its wall time and its own peak RSS (from wait4's rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        say(f"{label} failed (exit {process.returncode}):\n{stdout[-2000:]}\n{stderr[-3000:]}")
        raise SystemExit(1)
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux
    return {
        "step": label,
        "seconds": round(wall, 2),
        "peak_rss_mb": round(peak_mb, 1),
        "output": stdout.strip().splitlines()[-1:],
    }


def generate(url: str, events: int, contributors: int, seed: int) -> None:
    """Write the month's events with a valid hash chain, and its revenue, with COPY."""
    import psycopg

    from modules.rewards import canonical

    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    seconds_in_month = 31 * 24 * 3600
    sizes = [1, 3, 5, 8, 13]
    logins = [f"contributor-{n:05d}" for n in range(contributors)]
    prev = canonical.GENESIS_HASH
    recorded_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    say(f"generating {events:,} events for {contributors:,} contributors (chain hashed in Python)")
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # bulk load only; the chain is verified below
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY rewards_rewardevent (kind, points, occurred_at, period, source_url, payload_sha256, "
                "rules_version, github_login, idempotency_key, reason, flags, recorded_at, prev_hash, hash) FROM STDIN"
            ) as copy,
        ):
            for number in range(events):
                login = logins[rng.randrange(contributors)]
                occurred = start + dt.timedelta(
                    seconds=rng.randrange(seconds_in_month), microseconds=rng.randrange(1_000_000)
                )
                points = rng.choice(sizes)
                key = f"pr:selflink/backend#{number + 1}"
                url_ = f"https://github.com/selflink/backend/pull/{number + 1}"
                digest = canonical.sha256_hex(key.encode())
                record = canonical.event_record(
                    idempotency_key=key,
                    kind="pr_merged",
                    points=points,
                    occurred_at=occurred,
                    period=PERIOD,
                    github_login=login,
                    source_url=url_,
                    payload_sha256=digest,
                    rules_version=1,
                    corrects=None,
                    reason="",
                    flags=[],
                )
                chained = canonical.chain_hash(prev, canonical.canonical_json(record))
                copy.write_row(
                    (
                        "pr_merged",
                        points,
                        occurred,
                        PERIOD,
                        url_,
                        digest,
                        1,
                        login,
                        key,
                        "",
                        "[]",
                        recorded_at,
                        prev,
                        chained,
                    )
                )
                prev = chained
        conn.execute("SET session_replication_role = DEFAULT")
        with conn.cursor() as cursor:
            for n, (kind, cents) in enumerate(
                [("revenue", 4_200_000_00), ("revenue", 1_337_000_00), ("cost", 900_000_00)]
            ):
                cursor.execute(
                    "INSERT INTO rewards_revenueentry (period, kind, amount_cents, currency, source, reference, note, "
                    "created_at) VALUES (%s, %s, %s, 'USD', 'bench', %s, '', now())",
                    (PERIOD, kind, cents, f"bench-{n}"),
                )
        conn.execute("ANALYZE rewards_rewardevent")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="250000,1000000", help="event counts to run, comma-separated")
    parser.add_argument("--contributors", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to use instead of the embedded one "
        f"(database {DATABASE} on it is dropped and recreated)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    server = None
    if args.database_url:
        admin_url = with_database(args.database_url, "postgres")
    else:
        if os.environ.get("DATABASE_URL"):
            say("DATABASE_URL is set: pass --database-url explicitly to benchmark against that server")
            return 2
        from selflink.embedded_postgres import server

        admin_url = with_database(server.acquire(database="postgres"), "postgres")
    url = with_database(admin_url, DATABASE)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SELFLINK_ENV": "development",
        "DEBUG": "false",
        "DATABASE_POOL_MAX": "0",
        "DRAMATIQ_BROKER": "stub",
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, "manage.py"]
    results = []
    try:
        for size in sizes:
            say(f"--- {size:,} events ---")
            say(f"recreating database {DATABASE}")
            recreate_database(admin_url, DATABASE)
            subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
            started = time.perf_counter()
            generate(url, size, args.contributors, args.seed)
            say(f"generated and loaded in {time.perf_counter() - started:.1f} s")
            with tempfile.TemporaryDirectory() as tmp:
                steps = [
                    run_measured("snapshot", [*manage, "rewards_snapshot", PERIOD, "--reason", "bench"], env),
                    run_measured("export", [*manage, "rewards_export", PERIOD, f"{tmp}/bundle"], env),
                    run_measured("verify bundle", [sys.executable, "scripts/verify_rewards.py", f"{tmp}/bundle"], env),
                    run_measured("verify ledger", [*manage, "rewards_verify_ledger"], env),
                ]
                bundle_bytes = sum(p.stat().st_size for p in Path(tmp, "bundle").iterdir())
            for step in steps:
                step["events"] = size
                say(f"{step['step']:<14} {step['seconds']:>7.2f} s  {step['peak_rss_mb']:>7.1f} MB  {step['output']}")
            results.append({"events": size, "bundle_mb": round(bundle_bytes / 2**20, 1), "steps": steps})
    finally:
        if server is not None:
            server.release()

    print()
    print(f"{'events':>10}  {'step':<14} {'wall s':>8} {'peak RSS MB':>12}")
    for result in results:
        for step in result["steps"]:
            print(f"{result['events']:>10,}  {step['step']:<14} {step['seconds']:>8.2f} {step['peak_rss_mb']:>12.1f}")
    largest = max(results, key=lambda r: r["events"])
    snapshot = next(s for s in largest["steps"] if s["step"] == "snapshot")
    rss = [next(s for s in r["steps"] if s["step"] == "snapshot")["peak_rss_mb"] for r in results]
    verdict = snapshot["seconds"] <= TARGET_SECONDS and snapshot["peak_rss_mb"] <= TARGET_MB
    print(
        f"\nsnapshot of {largest['events']:,} events: {snapshot['seconds']:.2f} s (target ≤ {TARGET_SECONDS} s), "
        f"peak RSS {snapshot['peak_rss_mb']:.1f} MB (target ≤ {TARGET_MB} MB): {'PASS' if verdict else 'MISS'}"
    )
    if len(rss) > 1:
        print(
            f"snapshot peak RSS across sizes: {', '.join(f'{m:.1f} MB' for m in rss)} "
            f"(growth {max(rss) - min(rss):+.1f} MB for {max(sizes) / min(sizes):.0f}x the events)"
        )
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out / f"bench-rewards-{stamp}.json"
    target.write_text(
        json.dumps(
            {
                "command": "just bench-rewards",
                "contributors": args.contributors,
                "results": results,
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
            },
            indent=2,
        )
    )
    say(f"results written to {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
