"""Row 47, the socket's lifetime once the session ends: when the app's session is ended elsewhere (the person
signs this device out from another one, or changes the password there), the app's open socket gets an error
the app recognises as "sign in again" (a port of src/auth/isAuthError.ts, on the frame and the close reason)
within seconds, instead of delivering messages to a signed-out device; the other device's socket stays open."""

import json

import pytest
from websockets.exceptions import ConnectionClosed

from tests.contract.app import App, frames_until
from tests.contract.test_realtime_auth import is_auth_error_for_the_app

pytestmark = pytest.mark.integration


def second_device(app: App, server: str) -> App:
    """The same person signing in on another phone (src/api/auth.ts `login`)."""
    other = App(server)
    response = other.post("/auth/login/", {"email": app.user["email"], "password": "correct horse battery staple"})
    assert response.status_code == 200, response.text
    other.token, other.refresh_token = response.json()["token"], response.json()["refreshToken"]
    other.user = other.get("/users/me/").json()
    return other


def signed_out(ws) -> tuple[dict, int, str]:
    frame = frames_until(ws, lambda f: f.get("type") == "error", timeout=5)[-1]
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    return frame, closed.value.rcvd.code, closed.value.rcvd.reason


def still_open(ws) -> None:
    ws.send(json.dumps({"type": "ping"}))
    assert frames_until(ws, lambda f: f.get("type") == "pong", timeout=5) == [{"type": "pong"}]


def test_row_47_a_device_signed_out_from_another_one_loses_its_socket(server, sign_up):
    phone = sign_up()
    tablet = second_device(phone, server)
    with phone.socket() as phone_ws, tablet.socket() as tablet_ws:
        others = [s for s in tablet.get("/auth/sessions/").json() if not s["current"]]
        assert len(others) == 1
        assert tablet.delete(f"/auth/sessions/{others[0]['id']}/").status_code == 204  # sign the phone out
        frame, code, reason = signed_out(phone_ws)
        assert frame["code"] == "session_revoked" and code == 4401
        assert is_auth_error_for_the_app(frame) and is_auth_error_for_the_app(reason)
        still_open(tablet_ws)


def test_row_47_a_password_change_elsewhere_ends_the_apps_socket(server, sign_up):
    phone = sign_up()
    laptop = second_device(phone, server)
    with phone.socket() as phone_ws, laptop.socket() as laptop_ws:
        response = laptop.post(
            "/auth/password/",
            {"current_password": "correct horse battery staple", "new_password": "another long passphrase"},
        )
        assert response.status_code == 200
        frame, code, reason = signed_out(phone_ws)
        assert is_auth_error_for_the_app(frame) and is_auth_error_for_the_app(reason) and code == 4401
        still_open(laptop_ws)
