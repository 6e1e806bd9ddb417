"""The AI mentor under load: concurrent SSE reply streams against a fake LLM provider on one daphne process, while
GET /api/v1/health/ keeps being asked (`just bench-mentor`).

Steps, each announced as it runs:

1. Database: the embedded PostgreSQL with its own database `selflink_bench_mentor` (never the `selflink` dev
   database). When DATABASE_URL is set the script refuses to run unless a server is given explicitly with
   --database-url; even then only its database `selflink_bench_mentor` is used.
2. `manage.py migrate`, then --streams bench users (created once, kept between runs; one more for the warm-up
   stream), each with an open sign-in session and an access token. Mentor sessions, messages, memories, tasks,
   queued jobs, sign-in sessions and rate-limit counters of earlier runs are truncated first, so every run starts
   from the same state.
3. A fake OpenAI-compatible provider (an asyncio server in its own process): every streamed completion sends its
   response headers at once, its first token --provider-ttft ms after the request arrived, then one token every
   --token-interval ms, --tokens in all. It records, on the machine's monotonic clock, when each request arrived and
   when its first and last tokens were written.
4. One daphne process (SELFLINK_ENV=development, DEBUG=false, DATABASE_POOL_MAX=20) with MENTOR_PROVIDER=openai
   pointing at the fake, and the mentor's per-user rate limit and daily quota relaxed (the limiter and the quota
   query still run). One warm-up stream checks the whole path before anything is measured.
5. GET /api/v1/health/ every --health-interval ms on a keep-alive connection, alone for --baseline seconds, then
   throughout the load. The load generator (asyncio, raw HTTP/1.1, its own process) runs --streams workers, each
   signed in as its own bench user, each opening GET /api/v1/mentor/stream/ again as soon as its previous stream
   ended; the workers start spread over --ramp seconds (not measured), then --duration seconds are measured.
   Frames are timestamped as they arrive.
6. Report, per stream started in the measured window, matched with the fake's records of the same request: the
   time to first token seen by the client, the provider's own (request received -> first token written), and the
   difference (what SelfLink adds), split into before the provider was asked and after it answered; the lag of the
   last token and of the `end` frame (the reply is saved before it); streams completed, failed, tokens sent and
   received; the health endpoint's latency while idle and during the load; CPU time and memory of daphne, the fake,
   the load generator and PostgreSQL. Also written to bench-results/bench-mentor-<timestamp>.json. Exit code 1 when
   more than 1% of the streams failed, a stream lost or garbled tokens, or a health request failed.

daphne, the fake provider and the load generator are stopped and the database released on exit, on Ctrl-C and on
SIGTERM.

--smoke: the same steps in seconds (3 streams of 10 tokens for 2 s) in the database `selflink_bench_mentor_smoke`;
exit code 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from scripts.bench.runner import (
    POOL_MAX,
    PYTHON,
    RELAXED_RATE,
    ROOT,
    BenchError,
    BenchRun,
    Sampler,
    bench_database,
    cpu_shares,
    cpu_snapshot,
    distribution,
    duration_seconds,
    emit,
    free_port,
    machine_check,
    ms,
    other_benchmarks,
    others_check,
    parse,
    positive_int,
    print_machine,
    print_processes,
    process_stop,
    run_bench,
    say,
    seed_hand_over,
    seed_users,
    sessions_open,
    show,
    speak_as,
    truncate,
    window_figures,
    window_results,
)

BENCH_DATABASE = "selflink_bench_mentor"
RELAXED_QUOTA = "1000000"
FAKE_MODEL = "bench-fake-model"
FAKE_KEY = "sk-bench-mentor-not-a-real-key"  # sent to the fake provider only
STREAM_TIMEOUT = 60.0  # seconds a client waits for the next bytes of a stream before calling it failed
HEALTH_TIMEOUT = 5.0
TAG = re.compile(r"\[bench-mentor (w\d+-\d+)\]")
MESSAGES = (
    "I keep putting off a hard conversation with my sister. How do I start it kindly?",
    "Work has been hectic this week and I feel scattered. What is one thing I could do tonight?",
    "I want to build a habit of journaling in the morning. How should I begin?",
    "A friend cancelled on me again and I feel hurt. How can I tell them without blaming?",
)
REPLY_TEXT = (
    "Start small and be gentle with yourself. Notice what you feel, give it a name, and choose one step you can "
    "take today. A short walk, a glass of water, a few honest lines on paper: each of these counts. When you talk "
    "with someone you care about, begin with what you hope for together, listen for what matters to them, and "
    "leave room for silence. Progress is rarely a straight line, and that is fine."
)
SMOKE = {
    "streams": 3,
    "duration": 2,
    "tokens": 10,
    "provider_ttft": 50,
    "token_interval": 10,
    "health_interval": 100,
    "baseline": 1,
}


def reply_tokens(count: int) -> list[str]:
    """The fake model's reply: `count` word-sized tokens of a harmless text (the output checks must let it pass)."""
    words = REPLY_TEXT.split()
    return [(" " if index else "") + words[index % len(words)] for index in range(count)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="just bench-mentor", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--streams", type=positive_int, default=100, help="concurrent SSE streams = bench users (default 100)"
    )
    parser.add_argument(
        "--duration", type=duration_seconds, default=30, help="measured load: 30, 30s or 1m (default 30 s)"
    )
    parser.add_argument(
        "--ramp",
        type=float,
        help="seconds over which the workers start, not measured (default: the length of one reply, so that "
        "streams start at a steady rate)",
    )
    parser.add_argument("--tokens", type=positive_int, default=200, help="tokens per reply (default 200)")
    parser.add_argument(
        "--provider-ttft",
        type=int,
        default=200,
        metavar="MS",
        help="the fake provider's time to first token (default 200 ms)",
    )
    parser.add_argument(
        "--token-interval",
        type=int,
        default=20,
        metavar="MS",
        help="the fake provider's time between tokens (default 20 ms: 50 tokens/s per stream)",
    )
    parser.add_argument(
        "--health-interval",
        type=int,
        default=50,
        metavar="MS",
        help="time between the starts of two GET /api/v1/health/ (default 50 ms)",
    )
    parser.add_argument(
        "--baseline",
        type=int,
        default=5,
        choices=range(61),
        metavar="SECONDS",
        help="seconds of health requests alone before the streams start (default 5)",
    )
    parser.add_argument(
        "--database-url",
        help=f"use this PostgreSQL server instead of the embedded one (only its database {BENCH_DATABASE!r} is "
        "used; required when DATABASE_URL is set)",
    )
    parser.add_argument("--port", type=int, default=0, help="port for daphne (default: a free one)")
    # Internal: steps that run in child processes.
    parser.add_argument("--internal-seed", metavar="OUTPUT", help=argparse.SUPPRESS)
    parser.add_argument("--internal-provider", nargs=2, metavar=("CONFIG", "OUTPUT"), help=argparse.SUPPRESS)
    parser.add_argument("--internal-load", nargs=2, metavar=("CONFIG", "OUTPUT"), help=argparse.SUPPRESS)
    args = parse(parser, argv, SMOKE)
    if args.ramp is None:
        args.ramp = round(max(1.0, (args.provider_ttft + (args.tokens - 1) * args.token_interval) / 1000), 1)
    if args.ramp < 0:
        parser.error("--ramp cannot be negative")
    if args.provider_ttft < 0 or args.token_interval < 0:
        parser.error("--provider-ttft and --token-interval cannot be negative")
    if args.health_interval <= 0:
        parser.error("--health-interval must be positive")
    return args


# --- seeding (runs in a child process: `python -m scripts.bench.mentor --internal-seed OUTPUT`) ---------


def seed(users: int, output: Path, database: str) -> None:
    """Users (kept between runs) with one session and access token each, on a database emptied of what earlier
    runs wrote (`database`, the only one it may empty)."""
    ids = seed_users(users, prefix="mentor", name="Mentor User", database=database)
    from django.conf import settings
    from django.db import connection, transaction

    from modules.accounts.models import AuthSession
    from modules.core.models import RateLimitCounter
    from modules.mentor.models import MentorMemory, MentorMessage, MentorProfile, MentorSession, MentorTask

    database = connection.settings_dict["NAME"]
    limit = settings.RATE_MENTOR_PER_USER
    say(
        f"  seeding database {database!r} as the server will see it: DEBUG={settings.DEBUG}, "
        f"DATABASE_POOL_MAX={settings.DATABASE_POOL_MAX}, RATE_MENTOR_PER_USER={limit.count}/{limit.seconds}s, "
        f"MENTOR_DAILY_QUOTA={settings.MENTOR_DAILY_QUOTA}, MENTOR_PROVIDER={settings.MENTOR_PROVIDER}, "
        f"JWT_ACCESS_TTL_SECONDS={settings.JWT_ACCESS_TTL_SECONDS}"
    )
    started = time.monotonic()

    with transaction.atomic():
        truncate((MentorTask, MentorMessage, MentorSession, MentorMemory, MentorProfile, AuthSession, RateLimitCounter))
        with connection.cursor() as cursor:
            # Every reply enqueues a memory update; no worker runs during the bench, so they pile up here.
            cursor.execute("SELECT to_regclass('dramatiq.queue') IS NOT NULL")
            if cursor.fetchone()[0]:
                cursor.execute("TRUNCATE dramatiq.queue")
        sessions = sessions_open(ids)
    say("  truncated earlier mentor sessions, messages, memories, tasks, queued jobs, sessions and rate-limit counters")
    seed_hand_over(output, {"users": sessions, "database": database})
    say(f"  {len(sessions)} sessions with access tokens; seeded and analysed in {time.monotonic() - started:.1f} s")


# --- fake provider (child process: `python -m scripts.bench.mentor --internal-provider CONFIG OUTPUT`) ----


async def provider_serve(config: dict, output: Path) -> None:
    """An OpenAI-compatible `POST /v1/chat/completions` that streams `config["tokens"]` tokens on a fixed schedule
    (first token `ttft` s after the request arrived, then one every `interval` s), recording when each was sent."""
    tokens = reply_tokens(config["tokens"])
    ttft, interval = config["ttft"], config["interval"]
    records: dict[str, dict] = {}
    unmatched: list[str] = []
    loop = asyncio.get_running_loop()

    def event(data: bytes) -> bytes:
        """One server-sent event, as one HTTP chunk."""
        data = b"data: " + data + b"\n\n"
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    def chunk(model: str, delta: dict, finish: str | None = None) -> bytes:
        payload = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return event(json.dumps(payload, separators=(",", ":")).encode())

    async def answer(writer: asyncio.StreamWriter, status: int, message: str) -> None:
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}}).encode()
        writer.write(
            f"HTTP/1.1 {status} Error\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        record = None
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = json.loads(await reader.readexactly(length) or b"{}")
            received = time.monotonic()
            if not head.startswith("POST /v1/chat/completions ") or not body.get("stream"):
                unmatched.append(head.split("\r\n", 1)[0][:80])
                await answer(writer, 404, "only streamed chat completions are served here")
                return
            users = [m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "user"]
            match = TAG.search(users[-1]) if users else None
            key = match[1] if match else f"untagged-{len(records)}"
            record = records[key] = {"received": received, "first": None, "last": None, "written": 0, "done": None}
            model = body.get("model", FAKE_MODEL)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                b"Connection: close\r\n\r\n"
            )
            await writer.drain()
            for index, token in enumerate(tokens):
                due = received + ttft + index * interval  # on schedule, whatever the delays of earlier writes
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                delta = {"role": "assistant", "content": token} if index == 0 else {"content": token}
                writer.write(chunk(model, delta))
                now = time.monotonic()
                if index == 0:
                    record["first"] = now
                record["last"] = now
                record["written"] += 1
                await writer.drain()
            writer.write(chunk(model, {}, "stop") + event(b"[DONE]") + b"0\r\n\r\n")
            await writer.drain()
            record["done"] = time.monotonic()
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            if record is not None:
                record["aborted"] = f"{exc.__class__.__name__}: {exc}"[:120]
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    emit(f"ready {port}")
    await loop.run_in_executor(None, sys.stdin.readline)  # "stop" (or EOF: the orchestrator went away)
    server.close()
    output.write_text(json.dumps({"records": records, "unmatched": unmatched}))


# --- load generator (child process: `python -m scripts.bench.mentor --internal-load CONFIG OUTPUT`) -------


async def stream_once(address: tuple[str, int], user: dict, key: str, message: str) -> dict:
    """One GET /api/v1/mentor/stream/, read to its end; every frame timestamped when its bytes arrived."""
    host, port = address
    query = urlencode({"message": f"[bench-mentor {key}] {message}"})
    request = (
        f"GET /api/v1/mentor/stream/?{query} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {user['token']}"
        "\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n"
    ).encode()
    record = {
        "key": key,
        "user": user["user"],
        "opened": time.monotonic(),
        "status": 0,
        "start": None,
        "first": None,
        "last": None,
        "end": None,
        "closed": None,
        "tokens": 0,
        "text": "",
        "error": "",
    }
    parts: list[str] = []
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), STREAM_TIMEOUT)
        writer.write(request)
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STREAM_TIMEOUT)).decode("latin-1").lower()
        record["status"] = int(head[9:12])
        chunked = "\r\ntransfer-encoding: chunked" in head
        buffer = b""
        while True:
            if chunked:
                size = int((await asyncio.wait_for(reader.readuntil(b"\r\n"), STREAM_TIMEOUT)).split(b";")[0], 16)
                if not size:
                    break
                data = (await asyncio.wait_for(reader.readexactly(size + 2), STREAM_TIMEOUT))[:-2]
            else:
                data = await asyncio.wait_for(reader.read(65536), STREAM_TIMEOUT)
                if not data:
                    break
            now = time.monotonic()
            buffer += data
            if record["status"] != 200:
                continue  # an error response: its body is reported below
            while b"\n\n" in buffer:
                raw, buffer = buffer.split(b"\n\n", 1)
                if not raw.startswith(b"data: "):
                    continue
                frame = json.loads(raw[6:])
                event = frame.get("event")
                if event == "token":
                    record["tokens"] += 1
                    parts.append(frame["delta"])
                    record["first"] = record["first"] or now
                    record["last"] = now
                elif event == "start":
                    record["start"] = now
                elif event == "end":
                    record["end"] = now
                elif event == "error":
                    record["error"] = f"error frame: {frame.get('code')}"
        record["closed"] = time.monotonic()
        if record["status"] != 200:
            record["error"] = f"HTTP {record['status']}: {buffer[:160].decode(errors='replace')}"
        elif not record["error"] and record["end"] is None:
            record["error"] = "stream closed without an end frame"
    except TimeoutError:
        record["error"] = f"Timeout: nothing received for {STREAM_TIMEOUT:g} s"
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        record["error"] = f"{exc.__class__.__name__}: {exc}"[:200]
    finally:
        if writer is not None:
            writer.close()
    record["text"] = "".join(parts)
    return record


async def load(config: dict, output: Path) -> None:
    users = config["users"]
    address = ("127.0.0.1", config["port"])
    records: list[dict] = []
    in_flight = 0
    concurrency: list[tuple[float, int]] = []

    emit("ready")
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    if not line.startswith("go "):
        raise SystemExit(f"expected 'go <time>' from the orchestrator, got {line!r}")
    start = float(line.split()[1])
    ramp, duration = config["ramp"], config["duration"]
    measured_from, measured_to = start + ramp, start + ramp + duration

    async def worker(index: int, user: dict) -> None:
        nonlocal in_flight
        await asyncio.sleep(max(0.0, start + ramp * index / len(users) - time.monotonic()))
        sequence = 0
        while time.monotonic() < measured_to:
            in_flight += 1
            record = await stream_once(address, user, f"w{index}-{sequence}", MESSAGES[sequence % len(MESSAGES)])
            in_flight -= 1
            record["measured"] = measured_from <= record["opened"] < measured_to
            records.append(record)
            sequence += 1

    async def sample() -> None:
        while True:
            concurrency.append((time.monotonic(), in_flight))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    await asyncio.gather(*(worker(index, user) for index, user in enumerate(users)))
    sampler.cancel()
    within = [count for at, count in concurrency if measured_from <= at < measured_to]
    output.write_text(
        json.dumps(
            {
                "streams": records,
                "concurrency": {
                    "min": min(within, default=0),
                    "mean": round(sum(within) / len(within), 1) if within else 0,
                    "max": max(within, default=0),
                },
                "measured_from": measured_from,
                "measured_to": measured_to,
                "finished": time.monotonic(),
            }
        )
    )


# --- health poller (a thread of the orchestrator) -------------------------------------------------------


class HealthPoller(threading.Thread):
    """GET /api/v1/health/ every `interval` s on one keep-alive connection: (start, seconds or None, status/error)."""

    def __init__(self, port: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.interval = interval
        self.samples: list[tuple[float, float | None, str]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        connection = None
        next_at = time.monotonic()
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=HEALTH_TIMEOUT)
                connection.request("GET", "/api/v1/health/", headers={"Accept": "application/json"})
                response = connection.getresponse()
                body = response.read()
                elapsed = time.monotonic() - started
                ok = response.status == 200 and b'"ok"' in body
                self.samples.append((started, elapsed if ok else None, str(response.status)))
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exc:
                self.samples.append((started, None, f"{exc.__class__.__name__}: {exc}"[:120]))
                if connection is not None:
                    connection.close()
                connection = None
            next_at = max(next_at + self.interval, time.monotonic())
            self.stopping.wait(next_at - time.monotonic())
        if connection is not None:
            connection.close()

    def between(self, start: float, end: float) -> dict:
        chosen = [sample for sample in self.samples if start <= sample[0] < end]
        errors = [status for _, seconds, status in chosen if seconds is None]
        kinds: dict[str, int] = {}
        for status in errors:
            kinds[status] = kinds.get(status, 0) + 1
        return {
            **distribution([seconds for _, seconds, _ in chosen if seconds is not None]),
            "requests": len(chosen),
            "errors": len(errors),
            "error_kinds": kinds,
        }

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=HEALTH_TIMEOUT + 1)


# --- orchestration ----------------------------------------------------------------------------------


class MentorBench(BenchRun):
    name = "bench-mentor"
    module = "scripts.bench.mentor"
    database_name = BENCH_DATABASE

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.provider: subprocess.Popen | None = None
        self.provider_port = 0
        self.port = 0
        self.generator: subprocess.Popen | None = None
        self.health: HealthPoller | None = None
        self.others: list[str] = []
        self.others_after: list[str] = []

    # -- steps ------------------------------------------------------------------------------------

    def run_seconds(self) -> float:
        a = self.args
        return a.baseline + a.ramp + a.duration + STREAM_TIMEOUT

    def server_settings(self) -> dict[str, str]:
        return {
            "RATE_MENTOR_PER_USER": RELAXED_RATE,
            "MENTOR_DAILY_QUOTA": RELAXED_QUOTA,
            "MENTOR_PROVIDER": "openai",
            "MENTOR_BASE_URL": f"http://127.0.0.1:{self.provider_port}/v1",
            "MENTOR_API_KEY": FAKE_KEY,
            "MENTOR_MODEL": FAKE_MODEL,
            "MENTOR_MAX_TOKENS": str(max(800, self.args.tokens)),
        }

    def migrate_and_seed(self) -> list[dict]:
        self.run_child("applying migrations to the bench database", [PYTHON, "manage.py", "migrate", "--no-input"])
        output = self.workdir / "seed.json"
        users = self.args.streams + 1
        self.run_child(
            f"seeding {users} bench users ({self.args.streams} for the streams, one for the warm-up), one session and "
            "access token each",
            self.own_command("--internal-seed", str(output), "--streams", str(users)),
        )
        return json.loads(output.read_text())["users"]

    def child(self, flag: str, config: dict, name: str) -> tuple[subprocess.Popen, Path, str]:
        """A child process of this script (`flag` CONFIG OUTPUT) speaking the stdin/stdout protocol, once it is
        ready: (process, output path, its ready line)."""
        config_path = self.workdir / f"{name}.json"
        config_path.write_text(json.dumps(config))
        config_path.chmod(0o600)  # may hold live tokens
        output = self.workdir / f"{name}.out.json"
        command = self.own_command(flag, str(config_path), str(output))
        say(f"  $ {show(command)}")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        line = process.stdout.readline()
        if not line.startswith("ready"):
            process.kill()
            process.wait()
            raise BenchError(f"{name} did not start (exit code {process.returncode})")
        return process, output, line.strip()

    def start_provider(self) -> Path:
        a = self.args
        reply = (a.provider_ttft + (a.tokens - 1) * a.token_interval) / 1000
        say(
            f"starting the fake OpenAI-compatible provider (asyncio, its own process): first token {a.provider_ttft} "
            f"ms after a request arrives, then one every {a.token_interval} ms, {a.tokens} tokens: a {reply:.2f} s "
            "reply"
        )
        config = {"tokens": a.tokens, "ttft": a.provider_ttft / 1000, "interval": a.token_interval / 1000}
        self.provider, output, line = self.child("--internal-provider", config, "provider")
        self.provider_port = int(line.split()[1])
        say(f"fake provider on 127.0.0.1:{self.provider_port} (pid {self.provider.pid})")
        return output

    def start_server(self) -> None:
        self.port = self.args.port or free_port()
        self.start_daphne(
            self.port,
            f"relaxed for this server only: RATE_MENTOR_PER_USER={RELAXED_RATE} and MENTOR_DAILY_QUOTA={RELAXED_QUOTA} "
            "(defaults 20/m and 200); the limiter's counter upsert and the quota count still run on every stream",
            ", MENTOR_PROVIDER=openai at the fake",
        )

    def warm_up(self, user: dict) -> None:
        """One stream through the whole path (imports, first provider client, first connections)."""
        say("warm-up: one stream through daphne and the fake provider (not measured)")
        record = asyncio.run(stream_once(("127.0.0.1", self.port), user, "warmup-0", MESSAGES[0]))
        if record["error"] or record["tokens"] != self.args.tokens:
            raise BenchError(
                f"the warm-up stream failed: {record['error'] or 'wrong token count'} ({record['tokens']} of "
                f"{self.args.tokens} tokens):\n{self.daphne_tail()}"
            )
        say(
            f"  {record['tokens']} tokens, first after {(record['first'] - record['opened']) * 1000:.0f} ms, end after "
            f"{(record['end'] - record['opened']) * 1000:.0f} ms"
        )

    def run_load(self, users: list[dict]) -> dict:
        a = self.args
        say(
            f"starting the load generator (asyncio, raw HTTP/1.1, its own process): {a.streams} workers, each its own "
            "bench user, each opening its next stream as soon as the previous one ended"
        )
        self.generator, load_output, _ = self.child(
            "--internal-load",
            {"users": users, "port": self.port, "ramp": a.ramp, "duration": a.duration},
            "load",
        )
        processes = {
            "daphne": self.daphne.pid,
            "fake provider": self.provider.pid,
            "load generator": self.generator.pid,
        }
        sampler = Sampler(processes, self.postmaster)
        sampler.start()
        self.health = HealthPoller(self.port, a.health_interval / 1000)
        say(
            f"GET /api/v1/health/ every {a.health_interval} ms on a keep-alive connection: {a.baseline} s alone "
            "(baseline), then during the load"
        )
        self.health.start()
        baseline_from = time.monotonic()
        time.sleep(a.baseline)
        baseline_to = time.monotonic()
        start = time.monotonic() + 0.5
        self.generator.stdin.write(f"go {start}\n")
        self.generator.stdin.flush()
        say(
            f"streaming: {a.streams} workers starting over {a.ramp:g} s (not measured), then {a.duration} s measured; "
            "streams running at the end are read to their end"
        )
        load_before = os.getloadavg()
        measured_from = start + a.ramp
        time.sleep(max(0.0, measured_from - time.monotonic()))
        before = cpu_snapshot(processes, self.postmaster)
        previous, previous_at = before, time.monotonic()
        for second in range(1, a.duration + 1):
            time.sleep(max(0.0, measured_from + second - time.monotonic()))
            if second % 10 == 0 and second < a.duration:
                now, now_at = cpu_snapshot(processes, self.postmaster), time.monotonic()
                shares = cpu_shares(now, previous, now_at - previous_at)
                recent = self.health.between(previous_at, now_at)
                say(
                    f"  {second} s of {a.duration} s; CPU over the last {now_at - previous_at:.0f} s: {shares}; "
                    f"health p99 {recent['p99_ms']} ms, {recent['errors']} errors"
                )
                previous, previous_at = now, now_at
        after = cpu_snapshot(processes, self.postmaster)
        measured_seconds = time.monotonic() - measured_from
        self.others_after = other_benchmarks(self.workdir)
        load_after = os.getloadavg()
        say("  measured window over; waiting for the streams still running to end")
        try:
            code = self.generator.wait(timeout=STREAM_TIMEOUT * 2 + 30)
        except subprocess.TimeoutExpired as exc:
            raise BenchError("the load generator did not finish") from exc
        if code != 0:
            raise BenchError(f"the load generator exited with code {code}")
        self.generator = None
        load = json.loads(load_output.read_text())
        self.health.stop()
        sampler.stop()
        self.daphne_check()
        return {
            "load": load,
            "health": {
                "baseline": self.health.between(baseline_from, baseline_to),
                "measured": self.health.between(load["measured_from"], load["measured_to"]),
                "whole_load": self.health.between(start, load["finished"]),
            },
            **window_figures(before, after, sampler, (load_before, load_after), measured_seconds),
        }

    def stop_provider(self, output: Path) -> dict:
        self.provider.stdin.write("stop\n")
        self.provider.stdin.flush()
        try:
            code = self.provider.wait(timeout=10)
        except subprocess.TimeoutExpired as exc:
            raise BenchError("the fake provider did not stop") from exc
        self.provider = None
        if code != 0:
            raise BenchError(f"the fake provider exited with code {code}")
        return json.loads(output.read_text())

    # -- analysis ---------------------------------------------------------------------------------

    def analyse(self, run: dict, provider: dict) -> dict:
        expected = "".join(reply_tokens(self.args.tokens))
        records = provider["records"]
        streams = run["load"]["streams"]
        measured = [s for s in streams if s["measured"]]
        ok, failed, garbled = [], [], []
        kinds: dict[str, int] = {}
        for stream in streams:
            if stream["error"]:
                failed.append(stream)
                kind = stream["error"].split(":")[0]
                kinds[kind] = kinds.get(kind, 0) + 1
            elif stream["tokens"] != self.args.tokens or stream["text"] != expected:
                garbled.append(stream)
            elif stream["measured"]:
                ok.append(stream)
        missing = 0
        series: dict[str, list[float]] = {
            name: [] for name in ("client_ttft", "provider_ttft", "added_ttft", "before", "after", "last", "end")
        }
        for stream in ok:
            record = records.get(stream["key"])
            if record is None or record["first"] is None:
                missing += 1
                continue
            client = stream["first"] - stream["opened"]
            own = record["first"] - record["received"]
            series["client_ttft"].append(client)
            series["provider_ttft"].append(own)
            series["added_ttft"].append(client - own)
            series["before"].append(record["received"] - stream["opened"])
            series["after"].append(stream["first"] - record["first"])
            series["last"].append(stream["last"] - record["last"])
            series["end"].append(stream["end"] - record["last"])
        window = run["load"]["measured_to"] - run["load"]["measured_from"]
        tokens_sent = sum(records[s["key"]]["written"] for s in measured if s["key"] in records)
        tokens_received = sum(s["tokens"] for s in measured)
        aborted = sum(1 for record in records.values() if record.get("aborted"))
        return {
            "latency": {name: distribution(values) for name, values in series.items()},
            "streams": {
                "started_in_window": len(measured),
                "completed": len(ok),
                "failed_all": len(failed),
                "failed_in_window": sum(1 for s in failed if s["measured"]),
                "garbled": len(garbled),
                "all": len(streams),
                "error_rate": round(len(failed) / len(streams), 5) if streams else 1.0,
                "error_kinds": kinds,
                "error_examples": sorted({s["error"] for s in failed})[:5],
                "without_provider_record": missing,
                "per_second": round(len(ok) / window, 1) if window else None,
                "concurrency": run["load"]["concurrency"],
            },
            "tokens": {
                "sent_by_provider": tokens_sent,
                "received": tokens_received,
                "per_second": round(tokens_received / window) if window else None,
            },
            "provider": {
                "requests": len(records),
                "aborted": aborted,
                "other_requests": provider["unmatched"][:5],
                "ttft_target_ms": self.args.provider_ttft,
            },
        }

    # -- report -----------------------------------------------------------------------------------

    def report(self, run: dict, analysis: dict) -> int:
        a = self.args
        latency = analysis["latency"]
        streams = analysis["streams"]
        tokens = analysis["tokens"]
        say(
            f"results: {a.streams} concurrent streams (measured: min {streams['concurrency']['min']}, mean "
            f"{streams['concurrency']['mean']}, max {streams['concurrency']['max']} open) for {a.duration} s on one "
            f"daphne; fake provider: first token {a.provider_ttft} ms, then {a.tokens - 1} more every "
            f"{a.token_interval} ms"
        )

        times = " ".join(f"{column:>8}" for column in ("p50 ms", "p90 ms", "p99 ms", "max ms"))
        header = f"{'per stream (measured, completed)':<58} {'count':>6} {times}"
        print(header)
        print("-" * len(header))
        labels = {
            "client_ttft": "time to first token, seen by the client",
            "provider_ttft": "  the provider's own (request in -> first token out)",
            "added_ttft": "  ADDED by SelfLink (client's - provider's own)",
            "before": "    before: request sent -> provider asked",
            "after": "    after: provider's first token -> client",
            "last": "last token: provider wrote it -> client got it",
            "end": "end frame: provider's last token -> client (reply saved)",
        }
        for name, label in labels.items():
            row = latency[name]
            print(
                f"{label:<58} {row['count']:>6} {ms(row['p50_ms']):>8} {ms(row['p90_ms']):>8} "
                f"{ms(row['p99_ms']):>8} {ms(row['max_ms']):>8}"
            )
        print()
        health = run["health"]
        header = f"{'GET /api/v1/health/':<58} {'count':>6} {times} {'errors':>7}"
        print(header)
        print("-" * len(header))
        for name, label in (("baseline", "alone, before the streams"), ("measured", "during the measured window")):
            row = health[name]
            print(
                f"{label:<58} {row['requests']:>6} {ms(row['p50_ms']):>8} {ms(row['p90_ms']):>8} "
                f"{ms(row['p99_ms']):>8} {ms(row['max_ms']):>8} {row['errors']:>7}"
            )
        print()
        print(
            f"streams: {streams['started_in_window']} started in the window, {streams['completed']} completed "
            f"({streams['per_second']}/s), {streams['failed_in_window']} failed; over the whole run "
            f"{streams['failed_all']} of {streams['all']} failed, {streams['garbled']} with missing or wrong tokens"
        )
        if streams["error_kinds"]:
            print(f"  errors: {streams['error_kinds']}; e.g. {streams['error_examples'][:2]}")
        print(
            f"tokens (streams started in the window): {tokens['sent_by_provider']} sent by the provider, "
            f"{tokens['received']} received by the clients ({tokens['per_second']}/s)"
        )
        print()
        print_processes(run)
        if streams["completed"] and "daphne" in run["cpu_seconds"]:
            print(
                f"daphne: {run['cpu_seconds']['daphne'] / streams['completed'] * 1000:.0f} ms of CPU per stream of "
                f"{a.tokens} tokens ({run['cpu_seconds']['daphne'] / max(tokens['received'], 1) * 1e6:.0f} µs per "
                "token relayed; stream set-up and the health requests included)"
            )
        if self.others_after:
            print(
                f"warning: other benchmarks or test runs were active at the end of the window: {self.others_after[:3]}"
            )
        print_machine(run)
        print()

        failures = []
        if streams["error_rate"] > self.max_error_rate:
            failures.append(f"{streams['failed_all']} of {streams['all']} streams failed ({streams['error_rate']:.1%})")
        if streams["garbled"]:
            failures.append(f"{streams['garbled']} streams with missing or wrong tokens")
        if streams["without_provider_record"]:
            failures.append(f"{streams['without_provider_record']} streams the provider has no record of")
        health_errors = health["whole_load"]["errors"] + health["baseline"]["errors"]
        if health_errors:
            failures.append(f"{health_errors} health requests failed ({health['whole_load']['error_kinds']})")
        if not streams["completed"]:
            failures.append("no stream completed in the measured window")
        result = {
            "timestamp": self.stamp,
            "command": shlex.join(["just", "bench-mentor", *sys.argv[1:]]),
            "config": {
                "streams": a.streams,
                "duration_seconds": a.duration,
                "ramp_seconds": a.ramp,
                "tokens_per_reply": a.tokens,
                "provider_ttft_ms": a.provider_ttft,
                "token_interval_ms": a.token_interval,
                "health_interval_ms": a.health_interval,
                "baseline_seconds": a.baseline,
                "database_pool_max": POOL_MAX,
                "database": "embedded" if self.embedded else "--database-url",
                "relaxed": {"RATE_MENTOR_PER_USER": RELAXED_RATE, "MENTOR_DAILY_QUOTA": RELAXED_QUOTA},
                "smoke": self.smoke,
            },
            "machine": self.machine_during(run, {"before": self.others, "after_measured_window": self.others_after}),
            **analysis,
            "health": health,
            **window_results(run),
            "passed": not failures,
            "failures": failures,
        }
        self.write_results(result)
        added, measured = latency["added_ttft"], health["measured"]
        say(
            f"added time to first token: p50 {ms(added['p50_ms'])} ms, p99 {ms(added['p99_ms'])} ms over the "
            f"provider's own; health p50 {ms(measured['p50_ms'])} ms, p99 {ms(measured['p99_ms'])} ms during the load"
        )
        if failures:
            say(f"FAILED: {'; '.join(failures)}")
            say(f"last lines of {self.daphne_log}:\n{self.daphne_tail()}")
            return 1
        say(f"passed: streams {self.errors_allowed()}, every token delivered, every health request answered")
        return 0

    def run(self) -> int:
        self.database()  # first: it may refuse to run at all
        self.busy_before = machine_check("the load generator, the fake provider, daphne and PostgreSQL")
        self.others = others_check(self.workdir)
        users = self.migrate_and_seed()
        provider_output = self.start_provider()
        self.start_server()
        self.warm_up(users[-1])
        run = self.run_load(users[:-1])
        provider = self.stop_provider(provider_output)
        say("analysing: matching every stream with the provider's record of the same request")
        return self.report(run, self.analyse(run, provider))

    # -- cleanup ----------------------------------------------------------------------------------

    def cleanup(self) -> None:
        if self.health is not None:
            self.health.stop()
        process_stop(self.generator, "the load generator", timeout=5)
        self.stop_daphne()
        process_stop(self.provider, "the fake provider", timeout=5)
        self.release()


def main(argv: list[str] | None = None) -> int:
    speak_as("bench-mentor")
    args = parse_args(argv)
    if args.internal_seed:
        seed(args.streams, Path(args.internal_seed), bench_database(BENCH_DATABASE, args.smoke))
        return 0
    if args.internal_provider:
        config = json.loads(Path(args.internal_provider[0]).read_text())
        asyncio.run(provider_serve(config, Path(args.internal_provider[1])))
        return 0
    if args.internal_load:
        config = json.loads(Path(args.internal_load[0]).read_text())
        asyncio.run(load(config, Path(args.internal_load[1])))
        return 0
    return run_bench(MentorBench(args))


if __name__ == "__main__":
    sys.exit(main())
