"""Live connections end with their session: on a real daphne, a WebSocket and an SSE stream opened with a
session's access token get the `session_revoked` auth frame and are closed within seconds of sign-out,
password change, deactivation, device revocation, refresh-token reuse and staff actions; connections of the
person's other sessions stay open and never see the announcement. The SSE stream also ends when its access
token expires. Each wait is a deadline on the read, never a sleep."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import jwt
import pytest
from django.test import Client
from django.urls import reverse
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from modules.accounts.models import AuthSession, User
from modules.accounts.services import account_deactivate
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.realtime.conftest import emit, recv_json, token_for, ws_url

pytestmark = pytest.mark.integration

EVENT_DEADLINE = 10.0  # the announcement path: well under a second in practice (slack for a loaded machine)
SAFETY_NET_DEADLINE = 20.0  # REALTIME_SESSION_CHECK_SECONDS (5 s by default) plus slack for a loaded machine
SESSION_ENDED = {
    "type": "error",
    "code": "session_revoked",
    "detail": "Unauthorized: this session has ended. Sign in again.",
    "status": 401,
}


@pytest.fixture
def ana(transactional_db) -> User:
    return UserFactory()


def call(server, method: str, path: str, *, token: str | None = None, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{server.url}/api/v1{path}", json=body, headers=headers, timeout=15)


def sign_in(server, user: User) -> dict:
    response = call(server, "POST", "/auth/login/", body={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


@contextmanager
def live_socket(server, token: str) -> Iterator[ClientConnection]:
    with connect(ws_url(server, token), open_timeout=10) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert recv_json(ws) == {"type": "pong"}  # authenticated, subscribed and live
        yield ws


def socket_ended(ws: ClientConnection, deadline: float) -> dict:
    """The auth frame that ends the socket, then its close (4401 with the reason naming the code), before
    `deadline` (a TimeoutError fails the test on a socket that stays open)."""
    while True:
        frame = recv_json(ws, timeout=max(0.1, deadline - time.monotonic()))
        if frame.get("type") == "error":
            break
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=max(0.1, deadline - time.monotonic()))
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, f"unauthorized: {frame['code']}")
    return frame


def socket_still_live(ws: ClientConnection, user: User) -> None:
    """A new event for the user arrives, and nothing about the ended session came before it."""
    emit(f"user:{user.id}", "test:after", marker=1)
    seen = []
    deadline = time.monotonic() + EVENT_DEADLINE
    while not seen or seen[-1].get("type") != "test:after":
        seen.append(recv_json(ws, timeout=max(0.1, deadline - time.monotonic())))
    assert [frame["type"] for frame in seen] == ["test:after"], seen


class Stream:
    """An SSE response being read: its frames so far, and whether the server ended it."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()
        self.frames: list[dict] = []
        self.finished = False

    def read_until_end(self) -> list[dict]:
        """Every frame up to the end of the response; the client's read timeout is the deadline."""
        for line in self.lines:
            if line.startswith("data: "):
                self.frames.append(json.loads(line[6:]))
        self.finished = True
        return self.frames


@contextmanager
def sse(server, token: str, *, read_timeout: float = EVENT_DEADLINE) -> Iterator[Stream]:
    timeout = httpx.Timeout(10, read=read_timeout)
    with httpx.Client(timeout=timeout) as client:
        url = f"{server.url}/api/v1/events/stream/"
        with client.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status_code == 200  # headers come after the subscription: it is live now
            yield Stream(response)


def session_of(tokens: dict) -> str:
    return jwt.decode(tokens["token"], options={"verify_signature": False})["sid"]


# --- the announcement ---------------------------------------------------------------------------------------


def test_logout_ends_that_sessions_socket_and_stream_only(daphne_server, ana):
    phone, laptop = sign_in(daphne_server, ana), sign_in(daphne_server, ana)
    with (
        live_socket(daphne_server, phone["token"]) as phone_ws,
        live_socket(daphne_server, laptop["token"]) as laptop_ws,
        sse(daphne_server, phone["token"]) as phone_sse,
    ):
        response = call(daphne_server, "POST", "/auth/logout/", body={"refresh": phone["refreshToken"]})
        assert response.status_code == 204
        assert socket_ended(phone_ws, time.monotonic() + EVENT_DEADLINE) == SESSION_ENDED
        assert phone_sse.read_until_end() == [SESSION_ENDED]
        socket_still_live(laptop_ws, ana)


def test_password_change_ends_every_other_session(daphne_server, ana):
    current, other = sign_in(daphne_server, ana), sign_in(daphne_server, ana)
    with (
        live_socket(daphne_server, current["token"]) as current_ws,
        live_socket(daphne_server, other["token"]) as other_ws,
        sse(daphne_server, other["token"]) as other_sse,
    ):
        response = call(
            daphne_server,
            "POST",
            "/auth/password/",
            token=current["token"],
            body={"current_password": DEFAULT_PASSWORD, "new_password": "an entirely new passphrase"},
        )
        assert response.json() == {"sessions_ended": 1}
        assert socket_ended(other_ws, time.monotonic() + EVENT_DEADLINE)["code"] == "session_revoked"
        assert other_sse.read_until_end() == [SESSION_ENDED]
        socket_still_live(current_ws, ana)


def test_deactivation_ends_every_connection(daphne_server, ana):
    phone, laptop = sign_in(daphne_server, ana), sign_in(daphne_server, ana)
    with live_socket(daphne_server, phone["token"]) as phone_ws, sse(daphne_server, laptop["token"]) as laptop_sse:
        account_deactivate(user_id=ana.id)
        assert socket_ended(phone_ws, time.monotonic() + EVENT_DEADLINE) == SESSION_ENDED
        assert laptop_sse.read_until_end() == [SESSION_ENDED]


def test_revoking_a_device_ends_its_connections(daphne_server, ana):
    me, lost_phone = sign_in(daphne_server, ana), sign_in(daphne_server, ana)
    with (
        live_socket(daphne_server, me["token"]) as my_ws,
        live_socket(daphne_server, lost_phone["token"]) as lost_ws,
        sse(daphne_server, lost_phone["token"]) as lost_sse,
    ):
        response = call(daphne_server, "DELETE", f"/auth/sessions/{session_of(lost_phone)}/", token=me["token"])
        assert response.status_code == 204
        assert socket_ended(lost_ws, time.monotonic() + EVENT_DEADLINE) == SESSION_ENDED
        assert lost_sse.read_until_end() == [SESSION_ENDED]
        socket_still_live(my_ws, ana)


def test_refresh_token_reuse_ends_that_sessions_connections(daphne_server, ana):
    stolen, other = sign_in(daphne_server, ana), sign_in(daphne_server, ana)
    rotated = call(daphne_server, "POST", "/auth/refresh/", body={"refresh": stolen["refreshToken"]}).json()
    with (
        live_socket(daphne_server, rotated["token"]) as victim_ws,
        live_socket(daphne_server, other["token"]) as other_ws,
    ):
        replay = call(daphne_server, "POST", "/auth/refresh/", body={"refresh": stolen["refreshToken"]})
        assert replay.json()["code"] == "refresh_token_reused"
        assert socket_ended(victim_ws, time.monotonic() + EVENT_DEADLINE) == SESSION_ENDED
        socket_still_live(other_ws, ana)


def test_staff_sign_out_everywhere_ends_every_connection(daphne_server, ana):
    phone, laptop = sign_in(daphne_server, ana), sign_in(daphne_server, ana)
    staff = Client()
    staff.force_login(StaffFactory())
    with live_socket(daphne_server, phone["token"]) as phone_ws, sse(daphne_server, laptop["token"]) as laptop_sse:
        response = staff.post(
            reverse("admin:accounts_user_changelist"), {"action": "sign_out_everywhere", "_selected_action": [ana.pk]}
        )
        assert response.status_code == 302
        assert socket_ended(phone_ws, time.monotonic() + EVENT_DEADLINE) == SESSION_ENDED
        assert laptop_sse.read_until_end() == [SESSION_ENDED]


# --- the safety net: sessions ended without the announcement ------------------------------------------------


@pytest.mark.parametrize("how", ["account deactivated in SQL", "session ended in SQL", "account deleted"])
def test_the_periodic_check_ends_connections_the_announcement_missed(daphne_server, ana, how):
    tokens = sign_in(daphne_server, ana)
    with (
        live_socket(daphne_server, tokens["token"]) as ws,
        sse(daphne_server, tokens["token"], read_timeout=SAFETY_NET_DEADLINE) as stream,
    ):
        if how == "account deactivated in SQL":
            User.objects.filter(id=ana.id).update(is_active=False)
        elif how == "session ended in SQL":
            AuthSession.objects.filter(user=ana).update(revoked_at=dt.datetime.now(dt.UTC), revoked_reason="admin")
        else:
            User.objects.filter(id=ana.id).delete()
        assert socket_ended(ws, time.monotonic() + SAFETY_NET_DEADLINE) == SESSION_ENDED
        assert stream.read_until_end() == [SESSION_ENDED]


# --- expiry ----------------------------------------------------------------------------------------------------


def test_the_stream_ends_when_its_access_token_expires(daphne_server, ana, settings):
    almost = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS - 2)
    with sse(daphne_server, token_for(ana, now=almost), read_timeout=10) as stream:
        emit(f"user:{ana.id}", "test:before", n=1)
        frames = stream.read_until_end()
    assert [frame["type"] for frame in frames] == ["test:before", "error"]
    assert frames[-1] == {
        "type": "error",
        "code": "token_expired",
        "detail": "Unauthorized: the access token has expired.",
        "status": 401,
    }
