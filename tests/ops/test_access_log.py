"""No user content and no credential in any access log: query strings (`/mentor/stream/?message=…`, `?q=`,
`/ws?token=…`) never reach the logs. Checked on a real daphne's output, on the log filter, and on every place
that starts daphne."""

import io
import json
import logging
import re
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from modules.ops.logs import RedactQueryStrings, redact_query_strings, strip_query
from tests.factories import UserFactory
from tests.realtime.conftest import recv_json, token_for

ROOT = Path(__file__).resolve().parents[2]

MENTOR_SECRET = "I-have-not-told-anyone-about-my-diagnosis"
SEARCH_SECRET = "ex-partner-full-name"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_daphne_logs_paths_without_query_strings(daphne_server):
    person = UserFactory()
    token = token_for(person)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=daphne_server.url, timeout=30) as client:
        # How the mobile app streams a mentor reply: the message in the query string (EventSource cannot POST).
        with client.stream(
            "GET", "/api/v1/mentor/stream/", params={"mode": "default", "message": MENTOR_SECRET}, headers=headers
        ) as stream:
            assert stream.status_code == 200
            events = [json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:")]
        assert events[-1]["event"] == "end"
        assert client.get("/api/v1/search/users/", params={"q": SEARCH_SECRET}, headers=headers).status_code == 200
        # Unauthenticated, and a path that does not exist: logged all the same.
        assert client.get("/api/v1/mentor/stream/", params={"message": MENTOR_SECRET}).status_code == 401
        assert client.get("/api/v1/nowhere/", params={"message": MENTOR_SECRET}).status_code == 404
    ws_url = daphne_server.url.replace("http://", "ws://") + f"/ws?token={token}"
    with connect(ws_url) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert recv_json(ws) == {"type": "pong"}

    log = daphne_server.log()
    for secret in (MENTOR_SECRET, SEARCH_SECRET, token, "message=", "q=", "token="):
        assert secret not in log, secret
    assert '"GET /api/v1/mentor/stream/" 200' in log  # the access log is there, with paths
    assert '"GET /api/v1/search/users/" 200' in log
    assert '"GET /api/v1/nowhere/" 404' in log
    assert '"WSCONNECT /ws"' in log


def test_query_strings_are_cut_from_paths_and_urls():
    assert strip_query("/api/v1/mentor/stream/?message=hi&mode=default") == "/api/v1/mentor/stream/"
    assert strip_query("/api/v1/health/") == "/api/v1/health/"
    line = (
        "Application instance <Task> for connection <WebRequest at 0x7f method=GET "
        "uri=/api/v1/mentor/stream/?message=secret%20text clientproto=HTTP/1.1> took too long to shut down"
    )
    assert redact_query_strings(line) == line.replace("?message=secret%20text", "?…")
    assert redact_query_strings('GET "https://exp.host/path?token=abc" ok') == 'GET "https://exp.host/path?…" ok'
    assert redact_query_strings("Is it ready? yes") == "Is it ready? yes"  # prose keeps its question marks


def test_every_log_record_loses_its_query_strings():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactQueryStrings())
    logger = logging.getLogger("tests.access_log")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("took too long: %s", "<Request uri=/api/v1/mentor/stream/?message=my+secret>")
        logger.warning("plain %d", 3)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "took too long: <Request uri=/api/v1/mentor/stream/?…>\nplain 3\n"


def test_the_configured_log_handlers_redact():
    from django.conf import settings

    assert "no_query_strings" in settings.LOGGING["handlers"]["console"]["filters"]
    assert any(isinstance(f, RedactQueryStrings) for h in logging.getLogger().handlers for f in h.filters)


# Every place that starts the HTTP server, and how: through modules.ops.serve, never plain daphne.
LAUNCHERS = ["deploy/Dockerfile", "deploy/compose.yaml", "scripts/dev.py", "scripts/bench/runner.py", "tests/live.py"]
PLAIN_DAPHNE = re.compile(r"""(\[\s*"daphne"|"-m",\s*"daphne"|^\s*(exec\s+)?daphne\s+(-|selflink))""", re.MULTILINE)


@pytest.mark.parametrize("path", LAUNCHERS)
def test_nothing_starts_plain_daphne(path):
    source = (ROOT / path).read_text()
    assert "modules.ops.serve" in source
    assert not PLAIN_DAPHNE.search(source), f"{path} starts daphne without modules.ops.serve"


def test_no_other_file_starts_daphne():
    sources = [*ROOT.glob("scripts/**/*.py"), *ROOT.glob("deploy/*"), ROOT / "justfile", *ROOT.glob("tests/**/*.py")]
    offenders = [
        str(path.relative_to(ROOT))
        for path in sources
        if path.is_file() and path.name != Path(__file__).name and PLAIN_DAPHNE.search(path.read_text())
    ]
    assert offenders == []
