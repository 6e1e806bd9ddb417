"""Load-test the SelfLink API as the production image serves it, with k6, on a seeded social graph (`just bench`).

The endpoints of issue 12's table, one after the other, each at --vus connections for --duration seconds:
GET users/me, GET feed/following, GET feed/home, GET feed/for_you (first page: ranked anew on every request),
POST posts, POST messages, POST auth/login.

Steps, each announced as it runs:

1. Database: the embedded PostgreSQL with its own database `selflink_bench` (never the `selflink` dev database).
   When DATABASE_URL is set the script refuses to run unless a server is given explicitly with --database-url;
   even then only its database `selflink_bench` is used (created if missing, emptied and filled).
2. `manage.py migrate`, then the seed, rebuilt on every run so that every run starts from the same rows: the tables
   are emptied, then --users users (one Argon2 hash computed once and shared), --follows follows (as many per user,
   followees weighted by popularity), --posts posts over the last 7 days, --likes likes on public posts, --threads
   direct threads of --messages messages each; counters written from the rows; one open session and access token
   per user; VACUUM ANALYZE. Deterministic for a --seed (timestamps relative to now); bulk inserts and COPY, a few
   seconds.
3. The server: the production image's command (deploy/Dockerfile's CMD: `python -m modules.ops.serve --workers
   auto`, one daphne per CPU; --workers N sets WEB_CONCURRENCY as an operator would) on a free port, with
   SELFLINK_ENV=development, DEBUG=false and the per-IP/per-user rate limits of the measured writes relaxed (every
   request comes from 127.0.0.1 and a few thousand users; the limiter still runs).
4. k6 (scripts/bench/api.js): an unmeasured --warmup on the reads, then one k6 run per endpoint (so that the server's
   CPU and memory are measured per endpoint), --vus VUs looping without think time on keep-alive connections, each
   iteration acting as the next seeded user.
5. Per endpoint: req/s, p50/p95/p99 latency, errors, the server's CPU time per request (every daphne process) and its
   total RSS (supervisor + workers, sampled twice a second; peak), how the connections were spread over the workers.
   Printed, and written to bench-results/bench-<timestamp>.json and, as a markdown table, bench-<timestamp>.md. Exit
   code 1 when an endpoint's error rate is above 1%.

The server is stopped and the database released on exit, on Ctrl-C and on SIGTERM.

--smoke: the same steps in seconds (60 users, 2 VUs, 2 s per endpoint) in the database `selflink_bench_smoke`;
exit code 1 on any error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shlex
import sys
import time
from pathlib import Path

from scripts.bench.feed import WORDS as FEED_WORDS
from scripts.bench.runner import (
    BENCH_EMAIL_DOMAIN,
    BENCH_PASSWORD,
    POOL_MAX,
    PYTHON,
    RELAXED_RATE,
    K6Bench,
    bench_database,
    duration_seconds,
    free_port,
    k6_check,
    k6_endpoint,
    machine_check,
    others_check,
    parse,
    positive_int,
    run_bench,
    say,
    seed_hand_over,
    sessions_open,
    shown,
    speak_as,
)

K6_SCRIPT = Path(__file__).with_name("api.js")
BENCH_DATABASE = "selflink_bench"
SMOKE = {
    "users": 60,
    "follows": 600,
    "posts": 300,
    "likes": 600,
    "threads": 2,
    "messages": 5,
    "vus": 2,
    "duration": 2,
    "warmup": 1,
}

# The table, in the order measured: the writes come after the reads (new posts never change a feed measured
# before them) and the logins last (their Argon2 memory stays allocated).
ENDPOINTS = {
    "users_me": "GET /api/v1/users/me/",
    "feed_following": "GET /api/v1/feed/following/",
    "feed_home": "GET /api/v1/feed/home/",
    "feed_for_you": "GET /api/v1/feed/for_you/ (first page)",
    "posts_create": "POST /api/v1/posts/",
    "messages_create": "POST /api/v1/messages/",
    "auth_login": "POST /api/v1/auth/login/",
}
RELAXED_LIMITS = ("RATE_LOGIN_PER_IP", "RATE_LOGIN_PER_ACCOUNT", "RATE_POSTS_PER_USER", "RATE_MESSAGES_PER_USER")
PAGE_SIZE = 20
DAYS = 7
FOLLOW_CHUNK = 5000
MARKER = "k6 bench"
WORDS = FEED_WORDS["en"]  # the words of the feed benchmark's English posts


def bench_email(index: int) -> str:
    return f"bench-{index:05d}@{BENCH_EMAIL_DOMAIN}"


def endpoint_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENDPOINTS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"expected endpoints among {', '.join(ENDPOINTS)}, got {text!r}")
    return [name for name in ENDPOINTS if name in names]  # always in the measured order


def workers_value(text: str) -> str:
    if text != "auto" and not (text.isdigit() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"expected auto or a number of processes, got {text!r}")
    return text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="just bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    seed = parser.add_argument_group("seed data (issue 12's)")
    seed.add_argument("--users", type=positive_int, default=2000, help="users (default 2000)")
    seed.add_argument("--follows", type=positive_int, default=100_000, help="follows in all (default 100000)")
    seed.add_argument("--posts", type=positive_int, default=20_000, help="posts over the last 7 days (default 20000)")
    seed.add_argument("--likes", type=int, default=50_000, help="likes on public posts (default 50000)")
    seed.add_argument("--threads", type=positive_int, default=10, help="direct threads (default 10)")
    seed.add_argument("--messages", type=positive_int, default=100, help="messages per thread (default 100)")
    seed.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same data (default 2026)")
    load = parser.add_argument_group("load")
    load.add_argument("--vus", type=positive_int, default=32, help="concurrent connections (k6 VUs; default 32)")
    load.add_argument(
        "--duration",
        type=duration_seconds,
        default=20,
        help="length of each endpoint's run: 20, 20s or 1m (default 20)",
    )
    load.add_argument(
        "--warmup",
        type=int,
        default=5,
        choices=range(61),
        metavar="SECONDS",
        help="unmeasured warm-up on the reads before the first endpoint (default 5; 0 to skip)",
    )
    load.add_argument(
        "--endpoints",
        type=endpoint_list,
        default=list(ENDPOINTS),
        help=f"comma-separated, measured in this order: {','.join(ENDPOINTS)} (default: all)",
    )
    parser.add_argument(
        "--workers",
        type=workers_value,
        default="auto",
        help="daphne processes: auto (the image's default, one per CPU) or N, given to the image's command as "
        "WEB_CONCURRENCY=N (as an operator would)",
    )
    parser.add_argument(
        "--database-url",
        help=f"use this PostgreSQL server instead of the embedded one (only its database {BENCH_DATABASE!r} is "
        "created if missing, emptied and filled; required when DATABASE_URL is set)",
    )
    parser.add_argument("--port", type=int, default=0, help="port for the server (default: a free one)")
    # Internal: the seeding step runs in a child process with Django set up on the bench database.
    parser.add_argument("--internal-seed", metavar="OUTPUT", help=argparse.SUPPRESS)
    args = parse(parser, argv, SMOKE)
    if args.users < 4:
        parser.error("--users must be at least 4")
    if args.follows > args.users * (args.users - 1):
        parser.error("--follows cannot exceed users × (users - 1)")
    if args.threads * 2 > args.users:
        parser.error("--threads needs two users each: at most --users / 2")
    if args.likes < 0 or args.likes > args.posts * (args.users - 1) // 2:
        parser.error("--likes must be between 0 and half of posts × (users - 1)")
    return args


# --- seeding (runs in a child process: `python -m scripts.bench.api --internal-seed OUTPUT`) ------------------


class Seed:
    """The seed rows, generated in memory from the random seed (users are 0-based positions until inserted)."""

    def __init__(self, args: argparse.Namespace, now: float) -> None:
        self.a = args
        self.now = now
        self.rng = random.Random(args.seed)  # noqa: S311 - benchmark data, not security

    def follows(self) -> list[tuple[int, int, float]]:
        """(follower, followee, created) with as many followees per user (the first follows % users get one more),
        chosen by a Zipf-like popularity over a shuffled rank, so a few people are followed by many."""
        rng, n = self.rng, self.a.users
        ranks = list(range(1, n + 1))
        rng.shuffle(ranks)
        self.popularity = [rank**-0.8 for rank in ranks]
        cumulative, running = [], 0.0
        for weight in self.popularity:
            running += weight
            cumulative.append(running)
        base, extra = divmod(self.a.follows, n)
        rows = []
        for user in range(n):
            want = min(base + (user < extra), n - 1)
            picked: dict[int, None] = {}
            for _ in range(20):
                for other in rng.choices(range(n), cum_weights=cumulative, k=want - len(picked)):
                    if other != user:
                        picked[other] = None
                if len(picked) >= want:
                    break
            # Only when a user follows nearly everyone: the rest in order.
            picked.update(dict.fromkeys(other for other in range(n) if other != user and len(picked) < want))
            rows += [(user, other, self.now - rng.random() * 90 * 86400) for other in picked]
        return rows

    def posts(self) -> list[dict]:
        """Posts over the last DAYS days in time order (ids grow with time), authors weighted by popularity (a third
        of the people never post)."""
        rng = self.rng
        activity = [0.0 if rng.random() < 0.33 else w**0.5 * rng.lognormvariate(0, 0.8) for w in self.popularity]
        times = sorted(self.now - rng.random() * DAYS * 86400 for _ in range(self.a.posts))
        authors = rng.choices(range(self.a.users), weights=activity, k=self.a.posts)
        posts = []
        for created, author in zip(times, authors, strict=True):
            roll = rng.random()
            visibility = "public" if roll < 0.88 else "followers" if roll < 0.98 else "private"
            text = " ".join(rng.choices(WORDS, k=rng.randint(4, 30))).capitalize() + "."
            posts.append({"author": author, "created": created, "visibility": visibility, "text": text, "likes": 0})
        return posts

    def likes(self, posts: list[dict]) -> list[tuple[int, int, float]]:
        """(post, user, created): public posts only, chosen by their author's popularity, never by the author."""
        rng, n = self.rng, self.a.users
        public = [index for index, post in enumerate(posts) if post["visibility"] == "public"]
        weights = [self.popularity[posts[index]["author"]] ** 0.6 * rng.lognormvariate(0, 1.0) for index in public]
        seen: set[tuple[int, int]] = set()
        rows = []
        while len(rows) < self.a.likes:
            for post in rng.choices(public, weights=weights, k=self.a.likes - len(rows)):
                user = rng.randrange(n)
                if user == posts[post]["author"] or (post, user) in seen:
                    continue
                seen.add((post, user))
                created = posts[post]["created"] + rng.random() * (self.now - posts[post]["created"])
                rows.append((post, user, created))
                posts[post]["likes"] += 1
        return rows


def timestamp(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def copy_rows(cursor, table: str, columns: str, rows) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(args: argparse.Namespace, output: Path) -> None:
    """Empty the bench database's tables and fill them (see the module's docstring); hand the users, their tokens and
    the threads to the orchestrator in `output`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from modules.accounts.models import User
    from modules.core.models import RateLimitCounter
    from modules.realtime.models import RealtimeEvent

    database = connection.settings_dict["NAME"]
    expected = bench_database(BENCH_DATABASE, args.smoke)
    if database != expected:
        raise SystemExit(f"refusing to seed database {database!r}: only {expected!r} is")
    say(f"  seeding database {database!r} as the server will see it: DEBUG={settings.DEBUG} (seed {args.seed})")
    started = time.monotonic()
    now = time.time()
    data = Seed(args, now)
    follows = data.follows()
    posts = data.posts()
    likes = data.likes(posts)
    say(f"  generated in {time.monotonic() - started:.1f} s")

    with transaction.atomic(), connection.cursor() as cursor:
        tables = [User._meta.db_table, RateLimitCounter._meta.db_table, RealtimeEvent._meta.db_table]
        # Everything that references a user goes with them (CASCADE): posts, likes, sessions, threads, feed
        # sessions, notifications …; ids restart at 1, so a seed gets the same ids every run. The cascade reaches
        # the (empty) rewards ledger, whose tables refuse TRUNCATE unless this database-level escape hatch (the test
        # database's too) is on: allowed here, in the benchmark's own database, for this transaction only.
        cursor.execute("SET LOCAL selflink.allow_ledger_truncate = 'on'")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        password = make_password(BENCH_PASSWORD)  # Argon2 once; every bench user shares the hash
        users = User.objects.bulk_create(
            [
                User(
                    email=bench_email(index),
                    handle=f"bench_{index:05d}",
                    name=f"Bench User {index}",
                    password=password,
                    intention="load testing",
                    created_at=timestamp(now - 120 * 86400),
                )
                for index in range(1, args.users + 1)
            ],
            batch_size=2000,
        )
        ids = [user.id for user in users]
    # Follows in transactions of FOLLOW_CHUNK rows: each row's trigger (no follow while a request is pending) takes
    # a transaction-level advisory lock, and 100,000 of them in one transaction exceed PostgreSQL's lock table.
    for start in range(0, len(follows), FOLLOW_CHUNK):
        with transaction.atomic(), connection.cursor() as cursor:
            copy_rows(
                cursor,
                "social_follow",
                "follower_id, followee_id, created_at",
                ((ids[a], ids[b], timestamp(t)) for a, b, t in follows[start : start + FOLLOW_CHUNK]),
            )
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(
            cursor,
            "posts_post",
            "author_id, text, visibility, language, has_video, media_count, like_count, comment_count, created_at",
            (
                (ids[p["author"]], p["text"], p["visibility"], "en", False, 0, p["likes"], 0, timestamp(p["created"]))
                for p in posts
            ),
        )
        cursor.execute("SELECT id FROM posts_post ORDER BY id")
        post_ids = [row[0] for row in cursor.fetchall()]
        copy_rows(
            cursor,
            "posts_postlike",
            "post_id, user_id, created_at",
            ((post_ids[post], ids[user], timestamp(t)) for post, user, t in sorted(likes, key=lambda row: row[2])),
        )
        # Counters, from the rows (as stats_recount would, with posts).
        cursor.execute(
            """
            INSERT INTO social_userstats (user_id, followers_count, following_count, posts_count)
            SELECT u.id,
                   (SELECT count(*) FROM social_follow f WHERE f.followee_id = u.id),
                   (SELECT count(*) FROM social_follow f WHERE f.follower_id = u.id),
                   (SELECT count(*) FROM posts_post p WHERE p.author_id = u.id)
            FROM accounts_user u
            """
        )
        threads = seed_threads(args, ids, now)
        sessions = sessions_open(ids)
    say(
        f"  {args.users:,} users (one shared password hash), {len(follows):,} follows, {len(posts):,} posts, "
        f"{len(likes):,} likes, {len(threads)} direct threads × {args.messages} messages, counters from the rows, "
        f"{len(sessions):,} sessions"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")  # statistics and the visibility map up to date, as on a settled database
    token_of = {session["user"]: session["token"] for session in sessions}
    for thread in threads:
        thread["members"] = [{"id": member, "token": token_of[member]} for member in thread["members"]]
    users_out = [
        {"id": user_id, "email": bench_email(index), "token": token_of[user_id]}
        for index, user_id in enumerate(ids, start=1)
    ]
    seed_hand_over(output, {"users": users_out, "threads": threads, "seconds": round(time.monotonic() - started, 1)})
    say(f"  seeded and analysed in {time.monotonic() - started:.1f} s")


def seed_threads(args: argparse.Namespace, ids: list[int], now: float) -> list[dict]:
    """Direct threads between users 1 and 2, 3 and 4 …, each with --messages messages, read by both."""
    from modules.messaging.models import Message, Thread, ThreadMember

    pairs = [(ids[2 * k], ids[2 * k + 1]) for k in range(args.threads)]
    threads = Thread.objects.bulk_create(
        [
            Thread(is_group=False, created_by_id=a, direct_user_low=min(a, b), direct_user_high=max(a, b))
            for a, b in pairs
        ]
    )
    ThreadMember.objects.bulk_create(
        [
            ThreadMember(thread=thread, user_id=user)
            for thread, pair in zip(threads, pairs, strict=True)
            for user in pair
        ]
    )
    rows = []
    for thread, pair in zip(threads, pairs, strict=True):
        for number in range(args.messages):
            created = timestamp(now - (args.messages - number) * 60)
            rows.append(
                Message(
                    thread=thread,
                    sender_id=pair[number % 2],
                    body=f"seed message {number + 1}",
                    client_uuid=f"seed-{thread.id}-{number}",
                    created_at=created,
                    delivered_at=created,
                    read_at=created,
                )
            )
    Message.objects.bulk_create(rows, batch_size=2000)
    out = []
    for thread, pair in zip(threads, pairs, strict=True):
        last = Message.objects.filter(thread=thread).order_by("-id").values_list("id", "created_at").first()
        Thread.objects.filter(id=thread.id).update(last_message_id=last[0], last_activity_at=last[1])
        ThreadMember.objects.filter(thread=thread).update(
            last_delivered_message_id=last[0], last_read_message_id=last[0]
        )
        out.append({"id": thread.id, "members": list(pair)})
    return out


# --- orchestration ----------------------------------------------------------------------------------


class ApiBench(K6Bench):
    name = "bench"
    module = "scripts.bench.api"
    database_name = BENCH_DATABASE

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.others: list[str] = []

    def run_seconds(self) -> float:
        # The seeded access tokens are used from the warm-up to the last endpoint (k6 takes a few seconds to start).
        return self.args.warmup + len(self.args.endpoints) * (self.args.duration + self.gap_seconds + 15)

    def server_settings(self) -> dict[str, str]:
        return dict.fromkeys(RELAXED_LIMITS, RELAXED_RATE)

    def migrate_and_seed(self) -> dict:
        self.run_child("applying migrations to the bench database", [PYTHON, "manage.py", "migrate", "--no-input"])
        output = self.workdir / "seed.json"
        a = self.args
        self.run_child(
            f"seeding {a.users:,} users, {a.follows:,} follows, {a.posts:,} posts, {a.likes:,} likes, {a.threads} "
            f"threads × {a.messages} messages (rebuilt every run)",
            self.own_command(
                "--internal-seed",
                str(output),
                *("--users", str(a.users), "--follows", str(a.follows), "--posts", str(a.posts)),
                *("--likes", str(a.likes), "--threads", str(a.threads), "--messages", str(a.messages)),
                *("--seed", str(a.seed)),
            ),
        )
        return json.loads(output.read_text())

    def k6_config(self, endpoint: str, seconds: int, users_path: Path, threads: list[dict]) -> dict:
        return {
            "baseUrl": self.base_url,
            "endpoint": endpoint,
            "vus": self.args.vus,
            "durationSeconds": seconds,
            "usersPath": str(users_path),
            "threads": threads,
            "password": "" if endpoint != "auth_login" else BENCH_PASSWORD,
            "pageSize": PAGE_SIZE,
            "fullPages": not self.smoke,  # tiny smoke data has short feeds
            "marker": MARKER,
            "runId": self.stamp,
        }

    def measure(self, seeded: dict) -> list[dict]:
        a = self.args
        users_path = self.workdir / "users.json"
        users_path.write_text(json.dumps(seeded["users"]))
        users_path.chmod(0o600)  # live access tokens
        threads = seeded["threads"]
        if a.warmup:
            config = self.k6_config("warmup", a.warmup, users_path, threads)
            self.run_k6(
                K6_SCRIPT,
                config,
                f"warm-up, {a.warmup} s on the reads (not measured)",
                quiet=True,
                summary_path=self.workdir / "warmup.k6.json",
            )
        rows = []
        for endpoint in a.endpoints:
            time.sleep(self.gap_seconds)  # the previous run's last requests are over; the server settles
            config = self.k6_config(endpoint, a.duration, users_path, threads)
            summary_path = self.results_path(f".{endpoint}.k6.json")
            summary = self.run_k6(
                K6_SCRIPT,
                config,
                f"{ENDPOINTS[endpoint]}: {a.vus} VUs for {a.duration} s",
                quiet=True,
                summary_path=summary_path,
            )
            rows.append(self.row(endpoint, summary))
            row = rows[-1]
            say(
                f"  {row['endpoint']}: {row['rps']:.1f} req/s, p99 {row['p99_ms']:.0f} ms, {row['errors']} errors, "
                f"{row['server_cpu_ms_per_request']} ms server CPU per request, server RSS peak "
                f"{row['server_rss_peak_mib']} MiB"
            )
        return rows

    def row(self, endpoint: str, summary: dict) -> dict:
        count, duration, error_rate = k6_endpoint(summary["metrics"], endpoint)
        memory = self.server_run.get("memory", {})
        cpu = self.cpu_split.get("server")
        return {
            "endpoint": ENDPOINTS[endpoint],
            "scenario": endpoint,
            "requests": count,
            "rps": round(count / self.args.duration, 1),
            "p50_ms": round(duration.get("p(50)", 0.0), 1),
            "p95_ms": round(duration.get("p(95)", 0.0), 1),
            "p99_ms": round(duration.get("p(99)", 0.0), 1),
            "avg_ms": round(duration.get("avg", 0.0), 1),
            "max_ms": round(duration.get("max", 0.0), 1),
            "error_rate": round(error_rate, 5),
            "errors": round(error_rate * count),
            "server_cpu_ms_per_request": round(cpu * 1000 / count, 2) if cpu is not None and count else None,
            "server_rss_peak_mib": round(memory.get("rss_peak_kib", 0) / 1024),
            "server_rss_mean_mib": round(memory.get("rss_mean_kib", 0) / 1024),
            "server_pss_peak_mib": round(memory.get("pss_peak_kib", 0) / 1024),
            "connections_per_worker": self.server_run.get("connections_per_worker", []),
            "cpu_seconds": dict(self.cpu_split),
            "k6_summary": shown(self.results_path(f".{endpoint}.k6.json")),
        }

    def report(self, rows: list[dict], k6_version: str, seeded: dict) -> int:
        a = self.args
        workers = len(rows[0]["connections_per_worker"]) if rows and rows[0]["connections_per_worker"] else None
        say(
            f"results: {a.vus} connections, {a.duration} s per endpoint, the image's command with "
            f"{'--workers auto' if a.workers == 'auto' else f'WEB_CONCURRENCY={a.workers}'}"
            f"{f' ({workers} daphne workers)' if workers else ''}"
        )
        columns = ("req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "RSS MiB", "CPU ms/req", "conns/worker")
        header = f"{'endpoint':<38} " + " ".join(f"{column:>10}" for column in columns)
        print(header)
        print("-" * len(header))
        for row in rows:
            spread = "/".join(map(str, row["connections_per_worker"])) or "-"
            cpu = "-" if row["server_cpu_ms_per_request"] is None else f"{row['server_cpu_ms_per_request']:.2f}"
            print(
                f"{row['endpoint']:<38} {row['rps']:>10.1f} {row['p50_ms']:>10.1f} {row['p95_ms']:>10.1f} "
                f"{row['p99_ms']:>10.1f} {row['errors']:>10} {row['server_rss_peak_mib']:>10} {cpu:>10} {spread:>12}"
            )
        print(
            "(RSS: the server's processes summed, supervisor and every daphne, peak of the samples during the run; "
            "CPU: their CPU time / requests)"
        )
        failing = [row for row in rows if row["error_rate"] > self.max_error_rate]
        config = {
            "users": a.users,
            "follows": a.follows,
            "posts": a.posts,
            "likes": a.likes,
            "threads": a.threads,
            "messages_per_thread": a.messages,
            "seed": a.seed,
            "seed_seconds": seeded.get("seconds"),
            "vus": a.vus,
            "duration_seconds": a.duration,
            "warmup_seconds": a.warmup,
            "server": "deploy/Dockerfile CMD (modules.ops.serve --workers auto)",
            "workers": a.workers,
            "daphne_workers": workers,
            "database_pool_max": POOL_MAX,
            "database": "embedded" if self.embedded else "--database-url",
            "relaxed_rate_limits": dict.fromkeys(RELAXED_LIMITS, RELAXED_RATE),
            "smoke": self.smoke,
        }
        self.write_results(
            {
                "timestamp": self.stamp,
                "command": shlex.join(["just", "bench", *sys.argv[1:]]),
                "config": config,
                "machine": {**self.machine(k6_version), "other_benchmarks_running": self.others},
                "results": rows,
                "max_error_rate": self.max_error_rate,
                "passed": not failing,
            }
        )
        self.write_markdown(rows, config, k6_version)
        return self.verdict(failing, "endpoint")

    def write_markdown(self, rows: list[dict], config: dict, k6_version: str) -> None:
        """The table as docs/BENCHMARKS.md shows it (section "Results (issue 12)"), with what it was measured on."""
        busy = self.busy_before
        lines = [
            f"`{shlex.join(['just', 'bench', *sys.argv[1:]])}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: "
            f"{os.cpu_count()} CPUs, CPU busy before start {'?' if busy is None else f'{busy:.0%}'}"
            f"{', other benchmarks running' if self.others else ''}; {k6_version.split(' (')[0]}; "
            f"{config['vus']} connections, {config['duration_seconds']} s per endpoint; seed: {config['users']:,} "
            f"users, {config['follows']:,} follows, {config['posts']:,} posts, {config['likes']:,} likes, "
            f"{config['threads']} threads × {config['messages_per_thread']} messages; server: the image's command, "
            f"{config['daphne_workers'] or '?'} daphne workers (`{bench_results_name(self)}`).",
            "",
            "| Endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | server RSS MiB (peak) | server CPU ms/req |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows:
            cpu = "-" if row["server_cpu_ms_per_request"] is None else f"{row['server_cpu_ms_per_request']:.1f}"
            lines.append(
                f"| `{row['endpoint']}` | {row['rps']:,.1f} | {row['p50_ms']:,.1f} | {row['p95_ms']:,.1f} | "
                f"{row['p99_ms']:,.1f} | {row['errors']} ({row['error_rate']:.2%}) | {row['server_rss_peak_mib']} | "
                f"{cpu} |"
            )
        path = self.results_path(".md")
        path.write_text("\n".join(lines) + "\n")
        say(f"markdown table written to {shown(path)}")

    def run(self) -> int:
        k6_version = k6_check()
        self.database()  # before anything else is started: it may refuse to run at all
        self.busy_before = machine_check("k6, the server and PostgreSQL")
        self.others = others_check(self.workdir)
        seeded = self.migrate_and_seed()
        self.start_daphne(
            self.args.port or free_port(),
            f"rate limits relaxed for this server only: {', '.join(RELAXED_LIMITS)} = {RELAXED_RATE}. Every k6 "
            "request comes from 127.0.0.1 and a few thousand users, so the production limits would turn the run into "
            "a rate-limit test; the limiter itself still runs (a counter upsert per limited request), so its cost is "
            "measured",
            image=True,
        )
        rows = self.measure(seeded)
        return self.report(rows, k6_version, seeded)


def bench_results_name(bench: ApiBench) -> str:
    return shown(bench.results_path())


def main(argv: list[str] | None = None) -> int:
    speak_as("bench")
    args = parse_args(argv)
    if args.internal_seed:
        seed(args, Path(args.internal_seed))
        return 0
    return run_bench(ApiBench(args))


if __name__ == "__main__":
    sys.exit(main())
