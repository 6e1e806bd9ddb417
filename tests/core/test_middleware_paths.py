"""The bearer API skips the middleware only the browser needs, and the admin keeps all of it (issue 12).

Sessions, CSRF, authentication from the session and messages run for /admin/ and the docs page exactly as
Django's do, sync (WSGI, the test client) and async (ASGI, daphne); API requests (/api/v…) pass them by, and
header-only middleware runs without a thread hop under ASGI. Counts, never timings.
"""

from __future__ import annotations

import asyncio
import re
import threading

import pytest
from asgiref.sync import SyncToAsync, async_to_sync
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.signals import request_started
from django.middleware.csrf import CsrfViewMiddleware
from django.test import AsyncClient, Client

from tests.factories import DEFAULT_PASSWORD, StaffFactory

STAFF = "staff@example.com"
API_PATH = "/api/v1/feed/rules/"  # anonymous, answers without the database
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def _awaited(awaitable):
    return await awaitable


def run(awaitable):
    """Await `awaitable` from this (sync) test, as Django's async test client is used."""
    return async_to_sync(_awaited)(awaitable)


class Calls:
    """Counts the calls of a Django middleware hook (the original still runs)."""

    def __init__(self, monkeypatch, cls, name: str) -> None:
        self.paths: list[str] = []
        original = getattr(cls, name)

        def spy(middleware, request, *args):
            self.paths.append(request.path)
            return original(middleware, request, *args)

        monkeypatch.setattr(cls, name, spy)


@pytest.fixture
def session_calls(monkeypatch):
    return Calls(monkeypatch, SessionMiddleware, "process_request")


@pytest.fixture
def csrf_calls(monkeypatch):
    return Calls(monkeypatch, CsrfViewMiddleware, "process_view")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_api_request_passes_the_browser_middleware_by(mode, session_calls, csrf_calls):
    client = Client() if mode == "sync" else AsyncClient()
    response = client.get(API_PATH, headers={"Cookie": "sessionid=abc; csrftoken=x"})
    if mode == "async":
        response = run(response)
    assert response.status_code == 200
    assert session_calls.paths == [] and csrf_calls.paths == []
    # The same security headers as every response, and nothing of a session.
    assert {name: response.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_an_api_request_under_asgi_makes_few_thread_hops(monkeypatch):
    """Django's middleware hooks ran through `sync_to_async` one by one (about 15 hops per request); what is left
    is Django's own: the request_started signal, the (sync) view, and closing the response."""
    hops = []
    original = SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(SyncToAsync, "__call__", counting)
    response = run(AsyncClient().get(API_PATH))
    assert response.status_code == 200
    assert len(hops) <= 3, hops


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_admin_still_has_sessions_and_csrf(mode, session_calls, csrf_calls):
    StaffFactory(email=STAFF)
    client = Client(enforce_csrf_checks=True) if mode == "sync" else AsyncClient(enforce_csrf_checks=True)

    def call(response):
        return run(response) if mode == "async" else response

    # No CSRF token: refused, as Django refuses it.
    refused = call(client.post("/admin/login/", {"username": STAFF, "password": DEFAULT_PASSWORD}))
    assert refused.status_code == 403
    assert b"CSRF" in refused.content
    # The form's token and cookie: signed in, a session cookie set, the admin served through the session.
    page = call(client.get("/admin/login/"))
    assert page.status_code == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)[1].decode()
    signed_in = call(
        client.post("/admin/login/", {"username": STAFF, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": token})
    )
    assert signed_in.status_code == 302, signed_in.content[:500]
    assert "sessionid" in signed_in.cookies
    assert call(client.get("/admin/")).status_code == 200
    assert "/admin/login/" in session_calls.paths and "/admin/" in session_calls.paths
    assert "/admin/login/" in csrf_calls.paths


@pytest.mark.django_db
def test_the_admin_without_a_session_is_sent_to_sign_in():
    response = Client().get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# --- worker threads kept between requests (selflink/asgi.py) ---------------------------------------------------------
# Driven by asyncio.run() as daphne drives the application: under async_to_sync (the async test client) asgiref
# runs sync code in the calling thread instead, and no worker thread is involved at all.


def asgi_get(application, path: str, *, client_gone: bool = False):
    """One GET through an ASGI application, as daphne sends it: (the call to await, what was sent). With
    `client_gone`, sending the response fails as it does when the client has disconnected."""
    sent: dict = {"status": 0, "body": b""}
    done = asyncio.Event()

    async def receive():
        if not sent.get("requested"):
            sent["requested"] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if client_gone:
            raise OSError("connection reset by peer")
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
        elif message["type"] == "http.response.body":
            sent["body"] += message.get("body", b"")
            if not message.get("more_body"):
                done.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    return application(scope, receive, send), sent


@pytest.fixture
def request_threads():
    """The thread each request's sync code runs in (request_started's receivers run there)."""
    seen: list[int] = []

    def record(**kwargs):
        seen.append(threading.get_ident())

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def test_sequential_requests_reuse_one_worker_thread(request_threads):
    from selflink import asgi

    asgi._idle_lanes.clear()

    async def three():
        for _ in range(3):
            call, sent = asgi_get(asgi.application, API_PATH)
            await call
            assert sent["status"] == 200

    asyncio.run(three())
    assert len(request_threads) == 3
    assert len(set(request_threads)) == 1  # Django alone starts and joins a thread per request
    assert len(asgi._idle_lanes) == 1


def test_concurrent_requests_still_run_in_threads_of_their_own(request_threads, monkeypatch):
    from selflink import asgi

    asgi._idle_lanes.clear()
    together = threading.Barrier(3, timeout=30)  # each request waits in its thread until all three are in theirs

    def wait_for_the_others(**kwargs):
        together.wait()

    request_started.connect(wait_for_the_others)
    try:

        async def burst():
            calls = [asgi_get(asgi.application, API_PATH) for _ in range(3)]
            await asyncio.gather(*(call for call, _ in calls))
            return [sent["status"] for _, sent in calls]

        assert asyncio.run(burst()) == [200, 200, 200]
    finally:
        request_started.disconnect(wait_for_the_others)
    assert len(set(request_threads)) == 3
    assert len(asgi._idle_lanes) == 3
    monkeypatch.setattr(asgi, "IDLE_LANES_KEPT", 1)
    call, _ = asgi_get(asgi.application, API_PATH)
    asyncio.run(call)
    assert len(asgi._idle_lanes) == 2  # it borrowed one of the three; over the new limit, that one is retired


def test_a_request_whose_response_was_not_sent_does_not_give_its_thread_back():
    from selflink import asgi

    asgi._idle_lanes.clear()
    call, _ = asgi_get(asgi.application, API_PATH, client_gone=True)
    with pytest.raises(OSError):
        asyncio.run(call)
    assert asgi._idle_lanes == []  # retired: its thread ends once whatever the request left running is done
