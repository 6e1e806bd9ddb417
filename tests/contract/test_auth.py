"""Auth rows of the mobile-app contract (rows 1–3; row 4, social sign-in, comes with that feature)."""

import pytest

from tests.contract.app import App

pytestmark = pytest.mark.integration


def test_row_2_register_with_the_apps_body_returns_tokens(server):
    app = App(server)
    response = app.post(
        "/auth/register/",
        {
            "email": "nino@example.org",
            "password": "correct horse battery staple",
            "handle": "nino_k",
            "username": "nino_k",
            "name": "Nino K",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token"] and body["refreshToken"]
    app.token = body["token"]
    assert app.get("/users/me/").json()["handle"] == "nino_k"


def test_row_2_a_username_different_from_the_handle_is_refused(server):
    response = App(server).post(
        "/auth/register/",
        {"email": "a@example.org", "password": "correct horse battery staple", "handle": "abc", "username": "xyz"},
    )
    assert response.status_code == 422 and "username" in response.json()["errors"]


def test_row_1_login_returns_tokens(server, sign_up):
    app = sign_up()
    response = App(server).post(
        "/auth/login/", {"email": app.user["email"], "password": "correct horse battery staple"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["token"] and response.json()["refreshToken"]


def test_row_3_refresh_rotates_the_pair(server, sign_up):
    app = sign_up()
    response = App(server).post("/auth/refresh/", {"refresh": app.refresh_token})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"] and body["refreshToken"] != app.refresh_token
    assert App(server).post("/auth/refresh/", {"refresh": app.refresh_token}).status_code == 401  # single use
