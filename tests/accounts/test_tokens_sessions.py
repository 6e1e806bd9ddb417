import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from modules.accounts.models import AuthSession, RefreshToken
from modules.accounts.tokens import access_token_issue
from tests.conftest import ApiClient
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(anon, email="ana@example.com", password=DEFAULT_PASSWORD, **headers):
    return anon.post("/auth/login/", {"email": email, "password": password}, headers=headers or None)


@pytest.fixture
def ana(db):
    return UserFactory(email="ana@example.com")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_refresh_rotates_the_token(anon, ana):
    first = login(anon).json()
    second = anon.post("/auth/refresh/", {"refresh": first["refreshToken"]})
    assert second.status == 200
    pair = second.json()
    assert set(pair) == {"token", "refreshToken"}
    assert pair["refreshToken"] != first["refreshToken"]
    assert anon.get("/users/me/", headers=bearer(pair["token"])).status == 200
    # The new refresh token works in turn.
    assert anon.post("/auth/refresh/", {"refresh": pair["refreshToken"]}).status == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(anon, ana):
    first = login(anon).json()
    rotated = anon.post("/auth/refresh/", {"refresh": first["refreshToken"]}).json()

    replay = anon.post("/auth/refresh/", {"refresh": first["refreshToken"]})
    assert replay.status == 401
    assert replay.json()["code"] == "refresh_token_reused"

    # Both the newest refresh token and the access tokens of that session are dead now.
    newest = anon.post("/auth/refresh/", {"refresh": rotated["refreshToken"]})
    assert newest.status == 401 and newest.json()["code"] == "session_revoked"
    assert anon.get("/users/me/", headers=bearer(rotated["token"])).status == 401
    session = AuthSession.objects.get(user=ana)
    assert session.revoked_reason == "reuse_detected"


def test_reuse_revokes_only_that_family(anon, ana):
    phone = login(anon).json()
    laptop = login(anon).json()
    anon.post("/auth/refresh/", {"refresh": phone["refreshToken"]})
    anon.post("/auth/refresh/", {"refresh": phone["refreshToken"]})  # replay on the phone family
    assert anon.get("/users/me/", headers=bearer(laptop["token"])).status == 200
    assert anon.post("/auth/refresh/", {"refresh": laptop["refreshToken"]}).status == 200


def test_expired_refresh_token(anon, ana):
    tokens = login(anon).json()
    RefreshToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = anon.post("/auth/refresh/", {"refresh": tokens["refreshToken"]})
    assert response.status == 401
    assert response.json()["code"] == "refresh_token_expired"


def test_unknown_refresh_token(anon):
    response = anon.post("/auth/refresh/", {"refresh": "not-a-token"})
    assert response.status == 401
    assert response.json()["code"] == "refresh_token_invalid"


def test_refresh_tokens_are_stored_hashed(anon, ana):
    tokens = login(anon).json()
    stored = list(RefreshToken.objects.values_list("token_hash", flat=True))
    assert tokens["refreshToken"] not in stored
    assert all(len(value) == 64 for value in stored)


def test_logout_ends_the_session_and_is_idempotent(anon, ana):
    tokens = login(anon).json()
    assert anon.post("/auth/logout/", {"refresh": tokens["refreshToken"]}).status == 204
    assert anon.post("/auth/logout/", {"refresh": tokens["refreshToken"]}).status == 204
    assert anon.get("/users/me/", headers=bearer(tokens["token"])).status == 401
    assert anon.post("/auth/refresh/", {"refresh": tokens["refreshToken"]}).status == 401


def test_logout_with_an_unknown_token_changes_nothing(anon, ana):
    tokens = login(anon).json()
    assert anon.post("/auth/logout/", {"refresh": "unknown"}).status == 204
    assert anon.get("/users/me/", headers=bearer(tokens["token"])).status == 200


def test_password_change_revokes_every_other_session(anon, ana):
    current = login(anon).json()
    other = login(anon).json()
    response = anon.post(
        "/auth/password/",
        {"current_password": DEFAULT_PASSWORD, "new_password": "a brand new passphrase 7"},
        headers=bearer(current["token"]),
    )
    assert response.status == 200, response
    assert response.json() == {"sessions_ended": 1}
    assert anon.get("/users/me/", headers=bearer(current["token"])).status == 200
    assert anon.get("/users/me/", headers=bearer(other["token"])).status == 401
    assert anon.post("/auth/refresh/", {"refresh": other["refreshToken"]}).status == 401
    assert login(anon).status == 401
    assert login(anon, password="a brand new passphrase 7").status == 200


@pytest.mark.parametrize(
    ("current", "new", "field", "code"),
    [
        ("wrong", "a brand new passphrase 7", "current_password", "invalid_password"),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD, "new_password", "password_unchanged"),
        (DEFAULT_PASSWORD, "password", "password", "weak_password"),
    ],
)
def test_password_change_validation(api, current, new, field, code):
    response = api.post("/auth/password/", {"current_password": current, "new_password": new})
    assert response.status == 422
    assert response.json()["code"] == code
    assert field in response.json()["errors"]


def test_password_change_needs_authentication(anon):
    response = anon.post("/auth/password/", {"current_password": "a", "new_password": "b"})
    assert response.status == 401


def test_sessions_list_and_revoke_another_device(anon, ana):
    phone = anon.post(
        "/auth/login/",
        {"email": "ana@example.com", "password": DEFAULT_PASSWORD},
        headers={"User-Agent": "phone"},
    ).json()
    laptop = login(anon).json()
    listing = anon.get("/auth/sessions/", headers=bearer(laptop["token"]))
    assert listing.status == 200
    sessions = listing.json()
    assert len(sessions) == 2
    assert {s["user_agent"] for s in sessions} == {"phone", ""}
    assert sum(session["current"] for session in sessions) == 1
    phone_session = next(s for s in sessions if not s["current"])
    assert anon.delete(f"/auth/sessions/{phone_session['id']}/", headers=bearer(laptop["token"])).status == 204
    assert anon.get("/users/me/", headers=bearer(phone["token"])).status == 401


def test_cannot_revoke_someone_elses_session(anon, ana, make_client):
    mallory = make_client(UserFactory())
    victim = login(anon).json()
    session_id = AuthSession.objects.get(user=ana).id
    assert mallory.delete(f"/auth/sessions/{session_id}/").status == 404
    assert anon.get("/users/me/", headers=bearer(victim["token"])).status == 200


def test_expired_access_token_says_so(ana):
    session = AuthSession.objects.create(user=ana)
    token = access_token_issue(user_id=ana.id, session_id=session.id, now=timezone.now() - dt.timedelta(hours=1))
    response = ApiClient(token).get("/users/me/")
    assert response.status == 401
    assert response.json()["code"] == "token_expired"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_invalid_access_tokens(token):
    response = ApiClient(token or None).get("/users/me/")
    assert response.status == 401
    assert response.json()["code"] in {"token_invalid", "not_authenticated"}


def test_refresh_token_is_not_an_access_token(anon, ana):
    tokens = login(anon).json()
    response = ApiClient(tokens["refreshToken"]).get("/users/me/")
    assert response.status == 401


def test_token_signed_with_another_key_is_rejected(ana):
    session = AuthSession.objects.create(user=ana)
    with override_settings(JWT_SIGNING_KEY="another-key-that-is-long-enough-for-hs256"):
        forged = access_token_issue(user_id=ana.id, session_id=session.id)
    response = ApiClient(forged).get("/users/me/")
    assert response.status == 401
    assert response.json()["code"] == "token_invalid"


def test_deactivated_user_tokens_stop_working(api):
    api.user.is_active = False
    api.user.save()
    assert api.get("/users/me/").status == 401
