"""The embedded PostgreSQL used when DATABASE_URL is unset: reused across runs, stopped by its last user."""

import subprocess
import sys
from pathlib import Path

import pytest

from selflink.embedded_postgres import EmbeddedPostgres

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

SNIPPET = """
import sys, time, psycopg
from pathlib import Path
from selflink.embedded_postgres import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]))
url = server.acquire("scratch")
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute(sys.argv[2])
    row = conn.execute("SELECT count(*) FROM notes").fetchone()
print("rows", row[0], "port", server.info().port, flush=True)
if sys.argv[3] == "until-stdin-closes":
    sys.stdin.read()  # held for exactly as long as the test needs, however slow the machine
else:
    time.sleep(float(sys.argv[3]))
"""


def run(local: Path, sql: str, hold: float = 0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SNIPPET, str(local), sql, str(hold)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def local(tmp_path) -> Path:
    path = tmp_path / "local"
    yield path
    EmbeddedPostgres(path).stop()


def test_data_and_port_survive_restarts_and_the_last_user_stops_it(local):
    first = run(local, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')")
    assert first.returncode == 0, first.stderr
    assert EmbeddedPostgres(local).info() is None, "the only user exited, so the server must be stopped"
    second = run(local, "INSERT INTO notes VALUES ('again')")
    assert second.returncode == 0, second.stderr
    assert "rows 2" in second.stdout
    assert first.stdout.split("port")[1] == second.stdout.split("port")[1]


def test_server_stays_up_while_another_process_uses_it(local):
    run(local, "CREATE TABLE notes (body text)")
    holder = subprocess.Popen(
        [sys.executable, "-c", SNIPPET, str(local), "SELECT 1", "until-stdin-closes"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().startswith("rows"), holder.stderr.read()  # the holder uses the server
        visitor = run(local, "INSERT INTO notes VALUES ('visit')")
        assert visitor.returncode == 0, visitor.stderr
        assert EmbeddedPostgres(local).info() is not None, "stopped while another process still used it"
    finally:
        holder.stdin.close()
        holder.wait(60)
    assert EmbeddedPostgres(local).info() is None


def test_password_is_not_world_readable(local):
    run(local, "CREATE TABLE notes (body text)")
    assert (local / "postgres.password").stat().st_mode & 0o077 == 0


def test_pinned_server_outlives_its_users(local):
    server = EmbeddedPostgres(local)
    server.start()
    result = run(local, "CREATE TABLE notes (body text)")
    assert result.returncode == 0, result.stderr
    assert server.info() is not None, "a pinned server must survive its last user"
    server.stop()
    assert server.info() is None


# --- what the server log keeps (issue 10) ------------------------------------------------------------------


def _embedded_only():
    from django.conf import settings

    if not settings.EMBEDDED_DATABASE:
        pytest.skip("DATABASE_URL names another server: its logging is configured there")


@pytest.mark.django_db
def test_the_running_server_logs_errors_without_statements_or_values():
    """The effective settings of the server the test suite itself runs on (started by `acquire()`)."""
    from django.db import connection

    from selflink.embedded_postgres import LOG_PRIVACY_SETTINGS

    _embedded_only()
    with connection.cursor() as cursor:
        effective = {}
        for name in LOG_PRIVACY_SETTINGS:
            cursor.execute(f"SHOW {name}")
            effective[name] = cursor.fetchone()[0]
    assert effective == {
        "log_min_error_statement": "panic",
        "log_error_verbosity": "terse",
        "log_statement": "none",
        "log_min_duration_statement": "-1",
        "log_parameter_max_length": "0",
        "log_parameter_max_length_on_error": "0",
    }


@pytest.mark.django_db(transaction=True)
def test_a_failing_insert_leaves_no_email_or_password_hash_in_the_server_log():
    import uuid

    from django.db import IntegrityError, connection, transaction

    from modules.accounts.models import User
    from selflink.embedded_postgres import server

    _embedded_only()
    canary = f"canary-{uuid.uuid4().hex}@example.com"
    hash_canary = f"argon2$canary-{uuid.uuid4().hex}"
    User.objects.create(email=canary, handle="canary_one", password=hash_canary)
    log_size = server.logfile.stat().st_size
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email=canary, handle="canary_two", password=hash_canary)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        # Values as literals in the statement text (what client-side parameter binding sends).
        cursor.execute(f"INSERT INTO accounts_user (email, password) VALUES ('{canary}', '{hash_canary}')")
    with open(server.logfile, errors="replace") as log:
        log.seek(log_size)
        written = log.read()
    assert "duplicate key value violates unique constraint" in written  # errors are still logged…
    assert canary not in written  # …but neither the statement nor the DETAIL line with the key
    assert hash_canary not in written
