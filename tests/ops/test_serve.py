"""`python -m modules.ops.serve --workers N|auto`: the supervisor binds the port once and N daphne workers accept on
it; a dead worker comes back, SIGTERM stops them all, and realtime reaches sockets on every worker.

Real processes and real sockets. Which worker holds a connection is read from the kernel (/proc/net/tcp gives the
server-side socket of the client's port, /proc/<pid>/fd says which process has it), so nothing in the server has
to say who it is. Every wait polls with a deadline; no sleep is an assertion.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from modules.ops import supervisor
from modules.ops.supervisor import ServeError, cgroup_cpu_limit, listeners_from, workers_count, workers_option
from tests.factories import UserFactory
from tests.live import ROOT, Process, free_port, server_env, start_process, wait_for_http
from tests.realtime.conftest import recv_events, recv_json, token_for, ws_url

APP = "selflink.asgi:application"
DEADLINE = 60.0  # seconds: a worker loads Django in a few; the machine may be busy


def until(condition: Callable[[], object], what: str, timeout: float = DEADLINE, process: Process | None = None):
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    log = f"\n{process.log()[-3000:]}" if process else ""
    pytest.fail(f"timed out after {timeout:g} s waiting for {what}{log}")


# --- the command line ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        (None, {}, 1),
        (None, {"WEB_CONCURRENCY": "3"}, 3),
        ("2", {}, 2),
        ("2", {"WEB_CONCURRENCY": "5"}, 2),  # a number given on the command line wins
        ("auto", {"WEB_CONCURRENCY": "5"}, 5),  # `auto` (the image's) lets the operator choose
        ("AUTO", {"WEB_CONCURRENCY": " 4 "}, 4),
        ("auto", {"WEB_CONCURRENCY": ""}, "cpus"),
        ("auto", {}, "cpus"),
        (None, {"WEB_CONCURRENCY": "auto"}, "cpus"),
    ],
)
def test_how_many_workers(monkeypatch, option, env, expected):
    monkeypatch.setattr(supervisor, "cpus_available", lambda: 7)
    count, why = workers_count(option, env)
    assert count == (7 if expected == "cpus" else expected)
    assert ("7 CPUs available" in why) == (expected == "cpus")


@pytest.mark.parametrize(
    ("option", "env", "message"),
    [
        ("0", {}, "--workers='0': expected a number of processes (1 or more) or 'auto'"),
        ("many", {}, "--workers='many'"),
        ("-1", {}, "--workers='-1'"),
        ("2.5", {}, "--workers='2.5'"),
        (None, {"WEB_CONCURRENCY": "two"}, "WEB_CONCURRENCY='two'"),
        ("auto", {"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY='0'"),
    ],
)
def test_an_invalid_number_of_workers_names_where_it_came_from(option, env, message):
    with pytest.raises(ServeError, match="expected a number of processes") as error:
        workers_count(option, env)
    assert message in str(error.value)
    assert error.value.code == 2


def test_auto_counts_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.setattr(supervisor, "cgroup_cpu_limit", lambda: None)
    assert supervisor.cpus_available() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(supervisor, "cgroup_cpu_limit", lambda: 1)  # `docker run --cpus 1` on a bigger machine
    assert supervisor.cpus_available() == 1


def cgroup(tmp_path: Path, self_line: str, files: dict[str, str]) -> int | None:
    (tmp_path / "fs").mkdir(parents=True)
    (tmp_path / "self").write_text(self_line + "\n")
    for name, text in files.items():
        (tmp_path / "fs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / name).write_text(text)
    return cgroup_cpu_limit(tmp_path / "self", tmp_path / "fs")


def test_a_cgroup_cpu_quota_limits_auto(tmp_path):
    assert cgroup(tmp_path / "a", "0::/", {"cpu.max": "150000 100000\n"}) == 2  # 1.5 CPUs: two workers share them
    assert cgroup(tmp_path / "b", "0::/", {"cpu.max": "max 100000\n"}) is None
    nested = {"cpu.max": "400000 100000\n", "app/cpu.max": "max 100000\n", "app/web/cpu.max": "max 100000\n"}
    assert cgroup(tmp_path / "c", "0::/app/web", nested) == 4  # the tightest limit above counts
    v1 = {"cpu,cpuacct/cpu.cfs_quota_us": "50000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}
    assert cgroup(tmp_path / "d", "4:cpu,cpuacct:/", v1) == 1
    unlimited = {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}
    assert cgroup(tmp_path / "e", "4:cpu,cpuacct:/\n3:memory:/x", unlimited) is None
    assert cgroup_cpu_limit(tmp_path / "missing", tmp_path) is None


def test_the_workers_option_is_taken_out_of_daphnes_arguments():
    argv = ["--workers", "2", "-b", "0.0.0.0", "--access-log", "-", "-p", "8000", APP]
    assert workers_option(argv) == ("2", ["-b", "0.0.0.0", "--access-log", "-", "-p", "8000", APP])
    assert workers_option(["--workers=auto", APP]) == ("auto", [APP])
    assert workers_option([APP]) == (None, [APP])


def addresses(argv: list[str]) -> tuple[list[tuple[str, int]], list[str]]:
    listeners, rest = listeners_from(argv)
    return [(listener.host, listener.port) for listener in listeners], rest


def test_the_sockets_are_the_ones_daphne_would_bind():
    assert addresses([APP]) == ([("127.0.0.1", 8000)], [APP])  # daphne's defaults
    assert addresses(["-b", "0.0.0.0", APP]) == ([("0.0.0.0", 8000)], [APP])
    assert addresses(["-p", "9000", APP]) == ([("127.0.0.1", 9000)], [APP])
    assert addresses(["--bind=10.0.0.5", "--port=81", "-v", "2", APP]) == ([("10.0.0.5", 81)], ["-v", "2", APP])
    # `just dev`: the API port and the mobile app's realtime port, both shared by every worker
    dev = ["-b", "127.0.0.1", "-p", "8000", "-e", "tcp:port=8001:interface=127.0.0.1", APP]
    assert addresses(dev) == ([("127.0.0.1", 8000), ("127.0.0.1", 8001)], [APP])
    # an endpoint alone binds nothing else; Twisted's tcp endpoint without interface listens on every address
    assert addresses(["-e", "tcp:8002", "--proxy-headers", APP]) == ([("0.0.0.0", 8002)], ["--proxy-headers", APP])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-b", "::", APP], "IPv4 sockets only"),
        (["-e", r"tcp:port=8000:interface=\:\:1", APP], "IPv4 sockets only"),
        (["-u", "/tmp/selflink.sock", APP], "-u/--unix-socket: several workers share TCP sockets only"),
        (["--fd", "5", APP], "--fd: several workers share TCP sockets only"),
        (["-e", "ssl:443:privateKey=key.pem", APP], "terminate TLS at the proxy"),
        (["-p", "http", APP], "not a port number"),
        (["-e", "tcp:interface=127.0.0.1", APP], "no port"),
    ],
)
def test_what_several_workers_cannot_share_is_refused(argv, message):
    with pytest.raises(ServeError) as error:
        listeners_from(argv)
    assert message in str(error.value)


def serve(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "modules.ops.serve", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_bad_command_line_is_a_clear_error_and_exit_code_2():
    result = serve("--workers", "many", APP)
    assert result.returncode == 2
    assert result.stderr == "serve: error: --workers='many': expected a number of processes (1 or more) or 'auto'\n"
    result = serve(APP, env={"WEB_CONCURRENCY": "0"})
    assert result.returncode == 2
    assert "serve: error: WEB_CONCURRENCY='0'" in result.stderr
    result = serve("--workers", "2", "-u", "/tmp/x.sock", APP)
    assert result.returncode == 2
    assert "-u/--unix-socket" in result.stderr


# --- real processes --------------------------------------------------------------------------------------------


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid and stat[0] != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def holder(server_port: int, client_port: int, pids: set[int]) -> int | None:
    """The process among `pids` holding the server side of the TCP connection from 127.0.0.1:`client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            if any(os.readlink(fd) == f"socket:[{inode}]" for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return pid
        except OSError:
            continue
    return None


def answered_by(port: int, pids: set[int]) -> int | None:
    """GET /api/v1/health/ on a new connection: the worker that answered it (the connection stays open, so the
    worker still holds it when the kernel is asked)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/api/v1/health/")
        response = connection.getresponse()
        assert response.status == 200, response.read()
        response.read()
        return holder(port, connection.sock.getsockname()[1], pids)
    finally:
        connection.close()


@contextmanager
def supervised(tmp_path: Path, *args: str, workers: str = "2", **env: str) -> Iterator[Process]:
    port = free_port()
    command = [sys.executable, "-m", "modules.ops.serve", "--workers", workers, "-b", "127.0.0.1", "-p", str(port)]
    process = start_process(f"serve-{port}", [*command, *args, APP], server_env(**env), tmp_path)
    process.url = f"http://127.0.0.1:{port}"
    process.extra["port"] = port
    try:
        yield process
    finally:
        process.stop(timeout=30)


def workers_of(process: Process, count: int) -> set[int]:
    return until(
        lambda: (pids := children_of(process.popen.pid)) and len(pids) == count and pids,
        f"{count} workers",
        process=process,
    )


def serving_workers(process: Process, pids: set[int]) -> set[int]:
    """New connections until every one of `pids` has answered one: they all accept on the one port."""
    seen: set[int] = set()
    until(lambda: seen.add(answered_by(process.extra["port"], pids)) or seen >= pids, "every worker to answer")
    return seen - {None}


@pytest.mark.integration
def test_two_workers_serve_one_port(tmp_path):
    with supervised(tmp_path) as server:
        wait_for_http(server, f"{server.url}/api/v1/health/", timeout=DEADLINE)
        workers = workers_of(server, 2)
        assert serving_workers(server, workers) == workers
        assert "[serve] 2 daphne workers (--workers=2) on 127.0.0.1:" in server.log()


@pytest.mark.integration
def test_one_worker_is_daphne_itself_without_a_supervisor(tmp_path):
    with supervised(tmp_path, workers="1") as server:
        wait_for_http(server, f"{server.url}/api/v1/health/", timeout=DEADLINE)
        assert answered_by(server.extra["port"], {server.popen.pid}) == server.popen.pid
        assert children_of(server.popen.pid) == set()
        assert "[serve]" not in server.log()


@pytest.mark.integration
def test_a_killed_worker_is_restarted_while_the_port_keeps_answering(tmp_path):
    with supervised(tmp_path) as server:
        wait_for_http(server, f"{server.url}/api/v1/health/", timeout=DEADLINE)
        workers = workers_of(server, 2)
        victim, survivor = sorted(workers)
        os.kill(victim, signal.SIGKILL)
        answers = []

        def replaced() -> set[int] | None:
            answers.append(answered_by(server.extra["port"], workers))  # asserts a 200 every time
            pids = children_of(server.popen.pid)
            return pids if len(pids) == 2 and victim not in pids else None

        now = until(replaced, "the killed worker to be replaced", process=server)
        assert survivor in now and answers  # the port answered all along (each answer asserted 200)
        log = server.log()
        assert f"(pid {victim}) killed by SIGKILL after" in log
        assert "restarting it in 1 s" in log
        (replacement,) = now - {survivor}
        until(lambda: "restarted worker" in server.log() and f"(pid {replacement})" in server.log(), "the log line")
        # The replacement accepts on the socket it inherited from the supervisor.
        assert serving_workers(server, now) == now


@pytest.mark.integration
def test_sigterm_stops_every_worker_and_exits_0(tmp_path):
    with supervised(tmp_path) as server:
        wait_for_http(server, f"{server.url}/api/v1/health/", timeout=DEADLINE)
        workers = workers_of(server, 2)
        server.popen.send_signal(signal.SIGTERM)
        assert server.popen.wait(timeout=30) == 0
        assert not any(alive(pid) for pid in workers)
        with pytest.raises(ConnectionRefusedError):
            answered_by(server.extra["port"], workers)
        log = server.log()
        assert "[serve] stopping 2 worker(s): SIGTERM, SIGKILL after 10 s" in log
        assert log.count("stopped (exited with code 0)") == 2
        assert log.rstrip().endswith("[serve] stopped")


@pytest.mark.integration
def test_workers_stop_when_the_supervisor_is_killed(tmp_path):
    with supervised(tmp_path) as server:
        wait_for_http(server, f"{server.url}/api/v1/health/", timeout=DEADLINE)
        workers = workers_of(server, 2)
        server.popen.kill()  # no chance to stop them: the kernel tells them (PR_SET_PDEATHSIG)
        server.popen.wait(timeout=10)
        until(lambda: not any(alive(pid) for pid in workers), "the orphaned workers to exit")


@pytest.mark.integration
def test_a_worker_that_cannot_load_the_application_stops_the_supervisor(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "modules.ops.serve", "--workers", "2", "-p", str(port), "selflink.nowhere:app"]
    process = start_process("serve-broken", command, server_env(), tmp_path)
    try:
        assert process.popen.wait(timeout=DEADLINE) == 3
    finally:
        process.stop()
    log = process.log()
    assert "ModuleNotFoundError: No module named 'selflink.nowhere'" in log
    assert "could not load the application" in log
    assert "restarting it" not in log


def frames_until(ws, types: set[str], timeout: float = 30) -> dict[str, dict]:
    """Realtime events on `ws` until one of each of `types` arrived (others, such as the new thread's, are skipped)."""
    frames: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    while not types <= frames.keys():
        (frame,) = recv_events(ws, 1, timeout=max(0.1, deadline - time.monotonic()))
        frames.setdefault(frame["type"], frame)
    return frames


@pytest.mark.integration
def test_a_message_sent_through_one_worker_reaches_a_socket_on_the_other(tmp_path, transactional_db):
    """Each worker has its own realtime listener: the NOTIFY of a send served by any worker reaches sockets on both."""
    person, friend = UserFactory(), UserFactory()
    with supervised(tmp_path) as server, ExitStack() as stack:
        wait_for_http(server, f"{server.url}/api/v1/health/", timeout=DEADLINE)
        workers = workers_of(server, 2)
        sockets = {}  # worker pid → a subscribed WebSocket it holds
        deadline = time.monotonic() + DEADLINE
        while set(sockets) != workers:
            assert time.monotonic() < deadline, f"no WebSocket landed on every worker: {sorted(sockets)}"
            ws = stack.enter_context(connect(ws_url(server, token_for(person))))
            ws.send(json.dumps({"type": "ping"}))
            assert recv_json(ws) == {"type": "pong"}  # subscribed: nothing published from here on is missed
            sockets.setdefault(holder(server.extra["port"], ws.socket.getsockname()[1], workers), ws)
        headers = {"Authorization": f"Bearer {token_for(friend)}"}
        with httpx.Client(base_url=f"{server.url}/api/v1", headers=headers, timeout=30) as api:
            thread = api.post("/threads/direct/", json={"user_id": person.id})
            assert thread.status_code in {200, 201}, thread.text
            sent = api.post(
                f"/threads/{thread.json()['id']}/messages/",
                json={"body": "to every worker", "client_uuid": str(uuid.uuid4())},
            )
            assert sent.status_code == 201, sent.text
        for ws in sockets.values():
            frames = frames_until(ws, {"message:new", "notification:new"})
            assert frames["message:new"]["payload"]["message"]["id"] == sent.json()["id"]
            assert frames["notification:new"]["payload"]["notification"]["type"] == "message"


@pytest.mark.integration
def test_workers_are_told_how_many_they_are(tmp_path):
    """Per-process defaults (PASSWORD_HASH_CONCURRENCY) take their share of the CPUs from WEB_CONCURRENCY."""
    with supervised(tmp_path) as server:
        wait_for_http(server, f"{server.url}/api/v1/health/", timeout=DEADLINE)
        for pid in workers_of(server, 2):
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            assert b"WEB_CONCURRENCY=2" in environ
