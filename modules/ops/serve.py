"""`python -m modules.ops.serve [--workers N] [daphne options] selflink.asgi:application`: the web server.

Two things on top of daphne's own command line (every daphne option works the same):

* **An access log that never shows a query string.** daphne's writes each request's full URI, and query strings
  carry user content (`/mentor/stream/?message=…`, `?q=` searches) and credentials (`/ws?token=…`). Here each
  entry shows the path alone. Run the server this way everywhere (deploy/, `just dev`, the tests' live servers,
  the benchmarks): `tests/ops/test_access_log.py` checks that nothing starts plain `daphne`.
* **Several processes on one port.** A daphne process runs Django's sync views one at a time, so it uses one
  core. With `--workers N` (default `WEB_CONCURRENCY`, else 1) this process binds the listening sockets once and
  starts N daphne processes that all accept on them (the kernel hands each connection to one of them); it
  restarts one that dies (after 1, 2, 4 … s, at most 30 s) and stops them all, gracefully, on SIGTERM or SIGINT.
  Realtime works per process (each has its own listener), so nothing else changes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from daphne.cli import CommandLineInterface as DaphneCommandLine
from daphne.server import Server as DaphneServer

from modules.ops.logs import strip_query

ActionLogger = Callable[[str, str, dict[str, Any]], None]


def without_query_strings(action_logger: ActionLogger) -> ActionLogger:
    """Wrap daphne's access logger (called for every HTTP response and WebSocket step) so it sees paths only."""

    def log(protocol: str, action: str, details: dict[str, Any]) -> None:
        path = details.get("path")
        if isinstance(path, str) and "?" in path:
            details = {**details, "path": strip_query(path)}
        action_logger(protocol, action, details)

    return log


class Server(DaphneServer):
    def __init__(self, *args, action_logger: ActionLogger | None = None, **kwargs) -> None:
        super().__init__(*args, action_logger=without_query_strings(action_logger) if action_logger else None, **kwargs)


class CommandLineInterface(DaphneCommandLine):
    server_class = Server


# --- several processes on one port ---------------------------------------------------------------------------

LISTEN_BACKLOG = 2048
CHILD_STOP_SECONDS = 20


@dataclass
class Listener:
    host: str
    port: int
    sock: socket.socket = field(init=False)

    def open(self) -> None:
        if ":" in self.host:
            # Twisted's `fd:` endpoint adopts IPv4 sockets only (its domain option is not converted).
            raise SystemExit(f"--workers needs IPv4 addresses to bind; got {self.host}")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, self.port))
        self.sock.listen(LISTEN_BACKLOG)
        self.sock.set_inheritable(True)

    @property
    def endpoint(self) -> str:
        """The Twisted endpoint that adopts this socket in a child (daphne's `-e`)."""
        return f"fd:fileno={self.sock.fileno()}"


def cpu_count() -> int:
    """The CPUs this process may run on (a container's CPU set), not the host's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_workers(value: str) -> int:
    workers = cpu_count() if value.strip().lower() == "auto" else int(value)
    if workers < 1:
        raise SystemExit("--workers (WEB_CONCURRENCY) must be at least 1, or auto")
    return workers


def workers_option(argv: list[str]) -> tuple[int, list[str]]:
    """`--workers N|auto` (default `WEB_CONCURRENCY`, else 1; `auto` is the number of CPUs) and the arguments
    without it (daphne's own)."""
    value, rest = os.environ.get("WEB_CONCURRENCY") or "1", []
    args = iter(argv)
    for arg in args:
        if arg == "--workers":
            value = next(args)
        elif arg.startswith("--workers="):
            value = arg.split("=", 1)[1]
        else:
            rest.append(arg)
    return parse_workers(value), rest


def split_sockets(argv: list[str]) -> tuple[list[Listener], list[str]]:
    """(the TCP sockets to bind, the other daphne arguments). Sockets come from `-b/--bind` with `-p/--port`
    (default 127.0.0.1:8000, as daphne) and every `-e tcp:port=N[:interface=H]`."""
    host, port, listeners, rest = "127.0.0.1", None, [], []
    args = iter(argv)
    for arg in args:
        if arg in ("-b", "--bind"):
            host = next(args)
        elif arg in ("-p", "--port"):
            port = int(next(args))
        elif arg in ("-e", "--endpoint"):
            endpoint = next(args)
            parts = dict(part.split("=", 1) for part in endpoint.split(":")[1:] if "=" in part)
            if endpoint.startswith("tcp:") and "port" in parts:
                listeners.append(Listener(parts.get("interface", "127.0.0.1"), int(parts["port"])))
            else:
                rest += [arg, endpoint]
        else:
            rest.append(arg)
    if port is not None or not listeners:
        listeners.insert(0, Listener(host, port if port is not None else 8000))
    return listeners, rest


@dataclass
class Child:
    number: int
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 0.0
    restart_at: float | None = None

    def start(self, pass_fds: tuple[int, ...]) -> None:
        self.process = subprocess.Popen(self.command, pass_fds=pass_fds)  # noqa: S603 - this interpreter, our module
        self.started_at = time.monotonic()
        self.restart_at = None


def say(message: str) -> None:
    sys.stderr.write(f"[serve] {message}\n")
    sys.stderr.flush()


def supervise(workers: int, listeners: list[Listener], daphne_args: list[str]) -> int:
    for listener in listeners:
        listener.open()
    endpoints = [arg for listener in listeners for arg in ("-e", listener.endpoint)]
    fds = tuple(listener.sock.fileno() for listener in listeners)
    command = [sys.executable, "-m", "modules.ops.serve", ADOPTED, *endpoints, *daphne_args]
    children = [Child(number, command) for number in range(workers)]
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    for child in children:
        child.start(fds)
    where = ", ".join(f"{listener.host}:{listener.port}" for listener in listeners)
    say(f"{workers} daphne process(es) on {where}: {', '.join(str(c.process.pid) for c in children)}")
    while not stopping.wait(0.5):
        now = time.monotonic()
        for child in children:
            if child.restart_at is not None and now >= child.restart_at:
                child.start(fds)
                say(f"restarted process {child.number} (pid {child.process.pid})")
            elif child.restart_at is None and child.process.poll() is not None:
                ran_for = now - child.started_at
                child.backoff = 1.0 if ran_for >= 60 or not child.backoff else min(child.backoff * 2, 30.0)
                child.restart_at = now + child.backoff
                say(
                    f"process {child.number} exited with code {child.process.returncode} after {ran_for:.0f}s; "
                    f"restarting in {child.backoff:.0f}s"
                )
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + CHILD_STOP_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
    say("stopped")
    return 0


ADOPTED = "--adopted-sockets"  # first argument of the supervisor's children


def daphne(argv: list[str]) -> int:
    sys.argv = [sys.argv[0], *argv]
    CommandLineInterface.entrypoint()
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == [ADOPTED]:
        return daphne(argv[1:])  # a child of the supervisor, on the sockets it inherited
    workers, daphne_args = workers_option(argv)
    if workers == 1:
        return daphne(daphne_args)  # one process needs no supervisor: daphne binds the port itself
    listeners, rest = split_sockets(daphne_args)
    return supervise(workers, listeners, rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
