"""A database outage on a live daphne: requests get a quick 503 `database_unavailable` with Retry-After (not a
500 after the pool's timeout), and the first requests after the database is back are served, not stalled."""

from __future__ import annotations

import os
import time

import httpx
import pytest
from django.db import connection

from tests.live import start_daphne

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="needs the embedded PostgreSQL to stop it"),
]

LOGIN = {"email": "nobody@example.org", "password": "not the password"}


def login(url: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(f"{url}/api/v1/auth/login/", json=LOGIN, timeout=30)
    return response, time.monotonic() - started


def test_an_outage_is_a_quick_503_and_recovery_is_immediate(django_db_blocker, tmp_path):
    from selflink.embedded_postgres import server as embedded

    with django_db_blocker.unblock():
        process = start_daphne(tmp_path, DATABASE_POOL_MAX="4", DATABASE_POOL_TIMEOUT_SECONDS="5")
    try:
        assert login(process.url)[0].status_code == 401  # the pool holds a live connection
        with embedded._locked():
            embedded._stop_locked()
            connection.close()
            try:
                answers = [login(process.url) for _ in range(6)]
            finally:
                embedded._start_locked()
        for response, _ in answers:
            assert response.status_code == 503, response.text
            assert response.json()["code"] == "database_unavailable"
            assert int(response.headers["Retry-After"]) >= 1
        # Only the first request found out the hard way; the rest were answered without waiting on the pool.
        assert all(elapsed < 1.0 for _, elapsed in answers[1:]), [round(e, 2) for _, e in answers]

        time.sleep(2.5)  # past Retry-After: the next request probes, renews the pool and goes on
        recovered = [login(process.url) for _ in range(3)]
        assert [r.status_code for r, _ in recovered] == [401, 401, 401], [r.text for r, _ in recovered]
        # Not stalled behind the old pool's reconnection backoff (1, 2, 4 … s per dead connection).
        assert all(elapsed < 2.5 for _, elapsed in recovered), [round(e, 2) for _, e in recovered]
        assert "database reachable again" in process.log()
    finally:
        process.stop()
