"""`client_uuid` is an opaque idempotency key chosen by the device: any 1–64 visible ASCII characters, compared
exactly, one message per sender and key (enforced by the database)."""

import uuid

import pytest
from django.db import DataError, IntegrityError, transaction

from modules.messaging.models import Message
from tests.messaging.conftest import direct
from tests.messaging.factories import MessageFactory
from tests.profiles.images import image_bytes, upload

pytestmark = pytest.mark.django_db

APP_FALLBACK_KEY = "msg-1733450000000-9f3a6c1d2e"  # messagingStore.generateClientUuid without crypto.randomUUID


@pytest.fixture
def pair(people):
    a, b = people(2)
    return a, b, direct(a, b)


@pytest.mark.parametrize(
    "key",
    [
        APP_FALLBACK_KEY,
        "5f0c6a3e-2b7d-4f0e-9a59-0f3c2a1d9b44",
        "5F0C6A3E-2B7D-4F0E-9A59-0F3C2A1D9B44",
        "x",
        "k" * 64,
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    ],
)
def test_any_visible_ascii_key_is_accepted_and_echoed_exactly(pair, key):
    a, b, thread = pair
    first = a.post("/messages/", {"thread": thread["id"], "body": "hi", "client_uuid": key})
    assert first.status == 201, first
    assert first.json()["client_uuid"] == key
    retry = a.post("/messages/", {"thread": thread["id"], "body": "hi", "client_uuid": key})
    assert retry.status == 200 and retry.json()["id"] == first.json()["id"]
    assert b.get(f"/messages/{first.json()['id']}/").json()["client_uuid"] == key
    assert Message.objects.get().client_uuid == key


@pytest.mark.parametrize(
    "key",
    ["k" * 65, "has space", " lead", "tab\tkey", "new\nline", "nul\x00", "del\x7f", "café", "emoji👍", "ｆｕｌｌ"],
)
def test_other_keys_are_refused_with_a_field_error(pair, key):
    a, _, thread = pair
    for path, body in (
        ("/messages/", {"thread": thread["id"], "body": "hi", "client_uuid": key}),
        (f"/threads/{thread['id']}/messages/", {"body": "hi", "client_uuid": key}),
    ):
        response = a.post(path, body)
        assert response.status == 422, response
        assert "client_uuid" in response.json()["errors"]
    assert not Message.objects.exists()


def test_keys_are_compared_exactly(pair):
    a, _, thread = pair
    key = "5f0c6a3e-2b7d-4f0e-9a59-0f3c2a1d9b44"
    lower = a.post("/messages/", {"thread": thread["id"], "body": "one", "client_uuid": key})
    upper = a.post("/messages/", {"thread": thread["id"], "body": "two", "client_uuid": key.upper()})
    assert lower.status == upper.status == 201
    assert lower.json()["id"] != upper.json()["id"]


def test_a_key_reused_for_another_body_is_a_conflict(pair):
    a, _, thread = pair
    assert a.post("/messages/", {"thread": thread["id"], "body": "x", "client_uuid": APP_FALLBACK_KEY}).status == 201
    response = a.post("/messages/", {"thread": thread["id"], "body": "y", "client_uuid": APP_FALLBACK_KEY})
    assert response.status == 409 and response.json()["code"] == "idempotency_conflict"


@pytest.mark.parametrize("body", [{}, {"client_uuid": ""}, {"client_uuid": None}])
def test_no_key_or_an_empty_one_means_the_server_picks_one(pair, body):
    a, _, thread = pair
    first = a.post("/messages/", {"thread": thread["id"], "body": "hi", **body})
    second = a.post("/messages/", {"thread": thread["id"], "body": "hi", **body})
    assert first.status == second.status == 201
    keys = {first.json()["client_uuid"], second.json()["client_uuid"]}
    assert len(keys) == 2 and all(uuid.UUID(k) for k in keys)


def test_multipart_with_the_apps_empty_key_is_a_new_message_each_time(pair):
    a, _, thread = pair

    def post():
        return a.request(
            "POST",
            f"/threads/{thread['id']}/messages/",
            data={"client_uuid": "", "attachments": [upload("upload-1.jpg", image_bytes())]},
        )

    first, second = post(), post()
    assert first.status == second.status == 201, (first, second)
    assert first.json()["id"] != second.json()["id"] and uuid.UUID(first.json()["client_uuid"])


def test_multipart_with_the_apps_fallback_key_is_idempotent(pair):
    a, _, thread = pair

    def post():
        return a.request(
            "POST",
            f"/threads/{thread['id']}/messages/",
            data={
                "body": "pic",
                "client_uuid": APP_FALLBACK_KEY,
                "attachments": [upload("upload-1.jpg", image_bytes())],
            },
        )

    first, again = post(), post()
    assert (first.status, again.status) == (201, 200), (first, again)
    assert first.json()["client_uuid"] == again.json()["client_uuid"] == APP_FALLBACK_KEY
    assert Message.objects.count() == 1


@pytest.mark.parametrize("key", ["", "with space", "x" * 65, "café", "\x01"])
def test_the_database_refuses_keys_the_api_refuses(key):
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        MessageFactory(client_uuid=key)


def test_the_database_keeps_one_message_per_sender_and_key():
    first = MessageFactory(client_uuid=APP_FALLBACK_KEY)
    MessageFactory(client_uuid=APP_FALLBACK_KEY)  # another sender: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageFactory(client_uuid=APP_FALLBACK_KEY, sender=first.sender, thread=first.thread)
