"""`just bench-rewards`: time the monthly rewards run on a month with a million events.

For each size (default 250,000 and 1,000,000 events, 10,000 contributors, one month):

1. a fresh database `selflink_bench_rewards` on the embedded PostgreSQL (or `--database-url`), migrated;
2. the events generated with their hash chain and loaded with COPY (triggers are bypassed for the load only,
   as a superuser restoring a dump would; `rewards_verify_ledger` then proves the chain is intact);
3. timed, each as its own process so wall time and peak RSS are its own:
   `manage.py rewards_snapshot` (the monthly run), `manage.py rewards_export`,
   `python3 scripts/verify_rewards.py` (the independent check) and `manage.py rewards_verify_ledger`.

Targets from the issue: snapshot ≤ 15 s wall and ≤ 300 MB peak RSS, memory flat as events grow.
Results are printed and written to bench-results/. Exit code 1 when a step fails.

--smoke: the same steps in seconds (3,000 events, 100 contributors) in the database `selflink_bench_rewards_smoke`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scripts.bench.runner import (
    PYTHON,
    ROOT,
    BenchError,
    BenchRun,
    parse,
    positive_int,
    run_bench,
    say,
    speak_as,
    with_database,
)

DATABASE = "selflink_bench_rewards"
PERIOD = "2026-10"
TARGET_SECONDS = 15
TARGET_MB = 300
SMOKE = {"sizes": "3000", "contributors": 100}


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
        raise BenchError(f"{label} failed (exit {process.returncode}):\n{stdout[-2000:]}\n{stderr[-3000:]}")
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


def sizes_list(text: str) -> list[int]:
    try:
        return [positive_int(part) for part in text.split(",")]
    except (ValueError, argparse.ArgumentTypeError):
        raise argparse.ArgumentTypeError(f"expected event counts separated by commas, got {text!r}") from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="just bench-rewards", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", type=sizes_list, default="250000,1000000", help="event counts to run, comma-separated"
    )
    parser.add_argument("--contributors", type=positive_int, default=10_000)
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to use instead of the embedded one "
        f"(database {DATABASE} on it is dropped and recreated)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    return parse(parser, argv, SMOKE)


class RewardsBench(BenchRun):
    name = "bench-rewards"
    module = "scripts.bench.rewards"
    database_name = DATABASE

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.results: list[dict] = []

    def run_seconds(self) -> float:
        return 0  # no bench user signs in

    def child_env(self) -> dict[str, str]:
        # The management commands alone, as an operator runs them: no connection pool, no broker.
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SELFLINK_ENV": "development",
            "DEBUG": "false",
            "DATABASE_POOL_MAX": "0",
            "DRAMATIQ_BROKER": "stub",
            "PYTHONUNBUFFERED": "1",
        }

    def recreate_database(self) -> None:
        import psycopg

        say(f"recreating database {self.database_name}")
        with psycopg.connect(with_database(self.database_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database_name}"')

    def measure(self, size: int) -> dict:
        say(f"--- {size:,} events ---")
        self.recreate_database()
        manage = [PYTHON, "manage.py"]
        self.run_child("applying migrations", [*manage, "migrate", "--no-input", "-v", "0"])
        started = time.perf_counter()
        generate(self.database_url, size, self.args.contributors, self.args.seed)
        say(f"generated and loaded in {time.perf_counter() - started:.1f} s")
        env = self.child_env()
        with tempfile.TemporaryDirectory() as tmp:
            steps = [
                run_measured("snapshot", [*manage, "rewards_snapshot", PERIOD, "--reason", "bench"], env),
                run_measured("export", [*manage, "rewards_export", PERIOD, f"{tmp}/bundle"], env),
                run_measured("verify bundle", [PYTHON, "scripts/verify_rewards.py", f"{tmp}/bundle"], env),
                run_measured("verify ledger", [*manage, "rewards_verify_ledger"], env),
            ]
            bundle_bytes = sum(p.stat().st_size for p in Path(tmp, "bundle").iterdir())
        for step in steps:
            step["events"] = size
            say(f"{step['step']:<14} {step['seconds']:>7.2f} s  {step['peak_rss_mb']:>7.1f} MB  {step['output']}")
        return {"events": size, "bundle_mb": round(bundle_bytes / 2**20, 1), "steps": steps}

    def report(self) -> None:
        results, sizes = self.results, self.args.sizes
        print()
        print(f"{'events':>10}  {'step':<14} {'wall s':>8} {'peak RSS MB':>12}")
        for result in results:
            for step in result["steps"]:
                print(
                    f"{result['events']:>10,}  {step['step']:<14} {step['seconds']:>8.2f} {step['peak_rss_mb']:>12.1f}"
                )
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
        self.write_results(
            {
                "command": "just bench-rewards",
                "contributors": self.args.contributors,
                "smoke": self.smoke,
                "results": results,
                "machine": {
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "passed": True,
            }
        )

    def run(self) -> int:
        self.database()  # first: it may refuse to run at all
        for size in self.args.sizes:
            self.results.append(self.measure(size))
        self.report()
        return 0


def main(argv: list[str] | None = None) -> int:
    speak_as("bench-rewards")
    return run_bench(RewardsBench(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
