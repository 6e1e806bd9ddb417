"""Several daphne processes on one port: what `python -m modules.ops.serve --workers N` runs (docs/DEPLOY.md).

A daphne process runs Django's sync views one at a time (under ASGI they all run in one thread), so it uses about
one core whatever the machine has. The supervisor binds the listening sockets once and starts N daphne processes
(workers) that all accept on them: the kernel queues every new connection once, and whichever worker accepts first
takes it. The supervisor then only watches:

- a worker that exits is logged and restarted after 1, 2, 4 … s (at most 30 s; back to 1 s once a worker ran for a
  minute), while the others keep serving and new connections wait in the socket's queue;
- a worker that cannot load the application (exit code BOOT_ERROR) stops everything: every restart would fail the
  same way, so the container should fail loudly instead of looping;
- SIGTERM or SIGINT stops the workers: SIGTERM to each, SIGKILL to any still running after STOP_GRACE_SECONDS, then
  exit 0. A second signal kills them at once.

Workers run in their own session (a terminal's Ctrl-C reaches the supervisor only, which stops them in order) and
die with it: each asks the kernel for SIGTERM when its parent goes away (PR_SET_PDEATHSIG), so a supervisor that
is SIGKILLed leaves no orphan serving on the port.

Only the standard library is imported here: the supervisor stays a small process (about 12 MB); daphne, Twisted
and Django are loaded by the workers alone.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

WORKERS_ENV = "WEB_CONCURRENCY"
SUPERVISED = "--supervised-by"  # `--supervised-by=<pid>`: the first argument of a worker (modules.ops.serve)
BOOT_ERROR = 3  # a worker's exit code when the application cannot be imported (gunicorn uses the same)
LISTEN_BACKLOG = 2048  # as gunicorn; the kernel caps it at net.core.somaxconn
STOP_GRACE_SECONDS = 10.0  # SIGTERM → SIGKILL; below compose's stop_grace_period for the app (20 s)
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STABLE_AFTER_SECONDS = 60.0  # a worker that ran this long died of something new: restart it after 1 s again
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000  # daphne's defaults


class ServeError(Exception):
    """The command cannot run as given; the message says why. `code`: the exit code (2: a usage error)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def say(message: str) -> None:
    sys.stderr.write(f"[serve] {message}\n")
    sys.stderr.flush()


# --- how many workers ------------------------------------------------------------------------------------------


def cgroup_cpu_limit(proc_cgroup: Path = Path("/proc/self/cgroup"), mount: Path = Path("/sys/fs/cgroup")) -> int | None:
    """The CPU quota of this process's cgroup, rounded up to whole CPUs (`docker run --cpus 1.5` → 2), or None when
    there is none. A quota does not change the affinity mask: without this, a container limited to 2 CPUs on a
    32-core host would start 32 workers. cgroup v2 (`cpu.max`) and v1 (`cpu.cfs_quota_us`); the tightest limit on
    the way from the process's cgroup up to the mount point."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    limits = []
    for line in lines:
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0" and controllers == "":
            base, files = mount, ("cpu.max",)
        elif "cpu" in controllers.split(","):
            base, files = mount / controllers, ("cpu.cfs_quota_us", "cpu.cfs_period_us")
        else:
            continue
        directory = base / path.lstrip("/")
        while True:
            if limit := _quota(directory, files):
                limits.append(limit)
            if directory == base or base not in directory.parents:
                break
            directory = directory.parent
    return min(limits) if limits else None


def _quota(directory: Path, files: tuple[str, ...]) -> int | None:
    try:
        if len(files) == 1:  # v2: "max 100000" or "150000 100000"
            quota, period = (directory / files[0]).read_text().split()[:2]
        else:  # v1: a quota of -1 is none
            quota, period = ((directory / name).read_text().strip() for name in files)
        if quota in ("max", "-1") or int(period) <= 0:
            return None
        return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        return None


def cpus_available() -> int:
    """The CPUs this process may use: its affinity mask (a container's cpuset, `taskset`), lowered to the cgroup's
    CPU quota when there is one."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        count = os.cpu_count() or 1
    quota = cgroup_cpu_limit()
    return min(count, quota) if quota else count


def workers_count(option: str | None, environ: Mapping[str, str]) -> tuple[int, str]:
    """How many workers, and why (for the log). `--workers N` is N; `--workers auto` is WEB_CONCURRENCY when set,
    else one per available CPU (so the image can say `auto` and an operator still choose); no `--workers` is
    WEB_CONCURRENCY when set, else 1."""
    configured = environ.get(WORKERS_ENV, "").strip()
    if option is None:
        value, source = (configured, WORKERS_ENV) if configured else ("1", "the default")
    elif option.strip().lower() == "auto" and configured:
        value, source = configured, f"--workers auto: {WORKERS_ENV}"
    else:
        value, source = option, "--workers"
    text = value.strip().lower()
    if text == "auto":
        cpus = cpus_available()
        return cpus, f"{source} auto: {cpus} CPU{'s' if cpus != 1 else ''} available"
    if not text.isdigit() or int(text) < 1:
        name = "--workers" if source == "--workers" else WORKERS_ENV
        raise ServeError(f"{name}={value!r}: expected a number of processes (1 or more) or 'auto'")
    return int(text), f"{source}={int(text)}"


def workers_option(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """`--workers N|auto` (None when absent) and the other arguments (daphne's), in order."""
    parser = _parser()
    parser.add_argument("--workers")
    known, rest = parser.parse_known_args(list(argv))
    return known.workers, rest


# --- the listening sockets -------------------------------------------------------------------------------------


@dataclass
class Listener:
    """One TCP socket, bound and listening in the supervisor, inherited by every worker."""

    host: str
    port: int
    sock: socket.socket | None = field(default=None, repr=False)

    def open(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart does not wait for TIME_WAIT
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}", code=1) from exc
        sock.listen(LISTEN_BACKLOG)
        sock.set_inheritable(True)
        self.sock = sock
        self.port = sock.getsockname()[1]  # the kernel's choice for port 0

    @property
    def endpoint(self) -> str:
        """How a worker adopts the socket: a Twisted endpoint for daphne's `-e`."""
        return f"fd:fileno={self.sock.fileno()}"

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def _parser() -> argparse.ArgumentParser:
    # allow_abbrev=False: an abbreviation of one of daphne's options must not be taken for one of these.
    return argparse.ArgumentParser(add_help=False, allow_abbrev=False)


def _ipv4(host: str, where: str) -> str:
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - Twisted's tcp endpoint without interface: every address
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # a name (localhost): resolved by bind()
    if address.version != 4:
        # Twisted's `fd:` endpoint adopts IPv4 sockets only (its `domain` option is never converted from text).
        raise ServeError(f"{where}: several workers share IPv4 sockets only (bind 0.0.0.0, or run one worker)")
    return host


def _tcp_endpoint(description: str) -> Listener:
    """`tcp:8001`, `tcp:port=8001:interface=127.0.0.1` (Twisted's syntax) as a Listener."""
    if "\\" in description:  # an escaped colon: an IPv6 interface
        raise ServeError(f"-e {description}: several workers share IPv4 sockets only")
    port, options = None, {}
    for part in description.split(":")[1:]:
        key, sep, value = part.partition("=")
        if sep:
            options[key] = value
        elif port is None:
            port = key
    port = options.get("port", port)
    if port is None or not port.isdigit():
        raise ServeError(f"-e {description}: no port")
    return Listener(_ipv4(options.get("interface", ""), f"-e {description}"), int(port))


def listeners_from(argv: Sequence[str]) -> tuple[list[Listener], list[str]]:
    """The TCP sockets daphne would bind for these arguments, as it would (`-b`/`-p`, default 127.0.0.1:8000, and
    every `-e tcp:…`), and the other arguments. Unix sockets, `--fd` and other endpoint types are refused: each
    worker would bind them itself, and the second would fail."""
    parser = _parser()
    parser.add_argument("-b", "--bind", dest="host")
    parser.add_argument("-p", "--port")
    parser.add_argument("-e", "--endpoint", action="append", default=[])
    parser.add_argument("-u", "--unix-socket")
    parser.add_argument("--fd")
    known, rest = parser.parse_known_args(list(argv))
    if known.unix_socket or known.fd is not None:
        option = "-u/--unix-socket" if known.unix_socket else "--fd"
        raise ServeError(f"{option}: several workers share TCP sockets only (-b/-p or -e tcp:…); or run one worker")
    listeners = []
    for description in known.endpoint:
        if not description.startswith("tcp:"):
            raise ServeError(
                f"-e {description}: several workers share TCP sockets only (each would bind this endpoint itself); "
                "terminate TLS at the proxy, or run one worker"
            )
        listeners.append(_tcp_endpoint(description))
    host, port = known.host, known.port
    if port is not None and not port.isdigit():
        raise ServeError(f"-p {port}: not a port number")
    # daphne's own defaults (daphne.cli): nothing given is 127.0.0.1:8000; a host alone gets port 8000 and a port
    # alone host 127.0.0.1.
    if not (host or port is not None or known.endpoint):
        host, port = DEFAULT_HOST, str(DEFAULT_PORT)
    elif host and port is None:
        port = str(DEFAULT_PORT)
    elif port is not None and not host:
        host = DEFAULT_HOST
    if host:
        listeners.insert(0, Listener(_ipv4(host, f"-b {host}"), int(port)))
    return listeners, rest


# --- the workers -----------------------------------------------------------------------------------------------


@dataclass
class Worker:
    number: int
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = 0.0
    restart_at: float | None = None  # set while it waits to be restarted

    @property
    def name(self) -> str:
        return f"worker {self.number} (pid {self.process.pid})" if self.process else f"worker {self.number}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def exit_description(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    """Binds `listeners`, runs `count` workers on them (`daphne_args`: the rest of daphne's command line) and keeps
    them running until SIGTERM or SIGINT. `run()` returns the exit code."""

    def __init__(
        self,
        count: int,
        listeners: list[Listener],
        daphne_args: list[str],
        *,
        why: str = "",
        stop_grace: float = STOP_GRACE_SECONDS,
    ) -> None:
        self.workers = [Worker(number) for number in range(1, count + 1)]
        self.listeners = listeners
        self.daphne_args = daphne_args
        self.why = why
        self.stop_grace = stop_grace
        self.signals: list[int] = []
        self.exit_code = 0

    # -- signals: recorded by the handlers, acted on by the loop (woken through the wakeup socket) --

    def _install_signals(self) -> selectors.BaseSelector:
        receive, wake = socket.socketpair()
        receive.setblocking(False)
        wake.setblocking(False)
        self._wake = wake  # kept open for as long as the handlers may write to it
        self._receive = receive
        signal.set_wakeup_fd(wake.fileno())
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(signum, self._record)
        selector = selectors.DefaultSelector()
        selector.register(receive, selectors.EVENT_READ)
        return selector

    def _record(self, signum: int, frame) -> None:
        self.signals.append(signum)

    def _wait(self, selector: selectors.BaseSelector, timeout: float) -> bool:
        """Sleep until a signal or `timeout`; True when SIGTERM/SIGINT arrived meanwhile."""
        selector.select(max(timeout, 0.0))
        try:
            while self._receive.recv(512):
                pass
        except BlockingIOError:
            pass
        stop = any(signum in (signal.SIGTERM, signal.SIGINT) for signum in self.signals)
        self.signals.clear()
        return stop

    # -- workers --

    def _command(self) -> list[str]:
        endpoints = [part for listener in self.listeners for part in ("-e", listener.endpoint)]
        return [sys.executable, "-m", "modules.ops.serve", f"{SUPERVISED}={os.getpid()}", *endpoints, *self.daphne_args]

    def _start(self, worker: Worker) -> None:
        worker.process = subprocess.Popen(  # noqa: S603 - this interpreter, our module
            self._command(),
            # How many they are, so that per-process defaults (PASSWORD_HASH_CONCURRENCY) take their share of the CPUs.
            env={**os.environ, WORKERS_ENV: str(len(self.workers))},
            pass_fds=tuple(listener.sock.fileno() for listener in self.listeners),
            start_new_session=True,  # a terminal's Ctrl-C reaches the supervisor only; it stops the workers in order
        )
        worker.started_at = time.monotonic()
        worker.restart_at = None

    def _check(self, now: float) -> None:
        """Restart the workers that are due; notice the ones that exited (and schedule their restart)."""
        for worker in self.workers:
            if worker.restart_at is not None:
                if now >= worker.restart_at:
                    self._start(worker)
                    say(f"restarted {worker.name}")
                continue
            code = worker.process.poll()
            if code is None:
                continue
            ran = now - worker.started_at
            if code == BOOT_ERROR:
                say(
                    f"{worker.name} could not load the application ({exit_description(code)}; its traceback is above): "
                    "stopping, since every restart would fail the same way"
                )
                self.exit_code = BOOT_ERROR
                return
            first = ran >= STABLE_AFTER_SECONDS or not worker.backoff
            worker.backoff = FIRST_BACKOFF_SECONDS if first else min(worker.backoff * 2, MAX_BACKOFF_SECONDS)
            worker.restart_at = now + worker.backoff
            say(f"{worker.name} {exit_description(code)} after {ran:.0f} s; restarting it in {worker.backoff:.0f} s")

    def _next_wakeup(self, now: float) -> float:
        due = [worker.restart_at - now for worker in self.workers if worker.restart_at is not None]
        return min([1.0, *due])

    def _stop(self, selector: selectors.BaseSelector) -> None:
        running = [worker for worker in self.workers if worker.running]
        if running:
            say(f"stopping {len(running)} worker(s): SIGTERM, SIGKILL after {self.stop_grace:g} s")
        for worker in running:
            worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        while any(worker.running for worker in running):
            if self._wait(selector, min(0.1, deadline - time.monotonic())) or time.monotonic() >= deadline:
                break  # a second SIGTERM/SIGINT, or the grace period is over
        for worker in running:
            if worker.running:
                worker.process.kill()
                worker.process.wait()
                say(f"{worker.name} killed (still running after SIGTERM)")
            else:
                say(f"{worker.name} stopped ({exit_description(worker.process.returncode)})")

    def run(self) -> int:
        for listener in self.listeners:
            listener.open()
        selector = self._install_signals()
        for worker in self.workers:
            self._start(worker)
        say(
            f"{len(self.workers)} daphne workers ({self.why}) on {', '.join(map(str, self.listeners))}: "
            + ", ".join(worker.name for worker in self.workers)
        )
        try:
            while not self._wait(selector, self._next_wakeup(time.monotonic())):
                self._check(time.monotonic())
                if self.exit_code:
                    break
        finally:
            self._stop(selector)
            for listener in self.listeners:
                listener.sock.close()
        say("stopped")
        return self.exit_code


# --- in a worker ---------------------------------------------------------------------------------------------


def die_with_supervisor(supervisor_pid: int) -> None:
    """In a worker: SIGTERM from the kernel when the supervisor dies, whatever kills it (Linux; elsewhere a worker
    outlives a supervisor that is SIGKILLed). The supervisor may already be gone by the time this runs."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != supervisor_pid:
        raise SystemExit(0)
