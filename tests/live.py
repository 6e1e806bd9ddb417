"""Real server processes for integration tests: daphne, Dramatiq workers, the scheduler.

They run against the *test* database, so tests that use them need `transactional_db`
(their writes must be committed to be seen across processes).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_database_url() -> str:
    db = connection.settings_dict
    password = quote(db.get("PASSWORD") or "", safe="")
    return f"postgresql://{db['USER']}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(**overrides: str) -> dict[str, str]:
    """Environment for child processes: development profile with DEBUG off, the test database, the real broker."""
    # WEB_CONCURRENCY from a developer's shell would turn the test server into several workers; tests that want
    # them ask with an override.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_")) and key != "WEB_CONCURRENCY"
    }
    env.update(
        {
            "SELFLINK_ENV": "development",
            "DEBUG": "false",
            "DATABASE_URL": current_database_url(),
            "DRAMATIQ_BROKER": "postgres",
            "PYTHONUNBUFFERED": "1",
            "DATABASE_POOL_MAX": "10",
        }
    )
    env.update(overrides)
    return env


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log_path: Path
    url: str = ""
    extra: dict = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


def start_process(name: str, command: list[str], env: dict[str, str], log_dir: Path) -> Process:
    log_path = log_dir / f"{name}.log"
    handle = open(log_path, "w")  # noqa: SIM115 - owned by the child for its lifetime
    popen = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    return Process(name=name, popen=popen, log_path=log_path)


def wait_for_http(process: Process, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{process.log()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers; the status is the caller's business
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not answer {url} within {timeout}s:\n{process.log()[-3000:]}")


def start_daphne(log_dir: Path, **env_overrides: str) -> Process:
    port = free_port()
    process = start_process(
        f"daphne-{port}",
        [sys.executable, "-m", "modules.ops.serve", "-b", "127.0.0.1", "-p", str(port), "selflink.asgi:application"],
        server_env(**env_overrides),
        log_dir,
    )
    process.url = f"http://127.0.0.1:{port}"
    wait_for_http(process, f"{process.url}/api/v1/health/")
    return process


def start_worker(log_dir: Path, **env_overrides: str) -> Process:
    return start_process(
        f"worker-{time.monotonic_ns()}",
        [
            sys.executable,
            "manage.py",
            "rundramatiq",
            "--processes",
            "1",
            "--threads",
            "2",
            "--worker-shutdown-timeout",
            "5000",
        ],
        server_env(**env_overrides),
        log_dir,
    )


def start_scheduler(log_dir: Path, **env_overrides: str) -> Process:
    return start_process(
        f"scheduler-{time.monotonic_ns()}",
        [sys.executable, "manage.py", "run_scheduler"],
        server_env(**env_overrides),
        log_dir,
    )


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Process]:
    """One daphne process (DEBUG off) serving the test database for the whole session."""
    with django_db_blocker.unblock():
        process = start_daphne(tmp_path_factory.mktemp("live"))
    try:
        yield process
    finally:
        process.stop()
