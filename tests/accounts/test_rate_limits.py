import pytest
from django.test import override_settings

from selflink.env import Rate
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@override_settings(RATE_LOGIN_PER_ACCOUNT=Rate(3, 900), RATE_LOGIN_PER_IP=Rate(100, 300))
def test_failed_logins_lock_the_account_with_retry_after(anon):
    UserFactory(email="ana@example.com")
    for _ in range(3):
        assert anon.post("/auth/login/", {"email": "ana@example.com", "password": "nope"}).status == 401
    blocked = anon.post("/auth/login/", {"email": "ana@example.com", "password": DEFAULT_PASSWORD})
    assert blocked.status == 429
    assert blocked.json()["code"] == "rate_limited"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 900
    # Other accounts from the same client are unaffected.
    UserFactory(email="bo@example.com")
    assert anon.post("/auth/login/", {"email": "bo@example.com", "password": DEFAULT_PASSWORD}).status == 200


@override_settings(RATE_LOGIN_PER_ACCOUNT=Rate(3, 900), RATE_LOGIN_PER_IP=Rate(100, 300))
def test_successful_logins_do_not_count_against_the_account(anon):
    UserFactory(email="ana@example.com")
    for _ in range(6):
        assert anon.post("/auth/login/", {"email": "ana@example.com", "password": DEFAULT_PASSWORD}).status == 200


@override_settings(RATE_LOGIN_PER_IP=Rate(5, 300), RATE_LOGIN_PER_ACCOUNT=Rate(100, 900))
def test_one_ip_cannot_spray_many_accounts(anon):
    statuses = [
        anon.post("/auth/login/", {"email": f"user{n}@example.com", "password": "guess"}).status for n in range(7)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]


@override_settings(RATE_REGISTER_PER_IP=Rate(2, 3600))
def test_registration_is_limited_per_ip(anon):
    def register(n):
        return anon.post("/auth/register/", {"email": f"new{n}@example.com", "password": "a long enough secret 42"})

    assert register(1).status == 201
    assert register(2).status == 201
    third = register(3)
    assert third.status == 429
    assert int(third.headers["Retry-After"]) > 0


@override_settings(RATE_LOGIN_PER_IP=Rate(2, 300))
def test_limits_are_per_client_address(anon):
    for _ in range(2):
        anon.post("/auth/login/", {"email": "x@example.com", "password": "y"})
    assert anon.post("/auth/login/", {"email": "x@example.com", "password": "y"}).status == 429
    other_ip = anon.client.post(
        "/api/v1/auth/login/",
        data={"email": "x@example.com", "password": "y"},
        content_type="application/json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert other_ip.status_code == 401
