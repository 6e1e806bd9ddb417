"""What every benchmark in this package shares (`python -m scripts.bench.<name>`, see docs/BENCHMARKS.md).

- `say`: the one way a benchmark announces its steps (`[bench-feed] …`, the prefix set once by `speak_as`).
- `parse`: the options every benchmark has: --smoke (seconds, tiny data, the same steps; its own database) and
  --results-dir.
- `BenchRun`, one run of a benchmark (its database, the environment of its server processes, its children, its
  daphne, its results file, its cleanup), `K6Bench` (a run driven by k6), and `run_bench`, which runs one and
  always cleans up.
- The database helpers (`own_database`, `with_database`, bench users and their sessions, truncation), daphne and
  child processes, and the measurements: CPU and memory sampling, percentiles, the process and machine tables.
"""

from __future__ import annotations

import abc
import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
K6 = Path(PYTHON).parent / "k6"
RESULTS_DIR = ROOT / "bench-results"

BENCH_PASSWORD = "selflink-bench-2026"  # bench-only accounts in the bench database
BENCH_EMAIL_DOMAIN = "bench.example.com"
RELAXED_RATE = "1000000/m"
POOL_MAX = 20
MAX_ERROR_RATE = 0.01
SCENARIO_GAP_SECONDS = 3
DAPHNE_STOP_SECONDS = 15  # the supervisor's own grace for its workers is 10 s

_speaker = "bench"  # the prefix of this process's lines: the benchmark it belongs to (see speak_as)


def speak_as(name: str) -> None:
    """Every line this process announces from now on starts with `[name]` (the benchmark's recipe name; its child
    processes say the same, so one run's lines all read alike)."""
    global _speaker
    _speaker = name


def prefixed(message: str) -> str:
    return f"[{_speaker}] {message}"


def say(message: str) -> None:
    print(prefixed(message), flush=True)


class BenchError(Exception):
    """A step failed; the message says which and why."""


def duration_seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*(s|m)?", text.strip())
    if not match or int(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"expected a duration like 20, 20s or 2m, got {text!r}")
    return int(match[1]) * (60 if match[2] == "m" else 1)


def positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def parse(parser: argparse.ArgumentParser, argv: list[str] | None, smoke: dict) -> argparse.Namespace:
    """The command line, with the options every benchmark has added to `parser`: --smoke (the defaults in `smoke`
    instead of the full run's; options given explicitly still apply) and --results-dir."""
    defaults = ", ".join(
        f"--{name.replace('_', '-')} {','.join(map(str, value)) if isinstance(value, list) else value}"
        for name, value in smoke.items()
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a check that the benchmark still works, in seconds: every step on tiny data, in its own database "
        f"(<name>_smoke), with these defaults: {defaults}. Exit code 1 on any error (no error rate is tolerated)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        help="where the results and server logs go (default bench-results/, bench-results/smoke/ with --smoke)",
    )
    known, _ = parser.parse_known_args(argv)
    if known.smoke:
        parser.set_defaults(**smoke)
    return parser.parse_args(argv)


def bench_database(name: str, smoke: bool) -> str:
    """The database of a benchmark: `name`, or its own `<name>_smoke` for --smoke runs (which never touch the data
    of a full run, e.g. a seed kept for --reuse)."""
    return f"{name}_smoke" if smoke else name


def shown(path: Path) -> str:
    """A path as the report prints it: relative to the project when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# --- seeding (in the seeding child processes) -----------------------------------------------------------------


def seed_users(count: int, *, prefix: str, name: str, database: str) -> list[int]:
    """In a seeding child process: set Django up, refuse any database but `database` (the one the benchmark may
    empty), and make sure `count` bench users `<prefix>-00001@…` exist (kept between runs, created when missing;
    nobody signs in with a password). Their ids, in order."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from modules.accounts.models import User

    if connection.settings_dict["NAME"] != database:
        raise SystemExit(f"refusing to seed database {connection.settings_dict['NAME']!r}: only {database!r} is")
    emails = [f"{prefix}-{index:05d}@{BENCH_EMAIL_DOMAIN}" for index in range(1, count + 1)]
    existing = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
    missing = [(index, email) for index, email in enumerate(emails, start=1) if email not in existing]
    if missing:
        unusable = make_password(None)  # sessions are opened directly by the benchmarks
        User.objects.bulk_create(
            [
                User(email=email, handle=f"{prefix}_{index:05d}", name=f"{name} {index}", password=unusable)
                for index, email in missing
            ],
            batch_size=2000,
        )
        existing = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
    say(f"  users: {len(missing)} created, {count - len(missing)} already there")
    return [existing[email] for email in emails]


def truncate(models) -> None:
    """Empty the tables of `models` and what references them: a benchmark's own database holds nothing but what
    earlier runs wrote, and every run starts from the same state."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(model._meta.db_table for model in models)} CASCADE")  # model table names


def sessions_open(ids: list[int]) -> list[dict]:
    """One sign-in session per bench user, and its access token: [{"user": id, "token": …}], in the order of `ids`."""
    from modules.accounts.models import AuthSession
    from modules.accounts.tokens import access_token_issue

    sessions = AuthSession.objects.bulk_create([AuthSession(user_id=user_id) for user_id in ids])
    return [
        {"user": session.user_id, "token": access_token_issue(user_id=session.user_id, session_id=session.id)}
        for session in sessions
    ]


def seed_hand_over(output: Path, data: dict) -> None:
    """The last step of a seeding child: ANALYZE what it wrote, then hand `data` to the orchestrator in `output`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    output.write_text(json.dumps(data))
    output.chmod(0o600)  # live access tokens of the bench users


# --- processes, requests and the machine ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(
    method: str, url: str, payload: dict | None = None, timeout: float = 10, token: str | None = None
) -> tuple[int, dict]:
    """A JSON request to the local daphne (as the user of the access `token`, when given): (status, body)."""
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - local daphne
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, {"detail": body[:200].decode(errors="replace")}


def machine_cpu_seconds() -> tuple[float, float] | None:
    """(busy, total) CPU-seconds of the whole machine since boot, from /proc/stat (Linux); None elsewhere."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal
    return (total - idle) / tick, total / tick


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU-seconds used so far by a process (all its threads), from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def machine_busy_now(seconds: float = 1.0) -> float | None:
    """Fraction of all CPUs busy over the next `seconds` (before anything of ours runs)."""
    before = machine_cpu_seconds()
    time.sleep(seconds)
    after = machine_cpu_seconds()
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def show(command: list[str]) -> str:
    """A command as it can be typed in the project directory (`python` is the venv's)."""
    shown = ["python", *command[1:]] if command[0] == PYTHON else command
    return shlex.join(str(part).replace(f"{ROOT}/", "") for part in shown)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def log_tail(path: Path | None, lines: int = 30) -> str:
    if not path or not path.exists():
        return "(no output)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


APPLICATION = "selflink.asgi:application"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def image_command(port: int) -> list[str]:
    """The production image's server command (deploy/Dockerfile's CMD, read from it) with this interpreter, on
    127.0.0.1:`port`: `python -m modules.ops.serve --workers auto …`, one daphne per CPU (WEB_CONCURRENCY in the
    environment chooses the number, as in production)."""
    match = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    command = json.loads(match[1]) if match else []
    if command[:3] != ["python", "-m", "modules.ops.serve"] or "-b" not in command or "-p" not in command:
        raise BenchError(f'{shown(DOCKERFILE)}: expected CMD ["python", "-m", "modules.ops.serve", … -b … -p …]')
    args = command[3:]
    args[args.index("-b") + 1], args[args.index("-p") + 1] = "127.0.0.1", str(port)
    return [PYTHON, "-m", "modules.ops.serve", *args]


def single_command(port: int) -> list[str]:
    """One daphne process on 127.0.0.1:`port`, whatever WEB_CONCURRENCY says (the benchmarks that measure one)."""
    return [PYTHON, "-m", "modules.ops.serve", "--workers", "1", "-b", "127.0.0.1", "-p", str(port), APPLICATION]


def server_pids(pid: int) -> list[int]:
    """A server's processes: the one daphne, or the supervisor and its daphne workers."""
    return [pid, *sorted(children_of(pid))]


def server_workers(pid: int) -> list[int]:
    """The daphne processes of a server: the supervisor's children, or the one process itself."""
    return sorted(children_of(pid)) or [pid]


def server_cpu_seconds(pid: int) -> float:
    """CPU-seconds used so far by a server's processes (a worker restarted meanwhile loses its earlier share)."""
    return sum(process_cpu_seconds(each) or 0.0 for each in server_pids(pid))


def server_memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a server's processes summed, in KiB. RSS counts the pages they share once per process (what
    `ps` shows, and what the issue's targets are about); PSS splits shared pages between them."""
    pids = server_pids(pid)
    return sum(memory_kib(each) or 0 for each in pids), sum(memory_kib(each, "Pss") or 0 for each in pids)


def established(port: int) -> dict[str, int]:
    """Established TCP connections to 127.0.0.1:`port`, server side: {"socket:[inode]": the client's port}."""
    found = {}
    try:
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].split(":")[1], 16) == port:  # 01: ESTABLISHED
                found[f"socket:[{fields[9]}]"] = int(fields[2].split(":")[1], 16)
    except OSError:
        return {}
    return found


def socket_inodes(pid: int) -> set[str]:
    try:
        return {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
    except OSError:
        return set()


def connections_per_process(port: int, pids: list[int]) -> dict[int, int]:
    """Established TCP connections to 127.0.0.1:`port` held by each of `pids` (from /proc/net/tcp and the processes'
    file descriptors): how the kernel spread the clients over the workers."""
    inodes = set(established(port))
    return {pid: len(socket_inodes(pid) & inodes) for pid in pids}


def answered_by(port: int, pids: list[int]) -> int | None:
    """GET /api/v1/health/ on a new connection to 127.0.0.1:`port`: which of `pids` answered (the connection is still
    open when the kernel is asked), None when it did not answer."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/api/v1/health/")
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            return None
        client_port = connection.sock.getsockname()[1]
        inodes = {inode for inode, peer in established(port).items() if peer == client_port}
        return next((pid for pid in pids if socket_inodes(pid) & inodes), None)
    except OSError:
        return None
    finally:
        connection.close()


class ServerSampler(threading.Thread):
    """Every `interval` seconds while it runs: the memory of a server's processes summed (supervisor and workers)."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.rss: list[int] = []
        self.pss: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            rss, pss = server_memory_kib(self.pid)
            self.rss.append(rss)
            self.pss.append(pss)
            self.stopping.wait(self.interval)

    def stop(self) -> dict:
        """Stop sampling: the peak and mean RSS and PSS in KiB."""
        self.stopping.set()
        self.join(timeout=5)
        return {
            "rss_peak_kib": max(self.rss, default=0),
            "rss_mean_kib": round(sum(self.rss) / len(self.rss)) if self.rss else 0,
            "pss_peak_kib": max(self.pss, default=0),
            "samples": len(self.rss),
        }


def daphne_start(port: int, env: dict[str, str], log_path: Path, *, image: bool = False) -> subprocess.Popen:
    """The server on 127.0.0.1:`port` (output in `log_path`), once /api/v1/health/ answers and every daphne worker
    is listening: the image's command (`image`: the production process model, one daphne per CPU) or one daphne."""
    command = image_command(port) if image else single_command(port)
    model = "the image's command (deploy/Dockerfile CMD)" if image else "one daphne process"
    say(f"  $ {show(command)}  ({model}; access log included, as under `just dev`)")
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 90
    answered: set[int] = set()
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchError(
                    f"the server exited with code {process.returncode} before answering:\n{log_tail(log_path)}"
                )
            # Every daphne process accepts on the port: new connections until each has answered one (the kernel
            # hands a connection to whichever accepts first, so a worker still loading Django answers none).
            workers = server_workers(process.pid)
            answered.add(answered_by(port, workers))
            if set(workers) <= answered and (workers != [process.pid] or not children_of(process.pid)):
                processes = (
                    f"supervisor pid {process.pid}, {len(workers)} daphne workers (pids {', '.join(map(str, workers))})"
                    if workers != [process.pid]
                    else f"one daphne process, pid {process.pid}"
                )
                say(f"server is up ({processes}): each answered GET /api/v1/health/")
                return process
            time.sleep(0.1)
        raise BenchError(f"the server's processes did not all answer within 90 s:\n{log_tail(log_path)}")
    except BaseException:  # not up (or Ctrl-C meanwhile): the caller never gets it, so it must not outlive us
        process.kill()
        process.wait()
        raise


def process_stop(process: subprocess.Popen | None, name: str, *, timeout: float, signum: int = signal.SIGTERM) -> None:
    """Ask a child to stop (`signum`), then kill it when it has not exited within `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    say(f"stopping {name} (pid {process.pid})")
    process.send_signal(signum)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # daphne: requests cut off mid-flight (the load generator interrupted) leave threads waiting for the
        # stopped event loop, and the interpreter waits for them at exit: see docs/BENCHMARKS.md.
        say(f"{name} did not exit within {timeout:g} s: killing it")
        process.kill()
        process.wait()


def login(base_url: str, email: str) -> dict:
    """POST /api/v1/auth/login/ as the bench user `email`: the response body (user, token, refreshToken)."""
    status, body = http_json(
        "POST", f"{base_url}/api/v1/auth/login/", {"email": email, "password": BENCH_PASSWORD}, timeout=30
    )
    if status != 200:
        raise BenchError(f"login of {email} failed: HTTP {status} {body}")
    return body


# --- measurements of the realtime and mentor benchmarks (every process, over the measured window) ----------


def emit(line: str) -> None:
    """A protocol line of a child process for its orchestrator (stdout is a pipe it reads)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def memory_kib(pid: int, field: str = "VmRSS") -> int | None:
    """A memory figure of a process in KiB: VmRSS (from status) or Pss (from smaps_rollup)."""
    source = "smaps_rollup" if field == "Pss" else "status"
    try:
        for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            pids.append(int(entry.name))
    return pids


BENCH_MARKERS = ("scripts.bench.", "/k6 run", "pytest")


def other_benchmarks(workdir: Path) -> list[str]:
    """Command lines of other benchmark or test runs on this machine (they compete for the CPUs). Not this run:
    this process, its parent (e.g. `just`) and its children (their command lines name its `workdir`)."""
    found = []
    mine = {os.getpid(), os.getppid()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if any(marker in command for marker in BENCH_MARKERS) and str(workdir) not in command:
            found.append(command[:160])
    return found


def others_check(workdir: Path) -> list[str]:
    """`other_benchmarks()`, announced with a warning when there are any."""
    others = other_benchmarks(workdir)
    if others:
        say("  warning: other benchmarks or test runs are active; the numbers will be noisier than usual:")
        for command in others[:5]:
            say(f"    {command}")
    return others


class Sampler(threading.Thread):
    """Every second: the memory of the tracked processes (peak and last) and of PostgreSQL's processes."""

    def __init__(self, processes: dict[str, int], postmaster: int | None) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.postmaster = postmaster
        self.peak: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.postgres_peak = {"rss": 0, "pss": 0, "processes": 0}
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(1.0)

    def sample(self) -> None:
        for name, pid in self.processes.items():
            rss = memory_kib(pid)
            if rss is not None:
                self.last[name] = rss
                self.peak[name] = max(self.peak.get(name, 0), rss)
        if self.postmaster:
            pids = [self.postmaster, *children_of(self.postmaster)]
            rss = sum(memory_kib(pid) or 0 for pid in pids)
            pss = sum(memory_kib(pid, "Pss") or 0 for pid in pids)
            if pss > self.postgres_peak["pss"]:
                self.postgres_peak = {"rss": rss, "pss": pss, "processes": len(pids)}

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        self.sample()


NON_CPU = ("machine_busy", "machine_total")  # the keys of a cpu_snapshot() that are not a process's CPU time


def cpu_snapshot(processes: dict[str, int], postmaster: int | None) -> dict[str, float]:
    snapshot = {name: process_cpu_seconds(pid) or 0.0 for name, pid in processes.items()}
    if postmaster:
        snapshot["postgres"] = sum(process_cpu_seconds(pid) or 0.0 for pid in [postmaster, *children_of(postmaster)])
    machine = machine_cpu_seconds()
    if machine:
        snapshot["machine_busy"], snapshot["machine_total"] = machine
    return snapshot


def cpu_shares(now: dict[str, float], previous: dict[str, float], seconds: float) -> str:
    """Each process's share of a CPU between two cpu_snapshot()s `seconds` apart, for the progress lines."""
    return ", ".join(
        f"{name} {(now[name] - previous.get(name, 0.0)) / seconds:.0%}" for name in now if name not in NON_CPU
    )


def window_figures(
    before: dict[str, float], after: dict[str, float], sampler: Sampler, load: tuple[tuple, tuple], seconds: float
) -> dict:
    """The measured window's figures from its first and last cpu_snapshot(), the memory `sampler` (stopped) and the
    load average before and after: CPU-seconds per process, the machine's busy share, RSS and PostgreSQL's PSS."""
    cpu = {name: round(after[name] - before.get(name, 0.0), 2) for name in after if name not in NON_CPU}
    machine = None
    if "machine_total" in after and "machine_total" in before:
        total = after["machine_total"] - before["machine_total"]
        machine = {
            "cpu_seconds_available": round(total, 1),
            "busy_share": round((after["machine_busy"] - before["machine_busy"]) / total, 3) if total else None,
        }
    load_before, load_after = load
    return {
        "cpu_seconds": cpu,
        "measured_seconds": seconds,
        "machine": machine,
        "rss_kib": {"peak": sampler.peak, "last": sampler.last},
        "postgres_memory_kib": sampler.postgres_peak,
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
    }


def print_processes(run: dict) -> None:
    """The table of CPU time and memory per process over the measured window (from window_figures())."""
    seconds = run["measured_seconds"]
    header = f"{'process (measured window)':<28} {'CPU s':>7} {'CPU %':>7} {'RSS MiB':>8} {'peak MiB':>9}"
    print(header)
    print("-" * len(header))
    for name, cpu in run["cpu_seconds"].items():
        if name == "postgres":
            continue
        last = run["rss_kib"]["last"].get(name, 0) / 1024
        peak = run["rss_kib"]["peak"].get(name, 0) / 1024
        print(f"{name:<28} {cpu:>7.1f} {cpu / seconds:>7.0%} {last:>8.0f} {peak:>9.0f}")
    if "postgres" in run["cpu_seconds"]:
        pg = run["postgres_memory_kib"]
        cpu = run["cpu_seconds"]["postgres"]
        print(
            f"{'postgres (all processes)':<28} {cpu:>7.1f} {cpu / seconds:>7.0%} {pg['pss'] / 1024:>8.0f} "
            f"{'':>9}  (PSS of {pg['processes']} processes; RSS sum {pg['rss'] / 1024:.0f} MiB counts shared "
            "buffers in each)"
        )


def print_machine(run: dict) -> None:
    """How busy the whole machine was during the measured window (from window_figures()), when known."""
    machine = run["machine"]
    if machine:
        print(
            f"machine: {os.cpu_count()} CPUs, {machine['busy_share']:.0%} busy during the measured window; load "
            f"average {run['load_average']['before'][0]} before, {run['load_average']['after'][0]} after"
        )


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (values sorted ascending)."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def distribution(seconds: list[float]) -> dict:
    values = sorted(value * 1000 for value in seconds)
    stats = {"count": len(values)}
    for name, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p999", 0.999)):
        value = percentile(values, fraction)
        stats[f"{name}_ms"] = None if value is None else round(value, 2)
    stats["max_ms"] = round(values[-1], 2) if values else None
    return stats


def ms(value: float | None) -> str:
    """A latency in a report table: one decimal, `-` when there was nothing to measure."""
    return "-" if value is None else f"{value:.1f}"


def window_results(run: dict) -> dict:
    """The measured window's figures (from window_figures()) as the results files keep them."""
    return {
        "cpu_seconds": run["cpu_seconds"],
        "measured_seconds": round(run["measured_seconds"], 2),
        "rss_kib": run["rss_kib"],
        "postgres_memory_kib": run["postgres_memory_kib"],
    }


# --- orchestration: what every benchmark's orchestrator shares ----------------------------------------------


class BenchRun(abc.ABC):
    """One run of a benchmark: its timestamp and work directory, the bench database, the environment of the server
    processes, the children it runs, its daphne (when it has one), its results file and its cleanup."""

    name = "bench"  # `just <name>`: the prefix of its lines and of its files in bench-results/
    module = "scripts.bench.api"  # `python -m <module>`: runs the benchmark, and its steps in child processes
    database_name = "selflink_bench"  # its own database (`<name>_smoke` for --smoke runs)

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.smoke: bool = args.smoke
        self.database_name = bench_database(self.database_name, self.smoke)
        self.results_dir: Path = args.results_dir or (RESULTS_DIR / "smoke" if self.smoke else RESULTS_DIR)
        # A full run tolerates a few errors (a request can fail under a load no server sustains); a smoke run none.
        self.max_error_rate = 0.0 if self.smoke else MAX_ERROR_RATE
        self.stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.embedded = None  # the embedded PostgreSQL, while this run holds it
        self.database_url = ""
        self.postmaster: int | None = None
        self.daphne: subprocess.Popen | None = None
        self.daphne_log: Path | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix=f"selflink-{self.name}-"))
        self.busy_before: float | None = None

    def database(self) -> None:
        self.embedded, self.database_url, self.postmaster = own_database(
            self.database_name, self.args.database_url, f"just {self.name}"
        )

    @abc.abstractmethod
    def run_seconds(self) -> float:
        """How long the benchmark uses the bench users' access tokens, from the first request to the last."""

    def token_seconds(self) -> int:
        """How long the bench users' access tokens live: the run and a margin (at least the default 15 min, at
        most a day)."""
        return int(min(24 * 3600, max(15 * 60, self.run_seconds() + 900)))

    def server_settings(self) -> dict[str, str]:
        """This benchmark's own settings for its children (relaxed rate limits, providers)."""
        return {}

    def child_env(self) -> dict[str, str]:
        # WEB_CONCURRENCY from a developer's .env (`just dev`) must not change what a benchmark measures: unset, as in
        # production by default, unless the benchmark's --workers chooses (an operator's WEB_CONCURRENCY).
        inherited = {key: value for key, value in os.environ.items() if key != "WEB_CONCURRENCY"}
        workers = getattr(self.args, "workers", "auto")
        return {
            **inherited,
            **({} if workers == "auto" else {"WEB_CONCURRENCY": str(workers)}),
            "SELFLINK_ENV": "development",
            "DEBUG": "false",
            "DATABASE_URL": self.database_url,
            "DATABASE_POOL_MAX": str(POOL_MAX),
            "RATE_LIMITS_ENABLED": "true",
            "LOG_LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
            "JWT_ACCESS_TTL_SECONDS": str(self.token_seconds()),
            **self.server_settings(),
        }

    def own_command(self, *args: str) -> list[str]:
        """This benchmark's module as a child process (a step that needs Django set up on the bench database, a
        load generator), with --smoke when this is a smoke run."""
        return [PYTHON, "-m", self.module, *args, *(["--smoke"] if self.smoke else [])]

    def run_child(self, description: str, command: list[str]) -> None:
        say(description)
        say(f"  $ {show(command)}")
        result = subprocess.run(command, cwd=ROOT, env=self.child_env(), check=False, start_new_session=True)
        if result.returncode != 0:
            raise BenchError(f"{description}: exit code {result.returncode}")

    def start_daphne(self, port: int, relaxed: str, settings: str = "", *, image: bool = False) -> None:
        """The server of this run (`settings`: more of its settings worth naming; `relaxed`: which limits are
        relaxed, and why), logging to bench-results/daphne[-<benchmark>]-<timestamp>.log: the image's command
        (`image`: a supervisor and one daphne per CPU, or WEB_CONCURRENCY=--workers) or one daphne process."""
        self.daphne_log = self.log_path(self.name.replace("bench", "daphne", 1))
        workers = getattr(self.args, "workers", "auto")
        model = (
            f"as the production image runs it ({'--workers auto: one daphne per CPU' if workers == 'auto' else ''}"
            f"{'' if workers == 'auto' else f'WEB_CONCURRENCY={workers}'})"
            if image
            else "one process"
        )
        say(
            f"starting the server on 127.0.0.1:{port}: {model}, SELFLINK_ENV=development DEBUG=false, "
            f"DATABASE_POOL_MAX={POOL_MAX} per process{settings}, output in {shown(self.daphne_log)}"
        )
        say(relaxed)
        self.daphne = daphne_start(port, self.child_env(), self.daphne_log, image=image)

    def daphne_tail(self, lines: int = 30) -> str:
        return log_tail(self.daphne_log, lines)

    def daphne_check(self) -> None:
        """Fail the run when the server, or one of its daphne workers, died while it was being measured."""
        if self.daphne and self.daphne.poll() is not None:
            raise BenchError(f"the server died during the run (exit {self.daphne.returncode}):\n{self.daphne_tail()}")
        if self.daphne_log and "restarting it in" in self.daphne_log.read_text(errors="replace"):
            raise BenchError(f"a daphne worker died during the run (then restarted):\n{self.daphne_tail()}")

    def log_path(self, prefix: str, suffix: str = "") -> Path:
        """A server log of this run: <results dir>/<prefix>-<timestamp><suffix>.log."""
        self.results_dir.mkdir(parents=True, exist_ok=True)
        return self.results_dir / f"{prefix}-{self.stamp}{suffix}.log"

    def results_path(self, suffix: str = ".json") -> Path:
        self.results_dir.mkdir(parents=True, exist_ok=True)
        return self.results_dir / f"{self.name}-{self.stamp}{suffix}"

    def write_results(self, result: dict) -> None:
        out = self.results_path()
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        say(f"results written to {shown(out)}")

    def errors_allowed(self) -> str:
        """How many errors this run tolerates, for its verdict: `under 1% errors`, or `without errors` (--smoke)."""
        return f"under {self.max_error_rate:.0%} errors" if self.max_error_rate else "without errors"

    def machine_during(self, run: dict, others) -> dict:
        """The machine part of the results file of a run measured with window_figures() (`others`: the other
        benchmarks seen running)."""
        return {
            "cpus": os.cpu_count(),
            "cpu_busy_before_start": None if self.busy_before is None else round(self.busy_before, 3),
            "during_measured_window": run["machine"],
            "load_average": run["load_average"],
            "other_benchmarks_running": others,
            "platform": platform.platform(),
            "python": platform.python_version(),
        }

    def stop_daphne(self) -> None:
        process_stop(self.daphne, "the server", timeout=DAPHNE_STOP_SECONDS)

    def release(self) -> None:
        """The last step of every cleanup: the database handed back, the work directory removed."""
        if self.embedded is not None:
            embedded_release(self.embedded)
            self.embedded = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    @abc.abstractmethod
    def run(self) -> int:
        """Every step of the benchmark, in order: its exit code (0 passed, 1 failed)."""

    def cleanup(self) -> None:
        """Whatever the run started, stopped (on success, failure and interruption alike)."""
        self.stop_daphne()
        self.release()


class K6Bench(BenchRun):
    """A benchmark driven by k6 against one daphne (`api`, `feed`), with the k6 script beside its module."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.k6: subprocess.Popen | None = None
        self.base_url = ""
        self.cpu_split: dict[str, float] = {}
        self.port = 0
        self.server_run: dict = {}
        # Idle seconds between two scenarios, so that one's last requests never fall into the next one's window: what
        # a measurement needs, and a smoke run (which measures nothing) does not.
        self.gap_seconds = 1 if self.smoke else SCENARIO_GAP_SECONDS

    def start_daphne(self, port: int, relaxed: str, settings: str = "", *, image: bool = False) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.port = port
        super().start_daphne(port, relaxed, settings, image=image)

    def run_k6(
        self, script: Path, config: dict, plan: str, *, quiet: bool = False, summary_path: Path | None = None
    ) -> dict:
        """k6 running `script` with `config` (in the file named by BENCH_CONFIG; `plan` says what it does). k6's
        end-of-test summary, which the script writes. Meanwhile measured (in `self.cpu_split` and `self.server_run`):
        the split of the CPU time, the server's memory (all its processes, sampled twice a second) and how the
        connections were spread over its workers (sampled in the middle of the run)."""
        summary_path = summary_path or self.results_path(".k6-summary.json")
        config_path = self.workdir / "k6-config.json"
        config_path.write_text(json.dumps({**config, "summaryPath": str(summary_path)}))
        config_path.chmod(0o600)  # holds live tokens of the bench users
        command = [str(K6), "run", "--no-color", *(["--quiet"] if quiet else []), str(script)]
        say(f"running k6: {plan}")
        say(f"  $ BENCH_CONFIG={config_path} {show(command)}")
        env = {**os.environ, "BENCH_CONFIG": str(config_path), "K6_NO_USAGE_REPORT": "true"}
        machine_before = machine_cpu_seconds()
        server_before = server_cpu_seconds(self.daphne.pid) if self.daphne else None
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        sampler = ServerSampler(self.daphne.pid) if self.daphne else None
        if sampler:
            sampler.start()
        started = time.monotonic()
        self.k6 = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        connections: dict[int, int] = {}
        midpoint = started + config.get("durationSeconds", 0) / 2 + 1  # k6 takes about a second to start
        while self.k6.poll() is None:
            if not connections and self.daphne and time.monotonic() >= midpoint:
                connections = connections_per_process(self.port, server_workers(self.daphne.pid))
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.k6.wait(timeout=0.2)
        code = self.k6.returncode
        self.k6 = None
        self.server_run = {
            "seconds": round(time.monotonic() - started, 2),
            "memory": sampler.stop() if sampler else {},
            "connections_per_worker": list(connections.values()),
        }
        self.report_cpu(machine_before, server_before, children_before)
        if code != 0:
            raise BenchError(f"k6 exited with code {code}")
        self.daphne_check()
        return json.loads(summary_path.read_text())

    def report_cpu(self, machine_before, server_before, children_before, *, quiet: bool = False) -> None:
        """Who used the CPUs during the k6 run: k6 itself competes with the server for them."""
        children = resource.getrusage(resource.RUSAGE_CHILDREN)  # k6 is the only child reaped meanwhile
        k6 = (children.ru_utime + children.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
        machine_after = machine_cpu_seconds()
        server_after = server_cpu_seconds(self.daphne.pid) if self.daphne else None
        if machine_before is None or machine_after is None or server_before is None or server_after is None:
            return
        busy = machine_after[0] - machine_before[0]
        capacity = machine_after[1] - machine_before[1]
        server = server_after - server_before
        rest = max(busy - k6 - server, 0.0)
        self.cpu_split = {
            "available": round(capacity, 1),
            "k6": round(k6, 1),
            "server": round(server, 2),
            "postgres_and_other": round(rest, 1),
            "idle": round(capacity - busy, 1),
        }
        say(
            f"CPU time during the k6 run ({capacity:.0f} CPU-s available): k6 {k6:.0f} s ({k6 / capacity:.0%}), "
            f"server (every daphne) {server:.0f} s ({server / capacity:.0%}), PostgreSQL and the rest {rest:.0f} s "
            f"({rest / capacity:.0%}), idle {capacity - busy:.0f} s"
        )

    def machine(self, k6_version: str) -> dict:
        """The machine part of the results file."""
        return {
            "cpus": os.cpu_count(),
            "cpu_busy_before_start": None if self.busy_before is None else round(self.busy_before, 3),
            "cpu_seconds_during_k6_run": self.cpu_split,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "k6": k6_version,
        }

    def verdict(self, failing: list[dict], unit: str) -> int:
        """Exit code 1, with the `unit`s (endpoints, scenarios) with more errors than allowed, or 0."""
        if failing:
            names = ", ".join(f"{row[unit]} ({row['error_rate'] * 100:.2f}%)" for row in failing)
            limit = f"error rate above {self.max_error_rate:.0%}" if self.max_error_rate else "errors (--smoke: none)"
            say(f"FAILED: {limit} for {names}")
            say(f"last lines of {self.daphne_log}:\n{self.daphne_tail()}")
            return 1
        say(f"passed: every {unit} {self.errors_allowed()}")
        return 0

    def cleanup(self) -> None:
        process_stop(self.k6, "k6", timeout=10, signum=signal.SIGINT)
        super().cleanup()


def k6_endpoint(metrics: dict, name: str) -> tuple[int, dict, float]:
    """From k6's summary, the requests tagged `endpoint:<name>`: (count, http_req_duration values, error rate). A
    request is an error when it failed at HTTP level (non-2xx/3xx, network) or its check failed."""

    def values(metric: str) -> dict:
        return metrics.get(f"{metric}{{endpoint:{name}}}", {}).get("values", {})

    count = int(values("http_reqs").get("count", 0))
    failed, checks = values("http_req_failed"), values("checks")
    error_rate = max(failed.get("rate", 0.0), 1 - checks.get("rate", 1.0)) if count else 1.0
    return count, values("http_req_duration"), error_rate


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run_bench(bench) -> int:
    """`bench.run()`, and `bench.cleanup()` whatever happens: Ctrl-C and SIGTERM interrupt it (exit code 130), a
    BenchError is a failure (1). A second Ctrl-C during the cleanup must not leave a server or the database running."""
    signal.signal(signal.SIGTERM, _interrupt)
    started = time.monotonic()
    try:
        return bench.run()
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BenchError as exc:
        say(f"FAILED: {exc}")
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        bench.cleanup()
        say(f"{'smoke run' if bench.smoke else 'run'} took {time.monotonic() - started:.0f} s")


def embedded_release(embedded) -> None:
    """Hand back the embedded PostgreSQL; it stops only when nothing else (`just dev`, `just db start`) uses it."""
    if embedded.release():
        say("embedded PostgreSQL released and stopped (nothing else was using it)")
    else:
        say("embedded PostgreSQL released; left running for its other users (`just dev`, `just db start`)")


def with_database(url: str, name: str) -> str:
    """`url` with its database replaced by `name`."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def own_database(name: str, explicit: str | None, recipe: str) -> tuple[object | None, str, int | None]:
    """The database `name` of a benchmark that empties and fills it: on the server of `explicit` (its --database-url;
    created there if missing), else in the embedded PostgreSQL (started if needed; the `selflink` dev database is not
    touched). Refuses when DATABASE_URL is set and no URL was given explicitly. Returns (the embedded server to
    release, or None; the database URL; the postmaster's pid, or None)."""
    if explicit:
        import psycopg

        say(
            f"database: {name!r} on the server of {redact(explicit)} (given with --database-url; only that database "
            "is created if missing, emptied and written)"
        )
        with psycopg.connect(with_database(explicit, "postgres"), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        return None, with_database(explicit, name), None
    if os.environ.get("DATABASE_URL"):
        raise BenchError(
            "DATABASE_URL is set, and the benchmark empties and fills a database on its server. To benchmark on that "
            f'server anyway, pass it explicitly: {recipe} --database-url "$DATABASE_URL" (only its database {name!r} '
            "is used), or unset DATABASE_URL to use the embedded PostgreSQL."
        )
    from selflink.embedded_postgres import server

    say(
        f"database: embedded PostgreSQL, database {name!r} (created if missing; the 'selflink' dev database is not "
        "touched)"
    )
    url = server.acquire(database=name)
    info = server.info()
    say(f"embedded PostgreSQL ready on 127.0.0.1:{info.port if info else '?'} (data in {server.pgdata})")
    return server, url, info.pid if info else None


def k6_check() -> str:
    """The k6 version, after making sure it is installed; and a word on how busy the machine already is."""
    if not K6.exists():
        raise BenchError(f"{K6} not found: run `python3 scripts/bootstrap.py --bench` (installs k6)")
    version = subprocess.run([str(K6), "version"], capture_output=True, text=True, check=False).stdout.strip()
    say(f"load generator: {version}")
    return version


def machine_check(shared_by: str) -> float | None:
    """How busy the CPUs are before the run (None when unknown), announced with a warning when it will show."""
    busy = machine_busy_now()
    busy_text = "unknown" if busy is None else f"{busy:.0%}"
    say(
        f"machine: {os.cpu_count()} CPUs, shared by {shared_by}; CPU busy before start: {busy_text}; load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    if busy is not None and busy > 0.15:
        say("  warning: other processes are using the CPUs; the numbers will be lower and noisier than usual")
    return busy
