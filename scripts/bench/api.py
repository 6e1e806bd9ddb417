"""Load-test the SelfLink API on a real daphne server with DEBUG off, using k6 (`just bench`).

Steps, each announced as it runs:

1. Database: the embedded PostgreSQL with its own database `selflink_bench` (never the `selflink` dev
   database). When DATABASE_URL is set the script refuses to run unless the URL is passed explicitly
   with --database-url, so nobody benchmarks against real data by accident.
2. `manage.py migrate`, then seed --users bench users (bulk insert, one password hash reused), each
   following --follows random others, with the UserStats counters recomputed from the follow rows.
   Idempotent: existing bench users and follows are kept; their sessions from earlier runs are deleted.
3. daphne on a free port (SELFLINK_ENV=development, DEBUG=false, DATABASE_POOL_MAX=20), with the
   per-IP login/refresh rate limits relaxed: every request comes from 127.0.0.1, so the production
   limits would turn the load test into a rate-limit test.
4. One bench user per k6 VU signs in through POST /api/v1/auth/login/.
5. k6 (scripts/bench/api.js): an unmeasured --warmup, then three scenarios one after the other, each
   --duration seconds at --vus concurrent VUs: GET /api/v1/users/me/, GET /api/v1/users/{id}/ (a random
   bench user), POST /api/v1/auth/refresh/ (each VU rotating its own refresh-token chain).
6. A table of requests, req/s, p50/p95/p99 latency and error rate per endpoint, also written to
   bench-results/bench-<timestamp>.json. Exit code 1 when an endpoint's error rate is above 1%.

daphne is stopped and the database released on exit, on Ctrl-C and on SIGTERM.

--smoke: the same steps in seconds (20 users, 2 VUs, 2 s per endpoint) in the database `selflink_bench_smoke`;
exit code 1 on any error.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sys
import time
from pathlib import Path

from scripts.bench.runner import (
    BENCH_EMAIL_DOMAIN,
    BENCH_PASSWORD,
    POOL_MAX,
    PYTHON,
    RELAXED_RATE,
    BenchError,
    K6Bench,
    duration_seconds,
    free_port,
    k6_check,
    k6_endpoint,
    login,
    machine_check,
    parse,
    positive_int,
    redact,
    run_bench,
    say,
    shown,
    speak_as,
)

K6_SCRIPT = Path(__file__).with_name("api.js")
SMOKE = {"users": 20, "follows": 3, "vus": 2, "duration": 2, "warmup": 1}

ENDPOINTS = {
    "users_me": "GET  /api/v1/users/me/",
    "users_get": "GET  /api/v1/users/{id}/",
    "auth_refresh": "POST /api/v1/auth/refresh/",
}


def bench_email(index: int) -> str:
    return f"bench-{index:05d}@{BENCH_EMAIL_DOMAIN}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="just bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=positive_int, default=1000, help="bench users to seed (default 1000)")
    parser.add_argument("--follows", type=int, default=20, help="how many others each user follows (default 20)")
    parser.add_argument(
        "--vus", type=positive_int, default=16, help="concurrent k6 virtual users per scenario (default 16)"
    )
    parser.add_argument(
        "--duration",
        type=duration_seconds,
        default=20,
        help="length of each scenario: 20, 20s or 1m (default 20 s)",
    )
    parser.add_argument(
        "--database-url",
        help="benchmark against this PostgreSQL instead of the embedded one "
        "(required when DATABASE_URL is set; bench users are written into it)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        choices=range(61),
        metavar="SECONDS",
        help="unmeasured warm-up seconds before the first scenario (default 3)",
    )
    parser.add_argument("--port", type=int, default=0, help="port for daphne (default: a free one)")
    # Internal: the seeding step runs in a child process with Django set up on the bench database.
    parser.add_argument("--internal-seed", metavar="OUTPUT", help=argparse.SUPPRESS)
    args = parse(parser, argv, SMOKE)
    if args.users < 2:
        parser.error("--users must be at least 2 (GET /users/{id}/ asks for someone else)")
    if args.follows < 0 or args.follows >= args.users:
        parser.error(f"--follows must be between 0 and --users - 1 ({args.users - 1})")
    if args.vus > args.users and not args.internal_seed:
        parser.error(f"--vus ({args.vus}) cannot exceed --users ({args.users}): each VU signs in as its own user")
    return args


# --- seeding (runs in a child process: `python -m scripts.bench.api --internal-seed OUTPUT`) ------------


def seed(users: int, follows: int, output: Path) -> None:
    """Create the bench users and follow graph, idempotently, and write their ids to `output`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from modules.accounts.models import AuthSession, User
    from modules.social.models import Follow
    from modules.social.services import stats_recount

    def rate(value) -> str:
        return f"{value.count}/{value.seconds}s"

    database = connection.settings_dict["NAME"]
    say(
        f"  seeding database {database!r} as the server will see it: DEBUG={settings.DEBUG}, "
        f"DATABASE_POOL_MAX={settings.DATABASE_POOL_MAX}, RATE_LOGIN_PER_IP={rate(settings.RATE_LOGIN_PER_IP)}, "
        f"RATE_REFRESH_PER_IP={rate(settings.RATE_REFRESH_PER_IP)}"
    )
    started = time.monotonic()
    emails = [bench_email(index) for index in range(1, users + 1)]
    existing = dict(User.objects.filter(email__endswith=f"@{BENCH_EMAIL_DOMAIN}").values_list("email", "id"))
    missing = [(index, email) for index, email in enumerate(emails, start=1) if email not in existing]
    if missing:
        password_hash = make_password(BENCH_PASSWORD)  # Argon2 once; every bench user shares the hash
        User.objects.bulk_create(
            [
                User(
                    email=email,
                    handle=f"bench_{index:05d}",
                    name=f"Bench User {index}",
                    password=password_hash,
                    intention="load testing",
                )
                for index, email in missing
            ],
            batch_size=2000,
        )
        existing = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
    say(f"  users: {len(missing)} created, {users - len(missing)} already there")
    ids = [existing[email] for email in emails]

    # Follows: only for users without any yet, so re-runs keep the graph stable.
    have_follows = set(Follow.objects.filter(follower_id__in=ids).values_list("follower_id", flat=True).distinct())
    rows = []
    for index, user_id in enumerate(ids):
        if user_id in have_follows or not follows:
            continue
        rng = random.Random(index)  # noqa: S311 - deterministic test data, not security
        picks = rng.sample(range(len(ids)), follows + 1)
        rows += [Follow(follower_id=user_id, followee_id=ids[pick]) for pick in picks if pick != index][:follows]
    if rows:
        with transaction.atomic():
            Follow.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
            # Bulk inserts bypass the follow service's counter updates: recompute them from the rows.
            counted = stats_recount()
    total = Follow.objects.filter(follower_id__in=ids).count()
    say(f"  follows: {len(rows)} created ({follows} per new user), {total} in total")
    if rows:
        say(f"  UserStats counters recomputed from the follow rows (stats_recount) for {counted} users")
    else:
        say("  UserStats counters left as they are (no new follows)")

    # A clean slate: sessions of earlier runs (one per VU, plus every rotated refresh token) only grow.
    sessions, _ = AuthSession.objects.filter(user_id__in=ids).delete()
    say(f"  deleted {sessions} session and refresh-token rows of the bench users left by earlier runs")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(f"  seeded and analysed in {time.monotonic() - started:.1f} s")
    output.write_text(json.dumps({"ids": ids, "database": database}))


class ApiBench(K6Bench):
    name = "bench"
    module = "scripts.bench.api"
    database_name = "selflink_bench"

    # -- steps ------------------------------------------------------------------------------------

    def database(self) -> None:
        explicit = self.args.database_url
        if explicit:
            self.database_url = explicit
            say(f"database: {redact(explicit)} (given with --database-url)")
            return
        if os.environ.get("DATABASE_URL"):
            raise BenchError(
                "DATABASE_URL is set, and the benchmark writes bench users, follows and sessions into its "
                "database. To benchmark against it anyway, pass it explicitly: "
                'just bench --database-url "$DATABASE_URL" (or unset DATABASE_URL to use the embedded '
                f"PostgreSQL's separate {self.database_name!r} database)."
            )
        from selflink.embedded_postgres import server

        self.embedded = server
        say(
            f"database: embedded PostgreSQL, database {self.database_name!r} (created if missing; "
            "the 'selflink' dev database is not touched)"
        )
        self.database_url = server.acquire(database=self.database_name)
        info = server.info()
        say(f"embedded PostgreSQL ready on 127.0.0.1:{info.port if info else '?'} (data in {server.pgdata})")

    def run_seconds(self) -> float:
        # The GET scenarios reuse the login's access token throughout.
        return self.args.warmup + 4 * (self.args.duration + self.gap_seconds)

    def server_settings(self) -> dict[str, str]:
        return {"RATE_LOGIN_PER_IP": RELAXED_RATE, "RATE_REFRESH_PER_IP": RELAXED_RATE}

    def migrate_and_seed(self) -> list[int]:
        self.run_child("applying migrations to the bench database", [PYTHON, "manage.py", "migrate", "--no-input"])
        output = self.workdir / "seed.json"
        self.run_child(
            f"seeding {self.args.users} bench users, each following {self.args.follows} others (idempotent)",
            self.own_command(
                "--internal-seed", str(output), "--users", str(self.args.users), "--follows", str(self.args.follows)
            ),
        )
        return json.loads(output.read_text())["ids"]

    def login(self, count: int) -> list[dict]:
        say(f"signing in {count} bench users through POST /api/v1/auth/login/ (one per k6 VU)")
        started = time.monotonic()
        credentials = []
        for index in range(1, count + 1):
            body = login(self.base_url, bench_email(index))
            credentials.append({"userId": body["user"]["id"], "access": body["token"], "refresh": body["refreshToken"]})
        elapsed = time.monotonic() - started
        say(f"  {count} sessions opened in {elapsed:.1f} s ({elapsed / count * 1000:.0f} ms per Argon2 login)")
        return credentials

    def run_scenarios(self, credentials: list[dict], target_ids: list[int]) -> dict:
        a = self.args
        warmup = a.warmup + self.gap_seconds if a.warmup > 0 else 0
        total = warmup + 3 * a.duration + 2 * self.gap_seconds
        warmup_text = f"a {a.warmup} s warm-up (not measured), then " if a.warmup else ""
        config = {
            "baseUrl": self.base_url,
            "vus": a.vus,
            "durationSeconds": a.duration,
            "gapSeconds": self.gap_seconds,
            "warmupSeconds": a.warmup,
            "credentials": credentials,
            "targetIds": target_ids,
        }
        plan = (
            f"{warmup_text}3 scenarios one after the other, {a.vus} VUs and {a.duration} s each (about {total} s in "
            f"total): {', '.join(ENDPOINTS.values())}"
        )
        return self.run_k6(K6_SCRIPT, config, plan)

    def report(self, summary: dict, k6_version: str) -> int:
        rows = []
        for name, label in ENDPOINTS.items():
            count, duration, error_rate = k6_endpoint(summary["metrics"], name)
            rows.append(
                {
                    "endpoint": label.replace("  ", " "),
                    "scenario": name,
                    "requests": count,
                    "rps": round(count / self.args.duration, 1),
                    "p50_ms": round(duration.get("p(50)", 0.0), 2),
                    "p95_ms": round(duration.get("p(95)", 0.0), 2),
                    "p99_ms": round(duration.get("p(99)", 0.0), 2),
                    "avg_ms": round(duration.get("avg", 0.0), 2),
                    "max_ms": round(duration.get("max", 0.0), 2),
                    "error_rate": round(error_rate, 5),
                }
            )

        columns = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors")
        header = f"{'endpoint':<27} " + " ".join(f"{column:>8}" for column in columns)
        say(f"results: {self.args.vus} VUs, {self.args.duration} s per endpoint (req/s = requests / duration)")
        print(header)
        print("-" * len(header))
        for row in rows:
            print(
                f"{row['endpoint']:<27} {row['requests']:>8} {row['rps']:>8.1f} {row['p50_ms']:>8.2f} "
                f"{row['p95_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['error_rate'] * 100:>7.2f}%"
            )

        failing = [row for row in rows if row["error_rate"] > self.max_error_rate]
        self.write_results(
            {
                "timestamp": self.stamp,
                "command": shlex.join(["just", "bench", *sys.argv[1:]]),
                "config": {
                    "users": self.args.users,
                    "follows": self.args.follows,
                    "vus": self.args.vus,
                    "duration_seconds": self.args.duration,
                    "database_pool_max": POOL_MAX,
                    "database": "embedded" if self.embedded else "--database-url",
                    "relaxed_rate_limits": RELAXED_RATE,
                    "smoke": self.smoke,
                },
                "machine": self.machine(k6_version),
                "results": rows,
                "max_error_rate": self.max_error_rate,
                "passed": not failing,
                "k6_summary": shown(self.results_path(".k6-summary.json")),
            }
        )
        return self.verdict(failing, "endpoint")

    def run(self) -> int:
        k6_version = k6_check()
        self.database()  # before anything else is started: it may refuse to run at all
        self.busy_before = machine_check("k6, daphne and PostgreSQL")
        target_ids = self.migrate_and_seed()
        self.start_daphne(
            self.args.port or free_port(),
            f"rate limits relaxed for this server only: RATE_LOGIN_PER_IP={RELAXED_RATE}, "
            f"RATE_REFRESH_PER_IP={RELAXED_RATE} (defaults 20/5m and 120/m). Every k6 request comes from "
            "127.0.0.1, so the per-IP limits would reject almost all of them; the limiter itself still runs "
            "(one counter upsert per login/refresh), so its cost is measured",
        )
        credentials = self.login(self.args.vus)
        summary = self.run_scenarios(credentials, target_ids)
        return self.report(summary, k6_version)


def main(argv: list[str] | None = None) -> int:
    speak_as("bench")
    args = parse_args(argv)
    if args.internal_seed:
        seed(args.users, args.follows, Path(args.internal_seed))
        return 0
    return run_bench(ApiBench(args))


if __name__ == "__main__":
    sys.exit(main())
