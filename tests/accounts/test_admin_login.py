"""/admin/login/ is under the API sign-in's brute-force limits (per address, per-account backoff), says so on the
form with 429 + Retry-After, and a direct sign-in lands on the admin. Issue 10."""

from __future__ import annotations

import json
import threading

import pytest
from django.test import Client, override_settings

from modules.accounts.hashers import SelfLinkArgon2PasswordHasher
from modules.accounts.signin import DEVICE_COOKIE
from selflink.env import Rate
from tests.accounts.test_password_hashing import blocking, wait_until  # noqa: F401 - the fixture
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF = "staff@example.com"


@pytest.fixture
def staff():
    return StaffFactory(email=STAFF)


def browser(ip: str = "198.51.100.20") -> Client:
    return Client(REMOTE_ADDR=ip, raise_request_exception=False)


def admin_sign_in(client: Client, password: str = DEFAULT_PASSWORD, email: str = STAFF):
    return client.post("/admin/login/", {"username": email, "password": password})


def test_a_direct_admin_sign_in_lands_on_the_admin(staff):
    client = browser()
    response = admin_sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/admin/"  # was /accounts/profile/, a 404
    assert DEVICE_COOKIE in response.cookies
    assert client.get(response["Location"]).status_code == 200


def test_next_is_still_honoured(staff):
    response = browser().post(
        "/admin/login/?next=/admin/accounts/user/", {"username": STAFF, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/accounts/user/"


@override_settings(RATE_LOGIN_PER_IP=Rate(3, 300), RATE_LOGIN_PER_ACCOUNT=Rate(100, 900))
def test_admin_sign_in_is_limited_per_address(staff):
    client = browser()
    for _ in range(3):
        response = admin_sign_in(client, "wrong password")
        assert response.status_code == 200
        assert b"Please enter the correct" in response.content
    refused = admin_sign_in(client)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert b"Too many sign-in attempts from this network" in refused.content
    assert "_auth_user_id" not in client.session


@override_settings(RATE_LOGIN_PER_ACCOUNT=Rate(3, 900), RATE_LOGIN_PER_IP=Rate(1000, 300))
def test_the_per_account_backoff_is_shared_with_the_api_and_the_owner_passes_from_a_known_device(staff):
    first = admin_sign_in(browser("198.51.100.20"))
    assert first.status_code == 302  # the laptop becomes a known device
    device_id = first.cookies[DEVICE_COOKIE].value

    attacker = browser("203.0.113.66")
    for _ in range(2):
        assert admin_sign_in(attacker, "wrong password").status_code == 200
    api_attempt = attacker.post(
        "/api/v1/auth/login/",
        data=json.dumps({"email": STAFF, "password": "wrong password"}),
        content_type="application/json",
    )
    assert api_attempt.status_code == 401  # the third failure, through the API: one count for both
    refused = admin_sign_in(attacker)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert b"Too many failed sign-in attempts for this account" in refused.content
    assert b"device or network you used before" in refused.content

    staff_laptop = browser("192.0.2.7")  # signed out, elsewhere, but with its device cookie
    staff_laptop.cookies[DEVICE_COOKIE] = device_id
    assert admin_sign_in(staff_laptop).status_code == 302


def test_a_correct_password_of_a_non_staff_account_does_not_sign_in():
    UserFactory(email="member@example.com")
    client = browser()
    response = admin_sign_in(client, email="member@example.com")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@override_settings(PASSWORD_HASH_CONCURRENCY=1, PASSWORD_HASH_WAIT_SECONDS=0)
def test_a_busy_server_answers_503_with_retry_after(blocking):  # noqa: F811
    blocking.armed = False
    StaffFactory(email=STAFF)
    blocking.armed = True
    holder = threading.Thread(target=lambda: SelfLinkArgon2PasswordHasher().encode("pw", "holdersalt"))
    holder.start()
    wait_until(lambda: blocking.inside == 1, "the only hashing slot is taken")
    response = admin_sign_in(browser())
    blocking.release.set()
    holder.join(60)
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert b"Too many sign-ins are being checked right now" in response.content
