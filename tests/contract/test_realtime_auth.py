"""Row 47, the socket's lifetime: an expired, invalid or revoked token must be an auth error the app recognises
(src/auth/isAuthError.ts: `status === 401`, or `/expired\\s*token|unauthorized/i` in message, detail, reason or
error), on the frame and on the close reason, so it stops reconnecting with a dead token."""

import datetime as dt
import json
import re

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from modules.accounts.models import AuthSession
from modules.accounts.tokens import access_token_issue

pytestmark = pytest.mark.integration

APP_AUTH_ERROR = re.compile(r"expired\s*token|unauthorized", re.IGNORECASE)


def is_auth_error_for_the_app(value: dict | str) -> bool:
    """A port of the app's isAuthExpiredError."""
    if isinstance(value, str):
        return bool(APP_AUTH_ERROR.search(value))
    if value.get("status") == 401:
        return True
    parts = " ".join(str(value[k]) for k in ("message", "detail", "reason", "error") if value.get(k))
    return bool(parts and APP_AUTH_ERROR.search(parts))


def refused(server: str, token: str) -> tuple[dict, int, str]:
    with connect(f"{server.replace('http', 'ws', 1)}/ws?token={token}", open_timeout=10) as ws:
        frame = json.loads(ws.recv(timeout=10))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    return frame, closed.value.rcvd.code, closed.value.rcvd.reason


def test_row_47_a_revoked_session_is_an_auth_error_for_the_app(server, sign_up):
    app = sign_up()
    assert app.post("/auth/logout/", {"refresh": app.refresh_token}).status_code in {200, 204}
    frame, code, reason = refused(server, app.token)
    assert frame["code"] == "session_revoked" and frame["type"] == "error"
    assert is_auth_error_for_the_app(frame) and is_auth_error_for_the_app(reason) and code == 4401


def test_row_47_an_expired_token_is_an_auth_error_for_the_app(server, sign_up):
    app = sign_up()
    session = AuthSession.objects.filter(user_id=app.id).latest("id")
    stale = access_token_issue(
        user_id=app.id, session_id=session.id, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    frame, code, reason = refused(server, stale)
    assert frame["code"] == "token_expired"
    assert is_auth_error_for_the_app(frame) and is_auth_error_for_the_app(reason) and code == 4401


def test_row_47_a_garbage_token_is_an_auth_error_for_the_app(server):
    frame, code, reason = refused(server, "not-a-token")
    assert is_auth_error_for_the_app(frame) and is_auth_error_for_the_app(reason) and code == 4401
