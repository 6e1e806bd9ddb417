"""Load-test the feeds and post creation on a seeded social graph, on a real daphne with DEBUG off
(`just bench-feed`).

Steps, each announced as it runs:

1. Database: the embedded PostgreSQL with its own database `selflink_bench_feed` (never the `selflink` dev
   database). When DATABASE_URL is set the script refuses to run unless a server is given explicitly with
   --database-url; even then only its database `selflink_bench_feed` is used (dropped and recreated).
2. The database is recreated, migrated and seeded with COPY (default: 10,000 users, ~1M follows with
   power-law popularity, 200,000 posts over 30 days, 1,000,000 likes, 100,000 comments), counters written
   from the rows and checked against them, then VACUUM ANALYZE and CHECKPOINT. Deterministic for a given
   --seed, with timestamps relative to now. `--reuse` keeps a previous seed with the same parameters instead
   (posts, feed sessions and sign-ins left by earlier runs are deleted first).
3. EXPLAIN (ANALYZE, BUFFERS) of every query the ranked and the chronological feed run for a typical bench
   user, captured from the real code (the SQL Django generates) and run directly against the database.
4. daphne on a free port (SELFLINK_ENV=development, DEBUG=false, DATABASE_POOL_MAX=20), with the per-IP and
   per-user rate limits relaxed (every k6 request comes from 127.0.0.1 and a handful of users), then
   --signed-in bench users sign in.
5. k6 (scripts/bench/feed.js): for each concurrency (default 1 and 8), GET /feed/for_you/ (a refresh: a new
   ranked FeedSession per request), GET /feed/for_you/ page 2 (with a cursor from page 1), GET
   /feed/following/; then POST /posts/ at each concurrency (last, so new posts never change the feeds
   measured before them).
6. A table of requests, req/s, p50/p95/p99 latency and errors per scenario, with the target (feeds at
   concurrency 1: p95 <= 50 ms), also written to bench-results/bench-feed-<timestamp>.json (plans in
   bench-feed-<timestamp>.plans.txt). Exit code 1 when a scenario's error rate is above 1%.

daphne is stopped and the database released on exit, on Ctrl-C and on SIGTERM.

--smoke: the same steps in seconds (300 users, 2,000 posts, 2 s per scenario at 1 VU) in the database
`selflink_bench_feed_smoke`; exit code 1 on any error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import random
import re
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
    http_json,
    k6_check,
    k6_endpoint,
    login,
    machine_check,
    parse,
    positive_int,
    prefixed,
    redact,
    run_bench,
    say,
    shown,
    speak_as,
    with_database,
)

K6_SCRIPT = Path(__file__).with_name("feed.js")
SMOKE = {
    "users": 300,
    "posts": 2000,
    "likes": 5000,
    "comments": 500,
    "signed_in": 4,
    "concurrency": [1],
    "duration": 2,
    "warmup": 1,
}

BENCH_DATABASE = "selflink_bench_feed"
POST_MARKER = "k6 bench post"
RELAXED_LIMITS = (
    "RATE_LOGIN_PER_IP",
    "RATE_LOGIN_PER_ACCOUNT",
    "RATE_REFRESH_PER_IP",
    "RATE_POSTS_PER_USER",
    "RATE_COMMENTS_PER_USER",
)
PAGE_SIZE = 20
TARGET_P95_MS = 50.0
DAY = 86400.0

KINDS = {
    "for_you": "GET  /api/v1/feed/for_you/",
    "for_you_page2": "GET  /api/v1/feed/for_you/ p.2",
    "following": "GET  /api/v1/feed/following/",
    "posts_create": "POST /api/v1/posts/",
}
FEED_KINDS = ("for_you", "for_you_page2", "following")


def bench_email(index: int) -> str:
    return f"feed-{index:05d}@{BENCH_EMAIL_DOMAIN}"


def concurrency_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        values = []
    if not values or any(value <= 0 for value in values):
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}")
    return sorted(set(values))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="just bench-feed", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    seed = parser.add_argument_group("seed data")
    seed.add_argument("--users", type=positive_int, default=10_000, help="users (default 10000)")
    seed.add_argument("--posts", type=positive_int, default=200_000, help="posts (default 200000)")
    seed.add_argument("--likes", type=int, default=1_000_000, help="post likes (default 1000000)")
    seed.add_argument("--comments", type=int, default=100_000, help="comments (default 100000)")
    seed.add_argument("--days", type=positive_int, default=30, help="posts spread over the last N days (default 30)")
    seed.add_argument("--seed", type=int, default=2026, help="random seed: same seed, same data (default 2026)")
    seed.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data of an earlier run with the same seed parameters instead of recreating it",
    )
    load = parser.add_argument_group("load")
    load.add_argument(
        "--concurrency",
        type=concurrency_list,
        default=[1, 8],
        help="k6 VUs per scenario, comma-separated: every scenario runs at each (default 1,8)",
    )
    load.add_argument(
        "--duration", type=duration_seconds, default=20, help="length of each scenario: 20, 20s or 1m (default 20 s)"
    )
    load.add_argument(
        "--warmup",
        type=int,
        default=5,
        choices=range(61),
        metavar="SECONDS",
        help="unmeasured warm-up seconds before the first scenario (default 5)",
    )
    load.add_argument(
        "--signed-in", type=positive_int, default=16, help="bench users the VUs act as, in turn (default 16)"
    )
    parser.add_argument(
        "--database-url",
        help=f"use this PostgreSQL server instead of the embedded one (its database {BENCH_DATABASE!r} is "
        "dropped and recreated; required when DATABASE_URL is set)",
    )
    parser.add_argument("--port", type=int, default=0, help="port for daphne (default: a free one)")
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAIN (ANALYZE, BUFFERS) step")
    # Internal: steps that need Django run in child processes set up on the bench database.
    parser.add_argument("--internal-seed", metavar="OUTPUT", help=argparse.SUPPRESS)
    parser.add_argument("--internal-plans", metavar="OUTPUT", help=argparse.SUPPRESS)
    parser.add_argument("--viewers", help=argparse.SUPPRESS)
    args = parse(parser, argv, SMOKE)
    if args.users < 300:
        parser.error("--users must be at least 300 (each user follows 50-200 others)")
    if args.signed_in > args.users // 10:
        parser.error("--signed-in must be at most a tenth of --users")
    if args.likes < 0 or args.comments < 0:
        parser.error("--likes and --comments cannot be negative")
    return args


def seed_parameters(args: argparse.Namespace) -> dict:
    return {
        "version": 1,
        "users": args.users,
        "posts": args.posts,
        "likes": args.likes,
        "comments": args.comments,
        "days": args.days,
        "seed": args.seed,
    }


# --- data generation (pure Python, deterministic for a seed) --------------------------------------------

_WORDS = {
    "en": (
        "today tomorrow morning coffee walk city river light music friends family work project idea "
        "book reading garden sunset travel train mountain sea weekend dinner recipe bread photo camera "
        "learning code design startup team meeting launch feedback question answer thanks love quiet "
        "energy focus meditation running bike rain snow spring summer autumn winter market street art"
    ),
    "ru": (
        "сегодня завтра утро кофе прогулка город река свет музыка друзья семья работа проект идея книга "
        "сад закат поездка поезд горы море выходные ужин рецепт хлеб фото учеба команда встреча спасибо"
    ),
    "ka": (
        "დღეს ხვალ დილა ყავა ქალაქი მდინარე სინათლე მუსიკა მეგობრები ოჯახი სამუშაო პროექტი იდეა წიგნი "
        "ბაღი მზე მოგზაურობა მატარებელი მთა ზღვა ვახშამი პური ფოტო გუნდი შეხვედრა მადლობა სიყვარული"
    ),
    "de": (
        "heute morgen kaffee spaziergang stadt fluss licht musik freunde familie arbeit projekt idee buch "
        "garten sonnenuntergang reise zug berge meer wochenende abendessen rezept brot foto team danke"
    ),
}
WORDS = {language: words.split() for language, words in _WORDS.items()}
LANGUAGES = ["en"] * 70 + ["ru"] * 12 + ["ka"] * 12 + ["de"] * 6
TAGS = ["#selflink", "#morning", "#buildinpublic", "#photo", "#music", "#travel", "#tbilisi", "#focus"]
# Delay between a post and a like (or comment) on it: a fast burst and a long tail, as mixtures of
# exponentials (weight, mean seconds). Likes that would lie in the future have not happened yet.
LIKE_DELAYS = ((0.65, 3 * 3600.0), (0.35, 36 * 3600.0))
COMMENT_DELAYS = ((0.8, 2 * 3600.0), (0.2, 24 * 3600.0))


def delay_masses(components, age: float) -> list[float]:
    """Probability mass of each component below `age` (its weight times its CDF at age)."""
    return [weight * -math.expm1(-age / mean) for weight, mean in components]


def truncated_delay(rng: random.Random, components, masses: list[float]) -> float:
    """A delay drawn from the mixture conditioned on being below the age the masses were computed for."""
    pick = rng.random() * sum(masses)
    index = len(components) - 1
    for position, mass in enumerate(masses):
        if pick < mass:
            index = position
            break
        pick -= mass
    weight, mean = components[index]
    below = masses[index] / weight  # the component's CDF at the age
    return -mean * math.log1p(-rng.random() * below)  # inverse CDF of the exponential truncated at the age


def exact_counts(rng: random.Random, targets: list[float], caps: list[int], total: int) -> list[int]:
    """Integer counts close to `targets` (floors, then the rest by weight), never above `caps`, summing to
    `total` (or to everything the caps allow)."""
    counts = [min(cap, int(target)) for target, cap in zip(targets, caps, strict=True)]
    left = min(total, sum(caps)) - sum(counts)
    while left > 0:
        open_ = [i for i, (n, cap) in enumerate(zip(counts, caps, strict=True)) if n < cap and targets[i] > 0]
        if not open_:
            break
        for i in rng.choices(open_, weights=[targets[i] + 0.01 for i in open_], k=min(left, len(open_))):
            if left and counts[i] < caps[i]:
                counts[i] += 1
                left -= 1
    return counts


class Progress:
    """One status line per table: rewritten in place on a terminal, every 25% otherwise."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, max(total, 1)
        self.started = self.shown_at = time.monotonic()
        self.tty = sys.stdout.isatty()
        self.next_step = 0.25

    def update(self, done: int) -> None:
        now = time.monotonic()
        fraction = done / self.total
        if self.tty and now - self.shown_at >= 0.2:
            self.shown_at = now
            status = f"  {self.label}: {done:,}/{self.total:,} ({fraction:.0%})  {now - self.started:.1f} s"
            print("\r" + prefixed(status), end="", flush=True)
        elif not self.tty and fraction >= self.next_step and fraction < 1:
            self.next_step += 0.25
            say(f"  {self.label}: {done:,}/{self.total:,} ({fraction:.0%})  {now - self.started:.1f} s")

    def done(self, note: str = "") -> float:
        elapsed = time.monotonic() - self.started
        prefix = "\r\033[K" if self.tty else ""
        print(prefix + prefixed(f"  {self.label}: {self.total:,} in {elapsed:.1f} s{note}"), flush=True)
        return elapsed


class Dataset:
    """The whole seed, generated in memory (ids are 1-based positions; rows are written in id order)."""

    def __init__(self, params: dict, now: float) -> None:
        self.p = params
        self.now = now
        self.rng = random.Random(params["seed"])  # noqa: S311 - benchmark data, not security

    def generate(self) -> None:
        started = time.monotonic()
        self.users()
        self.follows()
        self.posts()
        self.likes()
        self.comments()
        say(f"  generated in {time.monotonic() - started:.1f} s")

    def users(self) -> None:
        rng, n = self.rng, self.p["users"]
        # Popularity: a Zipf-like weight by a random rank, so user 1 is as typical as anyone.
        ranks = list(range(1, n + 1))
        rng.shuffle(ranks)
        self.popularity = [rank**-0.8 for rank in ranks]
        self.user_created = [self.now - self.p["days"] * DAY - rng.random() * 335 * DAY for _ in range(n)]
        # Activity (how often someone posts) follows popularity loosely; a third of the people never post.
        self.activity = [0.0 if rng.random() < 0.33 else (w**0.5) * rng.lognormvariate(0, 0.8) for w in self.popularity]
        # A few deactivated accounts, never among the first tenth (the signed-in bench users come from there).
        self.inactive = set(rng.sample(range(n // 10, n), n // 200))

    def follows(self) -> None:
        rng, n = self.rng, self.p["users"]
        cumulative = []
        running = 0.0
        for weight in self.popularity:
            running += weight
            cumulative.append(running)
        everyone = range(n)
        self.following: list[list[int]] = []
        for user in range(n):
            want = 50 + int(150 * rng.random() ** 1.8)  # 50-200, most people near the low end
            picked: dict[int, None] = {}
            while len(picked) < want:
                for other in rng.choices(everyone, cum_weights=cumulative, k=want):
                    if other != user and other not in picked:
                        picked[other] = None
                        if len(picked) == want:
                            break
            self.following.append(list(picked))
        # A few blocks (which remove follows both ways, as block_create does) and mutes of followees.
        self.blocks = set()
        while len(self.blocks) < n // 50:
            a, b = rng.randrange(n), rng.randrange(n)
            if a != b and (b, a) not in self.blocks:
                self.blocks.add((a, b))
        for a, b in self.blocks:
            self.following[a] = [x for x in self.following[a] if x != b]
            self.following[b] = [x for x in self.following[b] if x != a]
        self.mutes = set()
        while len(self.mutes) < n // 10:
            a = rng.randrange(n)
            self.mutes.add((a, rng.choice(self.following[a])))
        self.followers: list[list[int]] = [[] for _ in range(n)]
        for user, followees in enumerate(self.following):
            for other in followees:
                self.followers[other].append(user)
        self.follow_count = sum(len(f) for f in self.following)

    def posts(self) -> None:
        rng, count, now = self.rng, self.p["posts"], self.now
        span = self.p["days"] * DAY
        times = sorted(now - rng.random() * span for _ in range(count))
        authors = rng.choices(range(self.p["users"]), weights=self.activity, k=count)
        self.post_author = authors
        self.post_time = times
        self.post_visibility = []
        self.post_media: list[tuple[str, int]] = []  # ("video", 1) / ("image", k) / ("", 0)
        self.post_text = []
        self.post_language = []
        for _ in range(count):
            roll = rng.random()
            self.post_visibility.append("public" if roll < 0.85 else "followers" if roll < 0.97 else "private")
            roll = rng.random()
            self.post_media.append(
                ("video", 1) if roll < 0.08 else ("image", rng.choice((1, 1, 1, 2, 3, 4))) if roll < 0.23 else ("", 0)
            )
            language = rng.choice(LANGUAGES)
            words = rng.choices(WORDS[language], k=rng.randint(4, 40))
            if rng.random() < 0.2:
                words.append(rng.choice(TAGS))
            self.post_language.append(language)
            self.post_text.append(" ".join(words).capitalize() + ".")
        self.posts_by_user = [0] * self.p["users"]
        for author in authors:
            self.posts_by_user[author] += 1

    def _appeal(self) -> list[float]:
        rng = self.rng
        bonus = {"video": 1.6, "image": 1.2, "": 1.0}
        return [
            0.0
            if visibility == "private"
            else (self.popularity[author] ** 0.6) * rng.lognormvariate(0, 1.0) * bonus[media[0]]
            for author, visibility, media in zip(self.post_author, self.post_visibility, self.post_media, strict=True)
        ]

    def _audience(self, post: int) -> tuple[int, list[int] | None]:
        """How many people can react to a post, and who (None: anyone but the author)."""
        if self.post_visibility[post] == "followers":
            people = self.followers[self.post_author[post]]
            return len(people), people
        return self.p["users"] - 1, None

    def likes(self) -> None:
        rng, now = self.rng, self.now
        appeal = self._appeal()
        self.appeal = appeal
        masses = [delay_masses(LIKE_DELAYS, max(now - t, 1.0)) for t in self.post_time]
        expected = [a * sum(m) for a, m in zip(appeal, masses, strict=True)]
        scale = self.p["likes"] / max(sum(expected), 1e-9)
        caps = [self._audience(post)[0] for post in range(self.p["posts"])]
        counts = exact_counts(rng, [e * scale for e in expected], caps, self.p["likes"])
        self.like_count = counts
        rows = []
        n = self.p["users"]
        for post, wanted in enumerate(counts):
            if not wanted:
                continue
            _, people = self._audience(post)
            if people is None:
                author = self.post_author[post]
                likers = [u for u in rng.sample(range(n), min(wanted + 1, n)) if u != author][:wanted]
            else:
                likers = rng.sample(people, wanted)
            start, mass = self.post_time[post], masses[post]
            for user in likers:
                rows.append((start + truncated_delay(rng, LIKE_DELAYS, mass), post, user))
        rows.sort()  # ids in time order, as likes arrive
        self.like_rows = rows

    def comments(self) -> None:
        rng, now = self.rng, self.now
        masses = [delay_masses(COMMENT_DELAYS, max(now - t, 1.0)) for t in self.post_time]
        expected = [(a**1.1) * sum(m) for a, m in zip(self.appeal, masses, strict=True)]
        scale = self.p["comments"] / max(sum(expected), 1e-9)
        caps = [5 * self._audience(post)[0] if self.appeal[post] else 0 for post in range(self.p["posts"])]
        counts = exact_counts(rng, [e * scale for e in expected], caps, self.p["comments"])
        self.comment_count = counts
        rows = []  # (created_at, post, author, parent position within the post's thread or -1, text)
        n = self.p["users"]
        for post, wanted in enumerate(counts):
            if not wanted:
                continue
            _, people = self._audience(post)
            author = self.post_author[post]
            times = sorted(
                self.post_time[post] + truncated_delay(rng, COMMENT_DELAYS, masses[post]) for _ in range(wanted)
            )
            language = self.post_language[post]
            for position, created in enumerate(times):
                roll = rng.random()
                if roll < 0.1:
                    writer = author
                elif people is None:
                    writer = rng.randrange(n)
                else:
                    writer = rng.choice(people)
                parent = rng.randrange(position) if position and rng.random() < 0.25 else -1
                text = " ".join(rng.choices(WORDS[language], k=rng.randint(2, 20))).capitalize()
                rows.append((created, post, writer, parent, position, text))
        rows.sort()
        self.comment_rows = rows


# --- seeding (runs in a child process: `python -m scripts.bench.feed --internal-seed OUTPUT`) ----------------


def timestamp(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def copy_rows(cursor, table: str, columns: str, rows, total: int, label: str | None = None) -> None:
    progress = Progress(label or table, total)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for done, row in enumerate(rows, start=1):
            copy.write_row(row)
            if done % 20000 == 0:
                progress.update(done)
    progress.done()


def seed(args: argparse.Namespace, output: Path) -> None:
    """Fill the (new, migrated) bench database, or tidy a reused one, and write what the run needs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
    import django

    django.setup()
    import psycopg
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    url = os.environ["DATABASE_URL"]
    params = seed_parameters(args)
    rate = settings.RATE_POSTS_PER_USER
    say(
        f"  seeding as the server will see it: DEBUG={settings.DEBUG}, DATABASE_POOL_MAX={settings.DATABASE_POOL_MAX}, "
        f"RATE_POSTS_PER_USER={rate.count}/{rate.seconds}s"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        meta = conn.execute("SELECT to_regclass('bench_feed_seed') IS NOT NULL").fetchone()[0]
        previous = (
            conn.execute("SELECT params, seeded_at, max_post_id FROM bench_feed_seed").fetchone() if meta else None
        )
        if args.reuse and previous and previous[0] == params:
            tidy(conn, previous)
        else:
            if args.reuse:
                say("  --reuse: no earlier seed with these parameters in this database; seeding it")
            load(conn, params, make_password(BENCH_PASSWORD))
        users = conn.execute(
            "SELECT id FROM accounts_user WHERE email = ANY(%s) ORDER BY email",
            ([bench_email(i) for i in range(1, args.signed_in + 1)],),
        ).fetchall()
        summary = summarise(conn)
    output.write_text(json.dumps({"signed_in_ids": [row[0] for row in users], "summary": summary}))


def load(conn, params: dict, password_hash: str) -> None:
    started = time.monotonic()
    now = time.time()
    data = Dataset(params, now)
    say(
        f"  generating {params['users']:,} users, their follow graph, {params['posts']:,} posts over "
        f"{params['days']} days, {params['likes']:,} likes and {params['comments']:,} comments (seed {params['seed']})"
    )
    data.generate()
    superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        if superuser:
            # Foreign-key triggers off for this bulk load only; every reference is checked below instead.
            cursor.execute("SET LOCAL session_replication_role = replica")
        write_tables(cursor, data, password_hash)
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = origin")
        check_consistency(cursor)
        cursor.execute(
            "CREATE TABLE bench_feed_seed (params jsonb NOT NULL, seeded_at timestamptz NOT NULL, "
            "max_post_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO bench_feed_seed VALUES (%s, %s, %s)", (json.dumps(params), timestamp(now), params["posts"])
        )
    analyse(conn)
    say(f"  seeded in {time.monotonic() - started:.1f} s")


def write_tables(cursor, data: Dataset, password_hash: str) -> None:
    from modules.accounts.models import new_account_key

    p, now = data.p, timestamp(data.now)
    n = p["users"]
    copy_rows(
        cursor,
        "accounts_user",
        "id, password, is_superuser, email, handle, account_key, name, bio, photo, locale, intention, privacy, "
        "dm_policy, language, push_enabled, email_enabled, digest_enabled, is_active, is_staff, created_at, updated_at",
        (
            (
                i + 1,
                password_hash,  # Argon2 once; every bench user shares the hash
                False,
                bench_email(i + 1),
                f"feed_{i + 1:05d}",
                new_account_key(),  # random, as for every account (never read by the feeds)
                f"Feed User {i + 1}",
                "",
                "",
                "en",
                "load testing",
                "public",
                "everyone",
                "en",
                True,
                True,
                False,
                i not in data.inactive,
                False,
                timestamp(data.user_created[i]),
                now,
            )
            for i in range(n)
        ),
        n,
        "users",
    )

    def follow_rows():
        rng = random.Random(p["seed"] + 1)  # noqa: S311 - benchmark data
        number = 0
        for user, followees in enumerate(data.following):
            for other in followees:
                number += 1
                since = max(data.user_created[user], data.user_created[other])
                yield number, timestamp(since + rng.random() * (data.now - since)), other + 1, user + 1

    copy_rows(
        cursor, "social_follow", "id, created_at, followee_id, follower_id", follow_rows(), data.follow_count, "follows"
    )
    for table, columns, pairs in (
        ("social_block", "blocker_id, blocked_id", data.blocks),
        ("social_mute", "muter_id, muted_id", data.mutes),
    ):
        cursor.execute(
            f"INSERT INTO {table} ({columns}, created_at) "  # noqa: S608 - fixed names
            "SELECT a, b, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(a, b)",
            (now, [a + 1 for a, _ in sorted(pairs)], [b + 1 for _, b in sorted(pairs)]),
        )
    say(f"    blocks: {len(data.blocks):,} (follows between the two removed), mutes: {len(data.mutes):,}")

    # Media: one MP4 per video post, 1-4 JPEGs per image post (rows only: files are never read by the feeds).
    assets, links = [], []
    for post, (kind, count) in enumerate(data.post_media):
        for position in range(count):
            asset = len(assets) + 1
            path = f"bench-feed/{kind}s/{post + 1}-{position}.{'mp4' if kind == 'video' else 'jpg'}"
            video = kind == "video"
            assets.append(
                (
                    asset,
                    kind,
                    path,
                    f"bench-feed/thumbnails/{post + 1}-{position}.jpg",
                    "video/mp4" if video else "image/jpeg",
                    1080,
                    1920 if video else 1350,
                    round(5 + (post % 55) + position * 0.5, 1) if video else None,
                    4_000_000 if video else 250_000,
                    hashlib.sha256(path.encode()).hexdigest(),
                    timestamp(data.post_time[post]),
                    data.post_author[post] + 1,
                )
            )
            links.append((len(links) + 1, position, asset, post + 1))
    copy_rows(
        cursor,
        "media_mediaasset",
        "id, kind, path, thumbnail_path, mime_type, width, height, duration_seconds, size_bytes, sha256, "
        "created_at, owner_id",
        assets,
        len(assets),
        "media assets",
    )
    copy_rows(
        cursor,
        "posts_post",
        "id, text, visibility, language, has_video, media_count, like_count, comment_count, created_at, author_id",
        (
            (
                post + 1,
                data.post_text[post],
                data.post_visibility[post],
                data.post_language[post],
                data.post_media[post][0] == "video",
                data.post_media[post][1],
                data.like_count[post],
                data.comment_count[post],
                timestamp(data.post_time[post]),
                data.post_author[post] + 1,
            )
            for post in range(p["posts"])
        ),
        p["posts"],
        "posts (with their search vectors)",
    )
    copy_rows(cursor, "posts_postmedia", "id, position, asset_id, post_id", links, len(links), "post media")
    copy_rows(
        cursor,
        "posts_postlike",
        "id, created_at, post_id, user_id",
        ((number, timestamp(t), post + 1, user + 1) for number, (t, post, user) in enumerate(data.like_rows, 1)),
        len(data.like_rows),
        "likes",
    )
    ids: dict[tuple[int, int], int] = {}

    def comment_rows():
        for number, (t, post, writer, parent, position, text) in enumerate(data.comment_rows, 1):
            ids[post, position] = number
            yield number, text, 0, 0, timestamp(t), writer + 1, ids[post, parent] if parent >= 0 else None, post + 1

    copy_rows(
        cursor,
        "posts_comment",
        "id, text, media_count, like_count, created_at, author_id, parent_id, post_id",
        comment_rows(),
        len(data.comment_rows),
        "comments",
    )
    # Counters, from the rows (as stats_recount would, plus posts).
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
    for table in (
        "accounts_user",
        "social_follow",
        "social_block",
        "social_mute",
        "media_mediaasset",
        "posts_post",
        "posts_postmedia",
        "posts_postlike",
        "posts_comment",
    ):
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"  # noqa: S608
        )


CHECKS = {
    "likes → posts": "SELECT count(*) FROM posts_postlike l LEFT JOIN posts_post p ON p.id = l.post_id "
    "WHERE p.id IS NULL",
    "likes → users": "SELECT count(*) FROM posts_postlike l LEFT JOIN accounts_user u ON u.id = l.user_id "
    "WHERE u.id IS NULL",
    "comments → posts, users, parents": "SELECT count(*) FROM posts_comment c "
    "LEFT JOIN posts_post p ON p.id = c.post_id LEFT JOIN accounts_user u ON u.id = c.author_id "
    "LEFT JOIN posts_comment r ON r.id = c.parent_id "
    "WHERE p.id IS NULL OR u.id IS NULL OR (c.parent_id IS NOT NULL AND (r.id IS NULL OR r.post_id <> c.post_id))",
    "posts → users": "SELECT count(*) FROM posts_post p LEFT JOIN accounts_user u ON u.id = p.author_id "
    "WHERE u.id IS NULL",
    "follows → users": "SELECT count(*) FROM social_follow f LEFT JOIN accounts_user a ON a.id = f.follower_id "
    "LEFT JOIN accounts_user b ON b.id = f.followee_id WHERE a.id IS NULL OR b.id IS NULL",
    "post media → posts, assets": "SELECT count(*) FROM posts_postmedia m LEFT JOIN posts_post p ON p.id = m.post_id "
    "LEFT JOIN media_mediaasset a ON a.id = m.asset_id WHERE p.id IS NULL OR a.id IS NULL",
    "like_count = likes": "SELECT count(*) FROM posts_post p LEFT JOIN (SELECT post_id, count(*) AS n FROM "
    "posts_postlike GROUP BY post_id) l ON l.post_id = p.id WHERE p.like_count <> coalesce(l.n, 0)",
    "comment_count = comments": "SELECT count(*) FROM posts_post p LEFT JOIN (SELECT post_id, count(*) AS n FROM "
    "posts_comment GROUP BY post_id) c ON c.post_id = p.id WHERE p.comment_count <> coalesce(c.n, 0)",
    "media_count = post media": "SELECT count(*) FROM posts_post p LEFT JOIN (SELECT post_id, count(*) AS n FROM "
    "posts_postmedia GROUP BY post_id) m ON m.post_id = p.id WHERE p.media_count <> coalesce(m.n, 0)",
    "user stats = rows": "SELECT count(*) FROM social_userstats s WHERE s.posts_count <> (SELECT count(*) FROM "
    "posts_post p WHERE p.author_id = s.user_id) OR s.followers_count <> (SELECT count(*) FROM social_follow f "
    "WHERE f.followee_id = s.user_id) OR s.following_count <> (SELECT count(*) FROM social_follow f "
    "WHERE f.follower_id = s.user_id)",
}


def check_consistency(cursor) -> None:
    started = time.monotonic()
    bad = {}
    for name, sql in CHECKS.items():
        cursor.execute(sql)
        if count := cursor.fetchone()[0]:
            bad[name] = count
    if bad:
        raise BenchError(f"the generated data is inconsistent: {bad}")
    took = time.monotonic() - started
    say(f"    references and counters checked against the rows ({len(CHECKS)} checks, {took:.1f} s)")


def analyse(conn) -> None:
    import psycopg

    started = time.monotonic()
    conn.execute("VACUUM (ANALYZE)")  # autocommit connection: VACUUM cannot run in a transaction
    say(f"  VACUUM (ANALYZE) in {time.monotonic() - started:.1f} s (statistics and visibility map up to date)")
    # The load dirtied hundreds of MB: flush them now rather than in a checkpoint spread over the measurements.
    started = time.monotonic()
    try:
        conn.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        say("  CHECKPOINT not allowed for this role: the load's writes may still be flushed during the run")
    else:
        say(f"  CHECKPOINT in {time.monotonic() - started:.1f} s (the load's writes flushed before the measurements)")


def tidy(conn, previous) -> None:
    """Reuse an earlier seed: remove what the benchmark itself added since, so runs start alike. Through the
    ORM, so everything that hangs off those rows goes with them as in the application."""
    from django.db import transaction

    from modules.accounts.models import AuthSession
    from modules.core.models import RateLimitCounter
    from modules.posts.models import FeedSession, Post
    from modules.social.models import UserStats

    _, seeded_at, max_post_id = previous
    age = dt.datetime.now(dt.UTC) - seeded_at
    say(f"  --reuse: keeping the seed of {seeded_at:%Y-%m-%d %H:%M:%S} UTC ({age.total_seconds() / 3600:.1f} h ago)")
    if age > dt.timedelta(hours=2):
        say("  warning: the seed is more than 2 h old, so fewer likes fall in the last 24 h than in a fresh seed")
    with transaction.atomic():
        added = Post.objects.filter(id__gt=max_post_id)
        authors = set(added.values_list("author_id", flat=True))
        posts = added.count()
        added.delete()
        for stats in UserStats.objects.filter(user_id__in=authors):
            stats.posts_count = Post.objects.filter(author_id=stats.user_id).count()
            stats.save(update_fields=["posts_count"])
        sessions, _ = FeedSession.objects.all().delete()
        AuthSession.objects.all().delete()
        RateLimitCounter.objects.all().delete()
    say(f"  removed {posts:,} posts and {sessions:,} feed sessions of earlier runs, and every sign-in")
    analyse(conn)


def summarise(conn) -> dict:
    def one(sql: str):
        return conn.execute(sql).fetchone()

    counts = {
        table: one(f"SELECT count(*) FROM {table}")[0]  # noqa: S608 - fixed names
        for table in (
            "accounts_user",
            "social_follow",
            "social_block",
            "social_mute",
            "posts_post",
            "posts_postmedia",
            "posts_postlike",
            "posts_comment",
        )
    }
    following = one(
        "SELECT min(n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n), max(n) "
        "FROM (SELECT count(*) AS n FROM social_follow GROUP BY follower_id) x"
    )
    followers = one(
        "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY followers_count), "
        "percentile_disc(0.99) WITHIN GROUP (ORDER BY followers_count), max(followers_count) FROM social_userstats"
    )
    visibility = dict(conn.execute("SELECT visibility, count(*) FROM posts_post GROUP BY 1").fetchall())
    videos = one("SELECT count(*) FILTER (WHERE has_video), count(*) FILTER (WHERE media_count > 0) FROM posts_post")
    likes = one(
        "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY like_count), "
        "percentile_disc(0.99) WITHIN GROUP (ORDER BY like_count), max(like_count) FROM posts_post"
    )
    recent = one(
        "SELECT (SELECT count(*) FROM posts_postlike WHERE created_at >= now() - interval '24 hours'), "
        "(SELECT count(*) FROM posts_comment WHERE created_at >= now() - interval '24 hours'), "
        "(SELECT count(*) FROM posts_post WHERE created_at >= now() - interval '24 hours')"
    )
    size = one("SELECT pg_size_pretty(pg_database_size(current_database()))")[0]
    return {
        "rows": counts,
        "following_per_user": {"min": following[0], "median": following[1], "max": following[2]},
        "followers_per_user": {"median": followers[0], "p99": followers[1], "max": followers[2]},
        "posts_by_visibility": visibility,
        "posts_with_video": videos[0],
        "posts_with_media": videos[1],
        "likes_per_post": {"median": likes[0], "p99": likes[1], "max": likes[2]},
        "last_24h": {"likes": recent[0], "comments": recent[1], "posts": recent[2]},
        "inactive_users": one("SELECT count(*) FROM accounts_user WHERE NOT is_active")[0],
        "database_size": size,
    }


# --- query plans (child process: `python -m scripts.bench.feed --internal-plans OUTPUT --viewers IDS`) ------


def plans(viewer_ids: list[int], output: Path) -> None:
    """Run both feeds for a typical bench user with the real code, capture the SQL Django sends, and EXPLAIN
    (ANALYZE, BUFFERS) each SELECT directly against the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from modules.posts import feeds

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT follower_id, count(*) FROM social_follow WHERE follower_id = ANY(%s) GROUP BY 1 ORDER BY 2, 1",
            [viewer_ids],
        )
        ranked = cursor.fetchall()
    viewer, following = ranked[len(ranked) // 2]  # the median of the signed-in users by follows

    def capture(call) -> list[str]:
        call()  # once to warm the caches, as on a running server
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                call()
            transaction.set_rollback(True)  # the FeedSession insert is not kept
        return [q["sql"] for q in queries.captured_queries]

    first = feeds.ranked_feed(viewer_id=viewer, feed="for_you", cursor=None, limit=PAGE_SIZE)  # kept, for page 2
    captured = {
        "for_you": capture(lambda: feeds.ranked_feed(viewer_id=viewer, feed="for_you", cursor=None, limit=PAGE_SIZE)),
        "for_you p.2": capture(
            lambda: feeds.ranked_feed(viewer_id=viewer, feed="for_you", cursor=first.next, limit=PAGE_SIZE)
        ),
        "following": capture(
            lambda: feeds.chronological_feed(viewer_id=viewer, feed="following", cursor=None, limit=PAGE_SIZE)
        ),
    }
    results = []
    with connection.cursor() as cursor:
        for feed, statements in captured.items():
            for sql in statements:
                entry = {"feed": feed, "sql": sql, "role": query_role(feed, sql)}
                if sql.lstrip().upper().startswith("SELECT"):
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, VERBOSE false) {sql}")
                    entry["plan"] = [row[0] for row in cursor.fetchall()]
                    match = re.search(r"Execution Time: ([\d.]+) ms", entry["plan"][-1])
                    entry["execution_ms"] = float(match[1]) if match else None
                results.append(entry)
    output.write_text(json.dumps({"viewer_id": viewer, "viewer_following": following, "queries": results}))


def query_role(feed: str, sql: str) -> str:
    """What a captured statement is for (the interesting ones have a name; the rest keep their table)."""
    text = " ".join(sql.split())
    if text.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
        return "savepoint"
    # The table of the first selected column (Django qualifies every column): subqueries come later.
    table = re.match(r'SELECT (?:DISTINCT )?"(\w+)"\.', text) or re.match(r'INSERT INTO "(\w+)"', text)
    name = table[1] if table else "?"
    if feed == "for_you" and name == "posts_post" and "LIMIT 500" in text:
        if "posts_postlike" in text:
            return "ranked feed: candidates, with their likes and comments in the last 24 h"
        return "ranked feed: candidates"
    if name == "posts_postlike" and "GROUP BY" in text:
        return "ranked feed: likes in the last 24 h"
    if name == "posts_comment" and "GROUP BY" in text:
        return "ranked feed: comments in the last 24 h"
    if feed == "following" and name == "posts_post" and "ORDER BY" in text and "LIMIT" in text:
        return "chronological feed: page"
    if text.startswith("INSERT"):
        return f"insert into {name}"
    return name


def abbreviate(text: str, keep: int = 6) -> str:
    """Long id lists shortened for the terminal: `IN (1, 2, 3, …, 500 values)`, `'{1,2,3,…,500 values}'`."""

    def shorten(match: re.Match, separator: str) -> str:
        values = match[2].split(separator)
        if len(values) <= keep:
            return match[0]
        return f"{match[1]}{separator.join(values[:keep])}{separator}… {len(values)} values{match[3]}"

    text = re.sub(r"(IN \()([\d, ]+)(\))", lambda m: shorten(m, ", "), text)
    return re.sub(r"('\{)([\d,]+)(\}')", lambda m: shorten(m, ","), text)


KEY_ROLES = (
    "ranked feed: candidates",
    "ranked feed: candidates, with their likes and comments in the last 24 h",
    "ranked feed: likes in the last 24 h",
    "ranked feed: comments in the last 24 h",
    "chronological feed: page",
)


# --- orchestration ---------------------------------------------------------------------------------------


class FeedBench(K6Bench):
    name = "bench-feed"
    module = "scripts.bench.feed"
    database_name = BENCH_DATABASE

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.admin_url = ""
        self.seed_summary: dict = {}
        self.seed_seconds = 0.0
        self.plans: dict = {}

    # -- steps ------------------------------------------------------------------------------------

    def database(self) -> None:
        explicit = self.args.database_url
        if explicit:
            self.admin_url = with_database(explicit, "postgres")
            say(
                f"database: {self.database_name!r} on the server of {redact(explicit)} (given with --database-url; "
                "only that database is dropped, recreated and written)"
            )
        elif os.environ.get("DATABASE_URL"):
            raise BenchError(
                "DATABASE_URL is set, and the benchmark creates a database with 10,000 users on its server. To "
                'benchmark on that server anyway, pass it explicitly: just bench-feed --database-url "$DATABASE_URL" '
                f"(only its database {self.database_name!r} is used), or unset DATABASE_URL to use the embedded "
                "PostgreSQL."
            )
        else:
            from selflink.embedded_postgres import server

            self.embedded = server
            say(
                f"database: embedded PostgreSQL, database {self.database_name!r} (the 'selflink' dev database is not "
                "touched)"
            )
            self.admin_url = with_database(server.acquire(database="postgres"), "postgres")
            info = server.info()
            say(f"embedded PostgreSQL ready on 127.0.0.1:{info.port if info else '?'} (data in {server.pgdata})")
        self.database_url = with_database(self.admin_url, self.database_name)

    def recreate_database(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database_name,)).fetchone()
            if self.args.reuse and exists:
                say(f"--reuse: keeping database {self.database_name!r} if it holds a seed with the same parameters")
                return
            say(f"{'dropping and recreating' if exists else 'creating'} database {self.database_name!r}")
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database_name}"')

    def server_settings(self) -> dict[str, str]:
        return dict.fromkeys(RELAXED_LIMITS, RELAXED_RATE)

    def migrate_and_seed(self) -> list[int]:
        self.recreate_database()
        self.run_child("applying migrations to the bench database", [PYTHON, "manage.py", "migrate", "--no-input"])
        output = self.workdir / "seed.json"
        a = self.args
        started = time.monotonic()
        self.run_child(
            f"seeding: {a.users:,} users, {a.posts:,} posts, {a.likes:,} likes, {a.comments:,} comments "
            f"({'reused when possible' if a.reuse else 'COPY into the new database'})",
            self.own_command(
                "--internal-seed",
                str(output),
                *("--users", str(a.users), "--posts", str(a.posts), "--likes", str(a.likes)),
                *("--comments", str(a.comments), "--days", str(a.days), "--seed", str(a.seed)),
                *("--signed-in", str(a.signed_in)),
                *(["--reuse"] if a.reuse else []),
            ),
        )
        self.seed_seconds = time.monotonic() - started
        result = json.loads(output.read_text())
        self.seed_summary = result["summary"]
        s = self.seed_summary
        say(
            f"data: {s['rows']['accounts_user']:,} users ({s['inactive_users']} deactivated), "
            f"{s['rows']['social_follow']:,} follows (following per user: {s['following_per_user']['min']}-"
            f"{s['following_per_user']['max']}, median {s['following_per_user']['median']}; followers: median "
            f"{s['followers_per_user']['median']}, p99 {s['followers_per_user']['p99']}, max "
            f"{s['followers_per_user']['max']}), {s['rows']['social_block']} blocks, {s['rows']['social_mute']} mutes"
        )
        visibility = ", ".join(f"{k} {v:,}" for k, v in s["posts_by_visibility"].items())
        say(
            f"      {s['rows']['posts_post']:,} posts ({visibility}; "
            f"{s['posts_with_video']:,} with a video, {s['posts_with_media']:,} with media), "
            f"{s['rows']['posts_postlike']:,} likes (per post: median {s['likes_per_post']['median']}, p99 "
            f"{s['likes_per_post']['p99']}, max {s['likes_per_post']['max']}), {s['rows']['posts_comment']:,} comments"
        )
        say(
            f"      last 24 h: {s['last_24h']['posts']:,} posts, {s['last_24h']['likes']:,} likes, "
            f"{s['last_24h']['comments']:,} comments; database size {s['database_size']}"
        )
        return result["signed_in_ids"]

    def explain(self, viewer_ids: list[int]) -> None:
        output = self.workdir / "plans.json"
        self.run_child(
            "EXPLAIN (ANALYZE, BUFFERS) of the feed queries for a typical bench user (SQL captured from the real "
            "feed code)",
            self.own_command("--internal-plans", str(output), "--viewers", ",".join(map(str, viewer_ids))),
        )
        self.plans = json.loads(output.read_text())
        lines = [
            f"EXPLAIN (ANALYZE, BUFFERS) for user {self.plans['viewer_id']} "
            f"(follows {self.plans['viewer_following']}), {self.stamp}",
            "",
            "Every statement of one request, as captured:",
        ]
        for entry in self.plans["queries"]:
            took = f"{entry['execution_ms']:7.2f} ms" if entry.get("execution_ms") is not None else "        -"
            lines.append(f"  {entry['feed']:<11} {took}  {entry['role']}")
        full, short = list(lines), list(lines)
        for entry in self.plans["queries"]:
            if entry["role"] in KEY_ROLES:
                full += ["", f"--- {entry['role']} ---", entry["sql"], "", *entry["plan"]]
                short += ["", f"--- {entry['role']} ---", abbreviate(entry["sql"]), ""]
                short += [abbreviate(line) for line in entry["plan"]]
        path = self.results_path(".plans.txt")
        path.write_text("\n".join(full) + "\n")
        print("\n".join(short) + "\n", flush=True)
        say(f"plans written to {shown(path)} (with the complete SQL; id lists are shortened above)")

    def sign_in(self, count: int) -> list[dict]:
        say(
            f"signing in {count} bench users through POST /api/v1/auth/login/ (the VUs act as them in turn), "
            "and opening one ranked feed each for the page-2 scenario"
        )
        started = time.monotonic()
        credentials = []
        for index in range(1, count + 1):
            body = login(self.base_url, bench_email(index))
            credentials.append({"userId": body["user"]["id"], "access": body["token"]})
        for credential in credentials:
            url = f"{self.base_url}/api/v1/feed/for_you/?limit={PAGE_SIZE}"
            status, body = http_json("GET", url, timeout=30, token=credential["access"])
            if status != 200 or not body.get("next"):
                raise BenchError(f"GET /api/v1/feed/for_you/ for user {credential['userId']}: HTTP {status} {body}")
            credential["page2"] = body["next"]
        say(f"  done in {time.monotonic() - started:.1f} s")
        return credentials

    def scenarios(self) -> list[dict]:
        order = [(kind, vus) for vus in self.args.concurrency for kind in FEED_KINDS]
        order += [("posts_create", vus) for vus in self.args.concurrency]  # last: new posts change the feeds
        start = self.args.warmup + self.gap_seconds if self.args.warmup else 0
        scenarios = []
        if self.args.warmup:
            scenarios.append(
                {
                    "name": "warmup",
                    "kind": "warmup",
                    "vus": 1,
                    "startSeconds": 0,
                    "durationSeconds": self.args.warmup,
                    "measured": False,
                }
            )
        for kind, vus in order:
            scenarios.append(
                {
                    "name": f"{kind}_c{vus}",
                    "kind": kind,
                    "vus": vus,
                    "startSeconds": start,
                    "durationSeconds": self.args.duration,
                    "measured": True,
                }
            )
            start += self.args.duration + self.gap_seconds
        return scenarios

    def run_seconds(self) -> int:
        # Every scenario reuses the sign-in's access token.
        count = 4 * len(self.args.concurrency)
        warmup = self.args.warmup + self.gap_seconds if self.args.warmup else 0
        return warmup + count * self.args.duration + (count - 1) * self.gap_seconds

    def run_scenarios(self, credentials: list[dict], scenarios: list[dict]) -> dict:
        config = {
            "baseUrl": self.base_url,
            "scenarios": scenarios,
            "gapSeconds": self.gap_seconds,
            "pageSize": PAGE_SIZE,
            "postMarker": POST_MARKER,
            "credentials": credentials,
        }
        measured = [s for s in scenarios if s["measured"]]
        plan = (
            f"{len(measured)} scenarios one after the other, {self.args.duration} s each"
            f"{f' after a {self.args.warmup} s warm-up (not measured)' if self.args.warmup else ''}, about "
            f"{self.run_seconds()} s in total: {', '.join(s['name'] for s in measured)}"
        )
        return self.run_k6(K6_SCRIPT, config, plan, quiet=True)

    def report(self, summary: dict, scenarios: list[dict], k6_version: str) -> int:
        rows = []
        for scenario in (s for s in scenarios if s["measured"]):
            name = scenario["name"]
            count, duration, error_rate = k6_endpoint(summary["metrics"], name)
            p95 = round(duration.get("p(95)", 0.0), 2)
            target = scenario["kind"] in FEED_KINDS and scenario["vus"] == 1
            rows.append(
                {
                    "scenario": name,
                    "endpoint": KINDS[scenario["kind"]].replace("  ", " "),
                    "concurrency": scenario["vus"],
                    "requests": count,
                    "rps": round(count / scenario["durationSeconds"], 1),
                    "p50_ms": round(duration.get("p(50)", 0.0), 2),
                    "p90_ms": round(duration.get("p(90)", 0.0), 2),
                    "p95_ms": p95,
                    "p99_ms": round(duration.get("p(99)", 0.0), 2),
                    "avg_ms": round(duration.get("avg", 0.0), 2),
                    "max_ms": round(duration.get("max", 0.0), 2),
                    "error_rate": round(error_rate, 5),
                    "target_p95_ms": TARGET_P95_MS if target else None,
                    "target_met": (p95 <= TARGET_P95_MS) if target else None,
                }
            )

        columns = ("VUs", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "target")
        header = f"{'endpoint':<33} " + " ".join(f"{column:>8}" for column in columns)
        say(f"results: {self.args.duration} s per scenario (req/s = requests / duration)")
        print(header)
        print("-" * len(header))
        for row in rows:
            target = "" if row["target_met"] is None else ("met" if row["target_met"] else "MISSED")
            print(
                f"{row['endpoint']:<33} {row['concurrency']:>8} {row['requests']:>8} {row['rps']:>8.1f} "
                f"{row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} {row['p99_ms']:>8.2f} "
                f"{row['error_rate'] * 100:>7.2f}% {target:>8}"
            )
        targeted = [row for row in rows if row["target_met"] is not None]
        if targeted:
            met = all(row["target_met"] for row in targeted)
            say(
                f"target (feeds at concurrency 1: p95 <= {TARGET_P95_MS:.0f} ms): "
                + ("met" if met else "MISSED for " + ", ".join(r["scenario"] for r in targeted if not r["target_met"]))
            )

        failing = [row for row in rows if row["error_rate"] > self.max_error_rate]
        self.write_results(
            {
                "timestamp": self.stamp,
                "command": shlex.join(["just", "bench-feed", *sys.argv[1:]]),
                "config": {
                    "seed": seed_parameters(self.args),
                    "reuse": self.args.reuse,
                    "concurrency": self.args.concurrency,
                    "duration_seconds": self.args.duration,
                    "warmup_seconds": self.args.warmup,
                    "signed_in_users": self.args.signed_in,
                    "page_size": PAGE_SIZE,
                    "database_pool_max": POOL_MAX,
                    "database": "embedded" if self.embedded else "--database-url",
                    "relaxed_rate_limits": dict.fromkeys(RELAXED_LIMITS, RELAXED_RATE),
                    "smoke": self.smoke,
                },
                "data": self.seed_summary,
                "seed_seconds": round(self.seed_seconds, 1),
                "machine": self.machine(k6_version),
                "results": rows,
                "plans": self.plans,
                "max_error_rate": self.max_error_rate,
                "passed": not failing,
                "k6_summary": shown(self.results_path(".k6-summary.json")),
            }
        )
        return self.verdict(failing, "scenario")

    def run(self) -> int:
        k6_version = k6_check()
        self.database()  # before anything else is started: it may refuse to run at all
        self.busy_before = machine_check("k6, daphne and PostgreSQL")
        signed_in_ids = self.migrate_and_seed()
        if not self.args.no_plans:
            self.explain(signed_in_ids)
        self.start_daphne(
            self.args.port or free_port(),
            f"rate limits relaxed for this server only: {', '.join(RELAXED_LIMITS)} = {RELAXED_RATE} (defaults "
            "20/5m, 5/15m, 120/m, 30/m, 60/m). Every k6 request comes from 127.0.0.1 and a few users post "
            "continuously, so the limits would turn the run into a rate-limit test; the limiter still runs "
            "(one counter upsert per post), so its cost is measured",
        )
        credentials = self.sign_in(self.args.signed_in)
        scenarios = self.scenarios()
        summary = self.run_scenarios(credentials, scenarios)
        return self.report(summary, scenarios, k6_version)


def main(argv: list[str] | None = None) -> int:
    speak_as("bench-feed")
    args = parse_args(argv)
    if args.internal_seed:
        seed(args, Path(args.internal_seed))
        return 0
    if args.internal_plans:
        plans([int(i) for i in args.viewers.split(",")], Path(args.internal_plans))
        return 0
    return run_bench(FeedBench(args))


if __name__ == "__main__":
    sys.exit(main())
