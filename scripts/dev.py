#!/usr/bin/env python3
"""Run the whole SelfLink stack for development, in the foreground.

1. PostgreSQL: `DATABASE_URL` if set, otherwise the embedded server under .local/ (started here).
2. Migrations, then demo data on the first start.
3. daphne serving HTTP, WebSocket and SSE on one port (`PORT`, default 8000), a Dramatiq worker and the
   periodic scheduler, with their output interleaved and prefixed.

Ctrl-C or SIGTERM stops everything in order (scheduler, worker, daphne), then the embedded database.
If any process dies, the others are stopped too, and the exit code says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
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

    children: list[tuple[str, subprocess.Popen]] = []
    stopping = threading.Event()

    def stop(signum=None, frame=None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    exit_code = 0
    try:
        run_step("applying migrations", "migrate", "--no-input", env=env)
        run_step("seeding demo data (first start only)", "seed_demo", "--once", env=env)

        # The mobile app, pointed at an API on port 8000 without EXPO_PUBLIC_REALTIME_URL, opens its WebSocket on
        # 8001 (src/realtime/index.ts). In development the same daphne listens there too, so it works unmodified.
        app_realtime_port = "8001" if port == "8000" else None
        extra_endpoint = ["-e", f"tcp:port={app_realtime_port}:interface={host}"] if app_realtime_port else []
        commands = {
            "daphne": [
                PYTHON,
                "-m",
                "modules.ops.serve",  # daphne, with an access log without query strings
                "-b",
                host,
                "-p",
                port,
                *extra_endpoint,
                "--proxy-headers",
                "selflink.asgi:application",
            ],
            "worker": [
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
            "scheduler": [PYTHON, "manage.py", "run_scheduler"],
        }
        for name, command in commands.items():
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # Ctrl-C reaches only this script, which stops children in order
            )
            threading.Thread(target=pump, args=(name, process.stdout), daemon=True).start()
            children.append((name, process))
            say(f"started {name} (pid {process.pid})")

        base = f"http://{'localhost' if host in {'127.0.0.1', '0.0.0.0'} else host}:{port}"  # noqa: S104
        say("SelfLink is running:")
        say(f"  API docs   {base}/api/docs/")
        say(f"  API        {base}/api/v1/   (health: {base}/api/v1/health/ready/)")
        say(f"  Admin      {base}/admin/")
        if app_realtime_port:
            ws = base.replace("http", "ws", 1)
            say(f"  Realtime   {ws}/ws   (also on port {app_realtime_port}, where the mobile app looks)")
        say("  Press Ctrl-C to stop everything.")

        while not stopping.is_set():
            for name, process in children:
                if process.poll() is not None:
                    say(f"{name} exited with code {process.returncode}; stopping the rest")
                    exit_code = process.returncode or 1
                    stopping.set()
                    break
            stopping.wait(0.5)
    except subprocess.CalledProcessError as exc:
        say(f"step failed: {' '.join(exc.cmd[1:])} (exit {exc.returncode})")
        exit_code = exc.returncode or 1
    finally:
        for _, process in reversed(children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, process in reversed(children):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
                say(f"stopped {name}")
            except subprocess.TimeoutExpired:
                process.kill()
                say(f"killed {name} (did not stop within 15 s)")
        if embedded is not None:
            if embedded.release():
                say("stopped the embedded PostgreSQL")
            else:
                say("embedded PostgreSQL left running: other processes of this project still use it")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
