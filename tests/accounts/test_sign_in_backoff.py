"""Failed sign-ins slow an account down per kind of client instead of locking it: someone failing from elsewhere
cannot keep the owner out of their own devices or network, and the owner is told. Issue 10."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client, override_settings

from modules.accounts.models import AuthSession, KnownSignInClient, SignInBackoff
from modules.accounts.signin import DEVICE_COOKIE
from selflink.env import Rate
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("owner"),
]

EMAIL = "ana@example.com"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OWNER_HOME = "198.51.100.7"
ATTACKER = "203.0.113.66"
LIMITS = {"RATE_LOGIN_PER_ACCOUNT": Rate(3, 900), "RATE_LOGIN_PER_IP": Rate(1000, 300)}


@pytest.fixture
def owner():
    return UserFactory(email=EMAIL, name="Ana")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def limits():
    with override_settings(**LIMITS):
        yield


def device(ip: str) -> Client:
    """A browser or app install: its own address and cookie jar."""
    return Client(REMOTE_ADDR=ip, raise_request_exception=False)


def sign_in(client: Client, password: str = DEFAULT_PASSWORD, email: str = EMAIL):
    return client.post(
        "/api/v1/auth/login/", data=json.dumps({"email": email, "password": password}), content_type="application/json"
    )


def fail(client: Client, times: int) -> None:
    for _ in range(times):
        assert sign_in(client, "wrong password").status_code == 401


def security_notices(owner) -> list[dict]:
    from tests.conftest import client_for

    results = client_for(owner).get("/notifications/").json()["results"]
    return [n for n in results if n["type"] == "security"]


def test_someone_failing_elsewhere_does_not_keep_the_owner_out_of_their_device_or_network(owner):
    phone = device(OWNER_HOME)
    first = sign_in(phone)
    assert first.status_code == 200
    assert DEVICE_COOKIE in first.cookies  # the phone is now a known device of the account

    attacker = device(ATTACKER)
    fail(attacker, 3)
    refused = sign_in(attacker)  # even with the right password: refused without checking it
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "1"
    assert "device or network you used before" in refused.json()["detail"]

    phone.defaults["REMOTE_ADDR"] = "192.0.2.44"  # the phone on another network: known by its cookie
    assert sign_in(phone).status_code == 200
    laptop_at_home = device(OWNER_HOME)  # no cookie, but the address the account signed in from
    assert sign_in(laptop_at_home).status_code == 200
    assert sign_in(device(ATTACKER)).status_code == 429  # every other client shares the slowed-down bucket


def test_the_wait_doubles_after_the_free_attempts_and_is_capped(clock):
    attacker = device(ATTACKER)
    fail(attacker, 3)
    waits = []
    for _ in range(12):
        refused = sign_in(attacker, "wrong password")
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        clock.shift(dt.timedelta(seconds=wait - 1))
        assert sign_in(attacker, "wrong password").status_code == 429  # not a second early
        clock.shift(dt.timedelta(seconds=1))
        assert sign_in(attacker, "wrong password").status_code == 401  # then one attempt, checked
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 450, 450, 450]  # capped at half the period (900 s)


def test_a_quiet_period_forgets_the_failures(clock):
    attacker = device(ATTACKER)
    fail(attacker, 3)
    assert sign_in(attacker, "wrong password").status_code == 429
    clock.shift(dt.timedelta(seconds=900))
    fail(attacker, 3)  # three free attempts again


def test_a_success_clears_only_its_own_bucket(owner):
    phone = device(OWNER_HOME)
    assert sign_in(phone).status_code == 200
    fail(phone, 2)  # the owner mistypes on their phone…
    assert sign_in(phone).status_code == 200  # …and then gets it right: their bucket is cleared
    fail(phone, 3)
    attacker = device(ATTACKER)
    fail(attacker, 3)
    assert sign_in(phone).status_code == 429  # the phone's own bucket, after three more mistakes
    assert sign_in(attacker).status_code == 429
    assert SignInBackoff.objects.count() == 2


def test_a_device_that_refreshes_a_session_becomes_known(owner):
    app = device(OWNER_HOME)
    tokens = sign_in(app).json()
    app.cookies.clear()  # e.g. signed in before device cookies existed
    app.defaults["REMOTE_ADDR"] = "192.0.2.80"
    refreshed = app.post(
        "/api/v1/auth/refresh/",
        data=json.dumps({"refresh": tokens["refreshToken"]}),
        content_type="application/json",
    )
    assert refreshed.status_code == 200
    assert DEVICE_COOKIE in refreshed.cookies  # holding a live refresh token makes it a known device
    fail(device(ATTACKER), 3)
    app.defaults["REMOTE_ADDR"] = "192.0.2.99"  # a third network: only the cookie is known
    assert sign_in(app).status_code == 200


def test_known_clients_are_still_limited_per_address(owner):
    with override_settings(RATE_LOGIN_PER_IP=Rate(3, 300)):
        phone = device(OWNER_HOME)
        for _ in range(3):
            assert sign_in(phone).status_code == 200
        assert sign_in(phone).status_code == 429


def test_the_owner_is_told_at_most_once_a_day(owner, clock):
    attacker = device(ATTACKER)
    fail(attacker, 2)
    assert security_notices(owner) == []
    fail(attacker, 1)  # reaches the backoff
    notices = security_notices(owner)
    assert len(notices) == 1
    assert notices[0]["actors"] == [] and notices[0]["data"] == {"reason": "sign_in_failures", "failures": 3}
    assert "failing to sign in" in notices[0]["summary"]

    clock.shift(dt.timedelta(hours=1))  # a new wave the same day: no second notice
    fail(attacker, 3)
    assert len(security_notices(owner)) == 1
    clock.shift(dt.timedelta(days=2))
    fail(attacker, 3)
    assert len(security_notices(owner)) == 2


def test_the_owner_mistyping_on_their_own_device_is_not_an_alarm(owner):
    phone = device(OWNER_HOME)
    assert sign_in(phone).status_code == 200
    fail(phone, 3)
    assert security_notices(owner) == []


def test_an_unknown_email_behaves_like_a_known_one():
    stranger = device(ATTACKER)
    for _ in range(3):
        assert sign_in(stranger, "x", email="nobody@example.com").status_code == 401
    refused = sign_in(stranger, "x", email="nobody@example.com")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"


def test_the_tables_hold_no_email_address_or_device_id(owner):
    phone = device(OWNER_HOME)
    cookie = sign_in(phone).cookies[DEVICE_COOKIE].value
    fail(device(ATTACKER), 3)
    backoff = list(SignInBackoff.objects.values_list("account_hash", "client_hash"))
    known = list(KnownSignInClient.objects.values_list("client_hash", flat=True))
    stored = json.dumps([backoff, known])
    for secret in (EMAIL, OWNER_HOME, ATTACKER, cookie):
        assert secret not in stored
    assert set(KnownSignInClient.objects.values_list("kind", flat=True)) == {"device", "ip"}


def test_a_refused_attempt_opens_no_session(owner):
    fail(device(ATTACKER), 3)
    assert sign_in(device(ATTACKER)).status_code == 429
    assert not AuthSession.objects.filter(user=owner).exists()


def test_old_records_are_purged(owner, clock):
    import modules.accounts.tasks  # noqa: F401 - registers the periodic jobs
    from modules.accounts.signin import sign_in_records_purge
    from modules.core.public import periodic_jobs

    assert sign_in(device(OWNER_HOME)).status_code == 200
    fail(device(ATTACKER), 3)
    clock.shift(dt.timedelta(days=3))
    assert sign_in_records_purge() == 1  # the backoff row; the known clients are kept for 90 days
    clock.shift(dt.timedelta(days=90))
    assert sign_in_records_purge() == 2
    assert "accounts_sign_in_records_purge" in {job.name for job in periodic_jobs()}
