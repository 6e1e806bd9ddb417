"""A push token registered by a signed-in account cannot be taken by another account (issue 10): knowing someone's
token must not be enough to silence their notifications or push ours to their phone. It moves only once the
holder's session on the device has ended."""

from __future__ import annotations

import pytest
from django.utils import timezone

from modules.accounts.models import AuthSession
from modules.notifications.models import Device
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "ExponentPushToken[victimphonexxxxxxxxxx]"


@pytest.fixture
def victim():
    return client_for(UserFactory(email="victim@example.com"))


@pytest.fixture
def attacker():
    return client_for(UserFactory(email="attacker@example.com"))


def devices(client) -> list[str]:
    return [device["token_hint"] for device in client.get("/devices/").json()["results"]]


def test_a_token_held_by_a_signed_in_account_is_not_taken(victim, attacker):
    assert victim.post("/devices/", {"platform": "expo", "token": TOKEN}).status == 201
    taken = attacker.post("/devices/", {"platform": "expo", "token": TOKEN})
    assert taken.status == 409, taken
    assert taken.json()["code"] == "device_token_in_use"
    # Both views: the victim keeps the device, the attacker has none.
    assert devices(victim) == ["ExponentPushToken[…xxxx]"]
    assert devices(attacker) == []
    row = Device.objects.get(token=TOKEN)
    assert (row.user_id, row.session_id) == (victim.user.id, victim.session.id)


def test_the_holder_registering_again_is_unaffected(victim, attacker):
    victim.post("/devices/", {"platform": "expo", "token": TOKEN})
    attacker.post("/devices/", {"platform": "expo", "token": TOKEN})
    assert victim.post("/devices/", {"platform": "expo", "token": TOKEN}).status == 200


@pytest.mark.parametrize("how", ["signed_out", "deactivated"])
def test_the_token_moves_once_the_holders_session_on_the_device_ended(victim, attacker, how):
    victim.post("/devices/", {"platform": "expo", "token": TOKEN})
    if how == "signed_out":
        AuthSession.objects.filter(id=victim.session.id).update(revoked_at=timezone.now())
    else:
        from modules.accounts.services import account_deactivate

        account_deactivate(user_id=victim.user.id)
    moved = attacker.post("/devices/", {"platform": "expo", "token": TOKEN})
    assert moved.status == 201, moved
    assert devices(attacker) == ["ExponentPushToken[…xxxx]"]
    assert Device.objects.get(token=TOKEN).user_id == attacker.user.id
    assert not Device.objects.filter(user_id=victim.user.id).exists()


def test_another_session_of_the_same_account_takes_it_over(victim):
    victim.post("/devices/", {"platform": "expo", "token": TOKEN})
    same_person_new_session = client_for(victim.user)
    assert same_person_new_session.post("/devices/", {"platform": "expo", "token": TOKEN}).status == 200
    assert Device.objects.get(token=TOKEN).session_id == same_person_new_session.session.id
