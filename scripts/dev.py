#!/usr/bin/env python3
"""Run the whole SelfLink stack for development, in the foreground.

1. PostgreSQL: `DATABASE_URL` if set, otherwise the embedded server under .local/ (started here).
2. Migrations, then demo data on the first start.
3. daphne serving HTTP, WebSocket and SSE on one port (`PORT`, default 8000), a Dramatiq worker and the
   periodic scheduler, with their output interleaved and prefixed.

daphne runs as one process here (`python -m modules.ops.serve` without `--workers`), where the production image
runs one per CPU (`--workers auto`): on a laptop that already runs PostgreSQL, a worker and the scheduler, one
process starts faster and holds one Django's memory (~150 MB) instead of one per core, and every request is served
by the one pid you attach py-spy or a debugger to. `WEB_CONCURRENCY=2` (or `auto`) in `.env` runs the production
model instead, supervisor included. Neither reloads code on change: restart `just dev` after editing.

Ctrl-C or SIGTERM stops everything in order (scheduler, worker, daphne), then the embedded database.
A worker or scheduler that dies is restarted (after 1, 2, 4 … up to 30 s; a process that ran for a minute starts
over at 1 s), so a crashing job does not take the API down with it. If daphne dies (with several processes: their
supervisor, which restarts a single one that dies), everything stops and the exit code says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PYTHON = sys.executable


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run_step(description: str, *args: str, env: dict[str, str]) -> None:
    say(description)
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def pump(name: str, stream) -> None:
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{name:>9} | {line}")
        sys.stdout.flush()


@dataclass
class Child:
    """One supervised process; `restart` ones come back after they die, with a growing delay."""

    name: str
    command: list[str]
    restart: bool = False
    first_backoff: float = 1.0
    max_backoff: float = 30.0
    stable_after: float = 60.0
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = field(init=False, default=0.0)
    restart_at: float | None = None
    starts: int = 0

    def start(self, *, env: dict[str, str], cwd: Path = ROOT) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C reaches only this script, which stops children in order
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        self.starts += 1
        threading.Thread(target=pump, args=(self.name, self.process.stdout), daemon=True).start()
        say(f"{'started' if self.starts == 1 else 'restarted'} {self.name} (pid {self.process.pid})")


def supervise_once(children: list[Child], *, env: dict[str, str]) -> int | None:
    """One round: restart what is due, schedule restarts of what died; an exit code when a vital child died."""
    now = time.monotonic()
    for child in children:
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.start(env=env)
            continue
        if child.process is None or child.process.poll() is None:
            continue
        code = child.process.returncode
        if not child.restart:
            say(f"{child.name} exited with code {code}; stopping the rest")
            return code or 1
        ran_for = now - child.started_at
        child.backoff = child.first_backoff if ran_for >= child.stable_after or not child.backoff else child.backoff * 2
        child.backoff = min(child.backoff, child.max_backoff)
        child.restart_at = now + child.backoff
        say(f"{child.name} exited with code {code} after {ran_for:.0f}s; restarting in {child.backoff:.0f}s")
    return None


def stop_children(children: list[Child]) -> None:
    running = [child for child in reversed(children) if child.process is not None]
    for child in running:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in running:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            say(f"stopped {child.name}")
        except subprocess.TimeoutExpired:
            child.process.kill()
            say(f"killed {child.name} (did not stop within 15 s)")


def main() -> int:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    env = dict(os.environ)
    env.setdefault("SELFLINK_ENV", "development")
    env["PYTHONUNBUFFERED"] = "1"

    embedded = None
    if not env.get("DATABASE_URL"):
        from selflink.embedded_postgres import server

        embedded = server
        env["DATABASE_URL"] = embedded.acquire()
        say(f"embedded PostgreSQL ready on 127.0.0.1:{embedded.info().port} (data in {embedded.pgdata})")
    else:
        say("using the database in DATABASE_URL")

    children: list[Child] = []
    stopping = threading.Event()

    def stop(signum=None, frame=None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    exit_code = 0
    try:
        run_step("applying migrations", "migrate", "--no-input", env=env)
        run_step("seeding demo data (first start only)", "seed_demo", "--once", env=env)
        # The offline birth-place index (GeoNames cities, ~30 s once): astrology resolves typed cities with it.
        run_step("importing birth places (first start only)", "charts_import_places", "--if-empty", env=env)

        # The mobile app, pointed at an API on port 8000 without EXPO_PUBLIC_REALTIME_URL, opens its WebSocket on
        # 8001 (src/realtime/index.ts). In development the same daphne listens there too, so it works unmodified.
        app_realtime_port = "8001" if port == "8000" else None
        extra_endpoint = ["-e", f"tcp:port={app_realtime_port}:interface={host}"] if app_realtime_port else []
        children += [
            # daphne through modules.ops.serve: an access log without query strings (user content, tokens); one
            # process unless WEB_CONCURRENCY says otherwise (see the docstring)
            Child(
                "daphne",
                [
                    PYTHON,
                    "-m",
                    "modules.ops.serve",
                    "-b",
                    host,
                    "-p",
                    port,
                    *extra_endpoint,
                    "selflink.asgi:application",
                ],
            ),
            Child(
                "worker",
                [
                    PYTHON,
                    "manage.py",
                    "rundramatiq",
                    "--processes",
                    "1",
                    "--threads",
                    "4",
                    "--worker-shutdown-timeout",
                    "10000",
                ],
                restart=True,
            ),
            Child("scheduler", [PYTHON, "manage.py", "run_scheduler"], restart=True),
        ]
        for child in children:
            child.start(env=env)

        base = f"http://{'localhost' if host in {'127.0.0.1', '0.0.0.0'} else host}:{port}"  # noqa: S104
        processes = os.environ.get("WEB_CONCURRENCY", "").strip() or "1"
        say(f"SelfLink is running (daphne processes: {processes}, WEB_CONCURRENCY):")
        say(f"  API docs   {base}/api/docs/")
        say(f"  API        {base}/api/v1/   (health: {base}/api/v1/health/ready/)")
        say(f"  Admin      {base}/admin/")
        if app_realtime_port:
            ws = base.replace("http", "ws", 1)
            say(f"  Realtime   {ws}/ws   (also on port {app_realtime_port}, where the mobile app looks)")
        say("  Press Ctrl-C to stop everything.")

        while not stopping.is_set():
            vital = supervise_once(children, env=env)
            if vital is not None:
                exit_code = vital
                break
            stopping.wait(0.5)
    except subprocess.CalledProcessError as exc:
        say(f"step failed: {' '.join(exc.cmd[1:])} (exit {exc.returncode})")
        exit_code = exc.returncode or 1
    finally:
        stop_children(children)
        if embedded is not None:
            if embedded.release():
                say("stopped the embedded PostgreSQL")
            else:
                say("embedded PostgreSQL left running: other processes of this project still use it")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
