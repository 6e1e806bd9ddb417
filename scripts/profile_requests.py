"""CPU milliseconds and SQL statements per request, measured in one process (issue 12).

    .venv/bin/python -m scripts.profile_requests [-n 200] [--only feed_for_you,posts_create] [--handler asgi|wsgi]
    .venv/bin/python -m scripts.profile_requests --logins-concurrent 32      # peak RSS of concurrent sign-ins

Load numbers (req/s) on a shared 2-core machine are noise; what one request costs is not. This tool:

1. takes its own database `selflink_profile` (in the embedded PostgreSQL unless --database-url is given; the
   `selflink` dev database is never touched), migrates it and seeds a deterministic dataset shaped like issue 12's
   benchmark (default 2,000 users, 50 follows each, 20,000 posts over 7 days, 50,000 likes, 5,000 comments, 10
   direct threads of 100 messages). Timestamps are relative to now; everything else comes from --seed. With
   --reuse an earlier seed with the same parameters is kept (only what earlier measurements wrote is deleted);
2. configures Django as production serves it: DEBUG off, the production password hasher, the connection pool
   (DATABASE_POOL_MAX=20); only the rate limits are relaxed (every request comes from one address and a few users;
   the limiter still runs, so its statements are counted);
3. sends every request through the real entry point, in-process: `selflink.asgi.application` driven by one
   event loop as daphne drives it (default), or `selflink.wsgi.application` (--handler wsgi). No socket, no
   test client;
4. per endpoint: a few unmeasured warm-up requests, then -n requests one after the other, each timed with
   `time.process_time()` (user + system CPU of the whole process, every thread included: under ASGI the sync view
   runs in a worker thread) and `time.perf_counter()`, and its SQL statements counted by an execute wrapper on
   every database connection. Setup between requests (e.g. deleting the viewer's ranked-feed snapshot so that
   every `feed/for_you` first page is a fresh ranking) is outside the measurement;
5. prints a table (and writes JSON with --json): CPU ms per request (mean and median), wall ms, statements per
   request. The PostgreSQL server's own CPU is not included: statements are its proxy.

Profile one endpoint with py-spy:
    .venv/bin/py-spy record -o profile.json --format speedscope -- \\
        .venv/bin/python -m scripts.profile_requests --reuse --only feed_for_you -n 2000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATABASE = "selflink_profile"
PASSWORD = "selflink-profile-2026"  # profile-only accounts in the profile database
EMAIL_DOMAIN = "profile.example.com"
RELAXED = "1000000/m"
WARMUP = 10
SMOKE = {
    "users": 30,
    "follows": 5,
    "posts": 200,
    "likes": 300,
    "comments": 30,
    "threads": 2,
    "messages": 4,
    "requests": 3,
    "login_requests": 2,
}
SEED_PARAMS = ("users", "follows", "posts", "likes", "comments", "threads", "messages", "seed")


def say(message: str) -> None:
    print(f"[profile] {message}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.profile_requests",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-n", "--requests", type=int, default=200, help="measured requests per endpoint (200)")
    parser.add_argument("--login-requests", type=int, default=30, help="measured sign-ins (30: Argon2 is slow)")
    parser.add_argument("--only", default="", help=f"comma-separated endpoints, of: {', '.join(SCENARIOS)}")
    parser.add_argument("--handler", choices=("asgi", "wsgi"), default="asgi", help="entry point (default asgi)")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--follows", type=int, default=50, help="followees per user (default 50)")
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--likes", type=int, default=50000)
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=10, help="direct threads seeded with messages (default 10)")
    parser.add_argument("--messages", type=int, default=100, help="messages per seeded thread (default 100)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier seed with the same parameters")
    parser.add_argument("--database-url", help="a PostgreSQL server to use instead of the embedded one")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--show-sql",
        type=int,
        nargs="?",
        const=300,
        default=0,
        metavar="CHARS",
        help="print the statements of each endpoint's last request (the first CHARS of each, default 300)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"a check that the tool works, in seconds: tiny data in its own database ({DATABASE}_smoke), "
        f"these defaults: {', '.join(f'--{k.replace(chr(95), chr(45))} {v}' for k, v in SMOKE.items())}",
    )
    parser.add_argument(
        "--logins-concurrent",
        type=int,
        default=0,
        metavar="N",
        help="instead of the table: N sign-ins at once through ASGI, 3 rounds; the process's peak RSS",
    )
    known, _ = parser.parse_known_args(argv)
    if known.smoke:
        parser.set_defaults(**SMOKE)
    args = parser.parse_args(argv)
    args.database = f"{DATABASE}_smoke" if args.smoke else DATABASE
    return args


# --- environment and database ---------------------------------------------------------------------------------


def configure(args: argparse.Namespace) -> object | None:
    """Environment as production serves requests, the profile database; returns the embedded server (or None)."""
    from scripts.bench.runner import own_database, speak_as

    speak_as("profile")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "selflink.settings",
            "SELFLINK_ENV": "development",  # production's checks want secrets and hosts; its behaviour is below
            "DEBUG": "false",
            "DATABASE_POOL_MAX": "20",
            "LOG_LEVEL": "warning",
            "SERVE_MEDIA": "false",
            "DRAMATIQ_BROKER": "stub",  # enqueues are counted as calls, nothing is delivered
            **dict.fromkeys(
                (
                    "RATE_LOGIN_PER_IP",
                    "RATE_LOGIN_PER_ACCOUNT",
                    "RATE_POSTS_PER_USER",
                    "RATE_MESSAGES_PER_USER",
                    "RATE_THREADS_PER_USER",
                ),
                RELAXED,
            ),
        }
    )
    embedded, url, _ = own_database(args.database, args.database_url, "python -m scripts.profile_requests")
    os.environ["DATABASE_URL"] = url
    args.reusing = args.reuse and _seeded_with(url) == _params(args)
    if not args.reusing:
        _recreate(url, args.database)
    import django

    django.setup()
    return embedded


def _params(args: argparse.Namespace) -> dict:
    return {name: getattr(args, name) for name in SEED_PARAMS}


def _seeded_with(url: str) -> dict | None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('profile_seed') IS NOT NULL").fetchone()[0]:
            return None
        row = conn.execute("SELECT params FROM profile_seed").fetchone()
    return row[0] if row else None


def _recreate(url: str, database: str) -> None:
    """The profile database, dropped and created empty (it holds nothing but earlier profile runs)."""
    import psycopg

    from scripts.bench.runner import with_database

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


# --- seeding ------------------------------------------------------------------------------------------------------


def seed(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    if args.reusing:
        say("  --reuse: keeping the earlier seed (same parameters); deleting what earlier measurements wrote")
        tidy()
        return
    started = time.monotonic()
    say(f"  seeding {_params(args)} (deterministic; timestamps relative to now)")
    load(args)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE profile_seed (params jsonb NOT NULL)")
        cursor.execute("INSERT INTO profile_seed VALUES (%s)", [json.dumps(_params(args))])
        cursor.execute("ANALYZE")
    say(f"  seeded in {time.monotonic() - started:.1f} s")


def tidy() -> None:
    """What measurements add (posts, messages, sessions, feed snapshots) goes; the seed stays the same."""
    from django.db import connection

    from modules.accounts.models import AuthSession
    from modules.posts.models import FeedSession

    FeedSession.objects.all().delete()
    AuthSession.objects.exclude(user__email__startswith="profile-0000").delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_notification")
        cursor.execute("DELETE FROM realtime_realtimeevent")
        cursor.execute("DELETE FROM posts_post WHERE text LIKE 'profile post %%'")
        cursor.execute(
            "UPDATE messaging_thread t SET last_message_id = (SELECT max(id) FROM messaging_message m "
            "WHERE m.thread_id = t.id AND m.body NOT LIKE 'profile message %%')"
        )
        cursor.execute("DELETE FROM messaging_message WHERE body LIKE 'profile message %%'")


def email(index: int) -> str:
    return f"profile-{index:05d}@{EMAIL_DOMAIN}"


def load(args: argparse.Namespace) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from modules.accounts.models import User
    from modules.messaging import services as messaging
    from modules.posts.models import Comment, Post, PostLike
    from modules.social.models import Follow
    from modules.social.services import stats_recount

    rng = random.Random(args.seed)  # noqa: S311 - deterministic test data
    now = dt.datetime.now(dt.UTC)
    password = make_password(PASSWORD)  # Argon2 once; every profile user shares the hash
    User.objects.bulk_create(
        [
            User(email=email(i), handle=f"profile_{i:05d}", name=f"Profile User {i}", password=password)
            for i in range(1, args.users + 1)
        ],
        batch_size=2000,
    )
    ids = list(User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").order_by("email").values_list("id", flat=True))
    follows = []
    for user in ids:
        picks = [other for other in rng.sample(ids, min(args.follows + 1, len(ids))) if other != user]
        follows += [Follow(follower_id=user, followee_id=other) for other in picks[: args.follows]]
    for start in range(0, len(follows), 2000):
        # One transaction per chunk: the follow trigger takes an advisory lock per pair until commit.
        Follow.objects.bulk_create(follows[start : start + 2000], ignore_conflicts=True)
    stats_recount()
    say(f"    {len(ids)} users, {Follow.objects.count()} follows")

    span = dt.timedelta(days=7).total_seconds()
    times = sorted(now - dt.timedelta(seconds=rng.random() * span) for _ in range(args.posts))
    posts = Post.objects.bulk_create(
        [
            Post(
                author_id=rng.choice(ids),
                text=f"seeded post {number} " + " ".join(rng.choices(("sun", "moon", "map", "path"), k=8)),
                visibility=rng.choices(("public", "followers", "private"), weights=(85, 12, 3))[0],
                created_at=created,
            )
            for number, created in enumerate(times)
        ],
        batch_size=2000,
    )
    likes = set()
    while len(likes) < min(args.likes, len(posts) * len(ids) // 2):
        # Recent posts get more likes, as in life: the ranked feed sees non-zero 24 h counts.
        post = posts[min(len(posts) - 1, int(len(posts) * (1 - rng.random() ** 3)))]
        likes.add((post.id, rng.choice(ids), post.created_at))
    PostLike.objects.bulk_create(
        [
            PostLike(post_id=post, user_id=user, created_at=min(now, at + dt.timedelta(minutes=rng.random() * 600)))
            for post, user, at in sorted(likes)
        ],
        batch_size=5000,
    )
    commented = [posts[min(len(posts) - 1, int(len(posts) * (1 - rng.random() ** 2)))] for _ in range(args.comments)]
    Comment.objects.bulk_create(
        [
            Comment(post_id=post.id, author_id=rng.choice(ids), text="seeded comment", created_at=post.created_at)
            for post in commented
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE posts_post p SET like_count = c.n FROM (SELECT post_id, count(*) n FROM posts_postlike "
            "GROUP BY post_id) c WHERE c.post_id = p.id"
        )
        cursor.execute(
            "UPDATE posts_post p SET comment_count = c.n FROM (SELECT post_id, count(*) n FROM posts_comment "
            "GROUP BY post_id) c WHERE c.post_id = p.id"
        )
        cursor.execute(
            "UPDATE social_userstats s SET posts_count = c.n FROM (SELECT author_id, count(*) n FROM posts_post "
            "GROUP BY author_id) c WHERE c.author_id = s.user_id"
        )
    say(f"    {len(posts)} posts, {len(likes)} likes, {args.comments} comments")
    # Threads through the real services (they are few): user 1 talks with users 2 … threads+1.
    for other in ids[1 : args.threads + 1]:
        thread, _ = messaging.direct_thread_get_or_create(user_id=ids[0], other_id=other)
        for number in range(args.messages):
            sender = ids[0] if number % 2 == 0 else other
            messaging.message_send(sender_id=sender, thread_id=thread.id, body=f"seeded message {number}")
    say(f"    {args.threads} direct threads of {args.messages} messages")


# --- requests through the real entry point ----------------------------------------------------------------------


class StatementCounter:
    """Counts every SQL statement of every database connection of the process (installed on each connection as
    it is created or checked out of the pool)."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []  # the SQL of the current request (--show-sql)
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
            self.statements.append(sql)  # as it is: normalising it here would be measured too
        return execute(sql, params, many, context)

    def install(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        def attach(sender, connection, **kwargs) -> None:
            if self not in connection.execute_wrappers:
                connection.execute_wrappers.append(self)

        connection_created.connect(attach, weak=False)
        for connection in connections.all():
            attach(None, connection)


@dataclass
class Request:
    method: str
    path: str
    token: str | None = None
    body: dict | None = None
    query: str = ""


@dataclass
class Response:
    status: int
    body: bytes


class Asgi:
    """Drives `selflink.asgi.application` as daphne does: one event loop, one request at a time."""

    def __init__(self) -> None:
        from selflink.asgi import application

        self.application = application
        self.loop = asyncio.new_event_loop()

    def __call__(self, request: Request) -> Response:
        return self.loop.run_until_complete(self._call(request))

    async def _call(self, request: Request) -> Response:
        body = json.dumps(request.body).encode() if request.body is not None else b""
        headers = [(b"host", b"localhost"), (b"accept", b"application/json")]
        if request.token:
            headers.append((b"authorization", f"Bearer {request.token}".encode()))
        if request.body is not None:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": request.path,
            "raw_path": request.path.encode(),
            "query_string": request.query.encode(),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        done = asyncio.Event()
        sent = {"status": 0, "body": b""}
        delivered = False

        async def receive():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
            elif message["type"] == "http.response.body":
                sent["body"] += message.get("body", b"")
                if not message.get("more_body"):
                    done.set()

        await self.application(scope, receive, send)
        return Response(sent["status"], sent["body"])


class Wsgi:
    def __init__(self) -> None:
        from selflink.wsgi import application

        self.application = application

    def __call__(self, request: Request) -> Response:
        import io

        body = json.dumps(request.body).encode() if request.body is not None else b""
        environ = {
            "REQUEST_METHOD": request.method,
            "PATH_INFO": request.path,
            "QUERY_STRING": request.query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost",
            "HTTP_ACCEPT": "application/json",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if request.token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {request.token}"
        if request.body is not None:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(body))
        status = []
        chunks = self.application(environ, lambda s, h, exc_info=None: status.append(s))
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return Response(int(status[0].split()[0]), content)


# --- the endpoints --------------------------------------------------------------------------------------------------


@dataclass
class Context:
    viewers: list[dict]  # {"user": id, "token": …}
    threads: list[tuple[int, int, str]]  # (thread id, a member, that member's token)
    emails: list[str]


@dataclass
class Scenario:
    label: str
    expect: int
    make: Callable[[Context, int], Request]
    before: Callable[[Context, int], None] | None = None
    login: bool = False
    results: dict = field(default_factory=dict)


def _fresh_ranking(ctx: Context, i: int) -> None:
    from modules.posts.models import FeedSession

    FeedSession.objects.filter(viewer_id=ctx.viewers[i % len(ctx.viewers)]["user"]).delete()


def _viewer(ctx: Context, i: int) -> dict:
    return ctx.viewers[i % len(ctx.viewers)]


def _message(ctx: Context, i: int) -> Request:
    thread, _, token = ctx.threads[i % len(ctx.threads)]
    body = {"thread": thread, "body": f"profile message {i}", "client_uuid": str(uuid.uuid4())}
    return Request("POST", "/api/v1/messages/", token, body)


def _login(address: str) -> Request:
    return Request("POST", "/api/v1/auth/login/", body={"email": address, "password": PASSWORD})


SCENARIOS: dict[str, Scenario] = {
    "users_me": Scenario("GET users/me", 200, lambda c, i: Request("GET", "/api/v1/users/me/", _viewer(c, i)["token"])),
    "feed_following": Scenario(
        "GET feed/following", 200, lambda c, i: Request("GET", "/api/v1/feed/following/", _viewer(c, i)["token"])
    ),
    "feed_home": Scenario(
        "GET feed/home", 200, lambda c, i: Request("GET", "/api/v1/feed/home/", _viewer(c, i)["token"])
    ),
    "feed_for_you": Scenario(
        "GET feed/for_you (fresh)",
        200,
        lambda c, i: Request("GET", "/api/v1/feed/for_you/", _viewer(c, i)["token"]),
        before=_fresh_ranking,
    ),
    "posts_create": Scenario(
        "POST posts",
        201,
        lambda c, i: Request("POST", "/api/v1/posts/", _viewer(c, i)["token"], {"text": f"profile post {i} hello"}),
    ),
    "messages_send": Scenario("POST messages", 201, lambda c, i: _message(c, i)),
    "auth_login": Scenario("POST auth/login", 200, lambda c, i: _login(c.emails[i % len(c.emails)]), login=True),
}


def context(viewer_count: int = 50) -> Context:
    from modules.accounts.models import AuthSession, User
    from modules.accounts.tokens import access_token_issue
    from modules.messaging.models import Thread, ThreadMember

    users = list(User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").order_by("email").values_list("id", "email"))
    viewers = []
    tokens: dict[int, str] = {}
    for user_id, _ in users[:viewer_count]:
        session = AuthSession.objects.create(user_id=user_id)
        tokens[user_id] = access_token_issue(user_id=user_id, session_id=session.id)
        viewers.append({"user": user_id, "token": tokens[user_id]})
    threads = []
    for thread_id in Thread.objects.order_by("id").values_list("id", flat=True):
        members = sorted(ThreadMember.objects.filter(thread_id=thread_id).values_list("user_id", flat=True))
        sender = next((m for m in members if m in tokens), None)
        if sender is not None:
            threads.append((thread_id, sender, tokens[sender]))
    return Context(viewers=viewers, threads=threads, emails=[e for _, e in users[:viewer_count]])


def measure(
    handler, counter: StatementCounter, scenario: Scenario, ctx: Context, count: int, show_sql: int = 0
) -> dict:
    cpu: list[float] = []
    wall: list[float] = []
    statements: list[int] = []
    for i in range(-WARMUP, count):
        if scenario.before:
            scenario.before(ctx, i)
        request = scenario.make(ctx, i)
        before_statements = counter.count
        counter.statements = []
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        response = handler(request)
        ended_cpu, ended_wall = time.process_time(), time.perf_counter()
        if response.status != scenario.expect:
            raise SystemExit(f"{scenario.label}: HTTP {response.status} {response.body[:300]!r}")
        if i >= 0:
            cpu.append((ended_cpu - started_cpu) * 1000)
            wall.append((ended_wall - started_wall) * 1000)
            statements.append(counter.count - before_statements)
    if show_sql:
        say(f"{scenario.label}: the {len(counter.statements)} statements of the last request")
        for number, statement in enumerate(counter.statements, start=1):
            print(f"  {number:>2}. {' '.join(statement.split())[:show_sql]}")
    return {
        "requests": count,
        "cpu_ms_mean": round(statistics.fmean(cpu), 2),
        "cpu_ms_median": round(statistics.median(cpu), 2),
        "wall_ms_mean": round(statistics.fmean(wall), 2),
        "statements_mean": round(statistics.fmean(statements), 2),
        "statements_min": min(statements),
        "statements_max": max(statements),
    }


def rss_kib(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def logins_concurrent(ctx: Context, concurrency: int) -> dict:
    """N sign-ins at once through the ASGI application (each sync view in its own thread, as under daphne)."""
    from django.conf import settings

    asgi = Asgi()
    emails = ctx.emails or [email(1)]
    before = rss_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:  # reset VmHWM (peak RSS) to the current RSS
        clear.write("5")
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    for round_number in range(3):
        requests = [_login(emails[(round_number * concurrency + n) % len(emails)]) for n in range(concurrency)]

        async def burst(requests=requests):
            return await asyncio.gather(*(asgi._call(r) for r in requests))

        for response in asgi.loop.run_until_complete(burst()):
            statuses[response.status] = statuses.get(response.status, 0) + 1
    elapsed = time.perf_counter() - started
    result = {
        "concurrency": concurrency,
        "rounds": 3,
        "statuses": statuses,
        "sign_ins_per_second": round(3 * concurrency / elapsed, 1),
        "rss_before_mib": round(before / 1024, 1),
        "rss_peak_mib": round(rss_kib("VmHWM") / 1024, 1),
        "rss_after_mib": round(rss_kib("VmRSS") / 1024, 1),
        "password_hash_concurrency": settings.PASSWORD_HASH_CONCURRENCY,
        "hasher": settings.PASSWORD_HASHERS[0],
    }
    say(
        f"{concurrency} concurrent sign-ins × 3 rounds: statuses {statuses}, {result['sign_ins_per_second']}/s; "
        f"RSS before {result['rss_before_mib']} MiB, peak {result['rss_peak_mib']} MiB, after "
        f"{result['rss_after_mib']} MiB (PASSWORD_HASH_CONCURRENCY={result['password_hash_concurrency']})"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(SCENARIOS)
    unknown = sorted(set(chosen) - set(SCENARIOS))
    if unknown:
        raise SystemExit(f"unknown endpoint(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    embedded = configure(args)
    try:
        from django.conf import settings

        seed(args)
        ctx = context()
        if args.logins_concurrent:
            result = logins_concurrent(ctx, args.logins_concurrent)
            if args.json:
                args.json.write_text(json.dumps(result, indent=2))
            return 0
        counter = StatementCounter()
        counter.install()
        handler = Asgi() if args.handler == "asgi" else Wsgi()
        say(
            f"{args.handler.upper()} in-process, DEBUG={settings.DEBUG}, hasher {settings.PASSWORD_HASHERS[0]}, "
            f"DATABASE_POOL_MAX={settings.DATABASE_POOL_MAX}; {args.requests} requests per endpoint "
            f"({args.login_requests} sign-ins) after {WARMUP} unmeasured"
        )
        rows = {}
        for name in chosen:
            scenario = SCENARIOS[name]
            count = args.login_requests if scenario.login else args.requests
            rows[name] = {"endpoint": scenario.label, **measure(handler, counter, scenario, ctx, count, args.show_sql)}
        header = f"{'endpoint':<26} {'CPU ms':>8} {'median':>8} {'wall ms':>8} {'SQL':>6} {'min-max':>8}"
        print(header)
        print("-" * len(header))
        for row in rows.values():
            print(
                f"{row['endpoint']:<26} {row['cpu_ms_mean']:>8.2f} {row['cpu_ms_median']:>8.2f} "
                f"{row['wall_ms_mean']:>8.2f} {row['statements_mean']:>6.1f} "
                f"{str(row['statements_min']) + '-' + str(row['statements_max']):>8}"
            )
        if args.json:
            args.json.write_text(json.dumps({"handler": args.handler, "results": rows}, indent=2))
        return 0
    finally:
        from django.db import connections

        connections.close_all()
        if embedded is not None:
            embedded.release()


if __name__ == "__main__":
    sys.exit(main())
