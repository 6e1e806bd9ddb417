import datetime as dt
import json

import psycopg
import pytest
from django.utils import timezone

from modules.messaging.models import TypingState
from modules.messaging.services import typing_states_purge
from modules.realtime.publishing import CHANNEL
from tests.live import current_database_url
from tests.messaging.conftest import direct, events, group, sent
from tests.messaging.factories import TypingStateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals(monkeypatch):
    """Ephemeral signals the messaging services send, as (topics, type, payload)."""
    captured = []
    monkeypatch.setattr(
        "modules.messaging.services.publish_ephemeral",
        lambda topics, event: captured.append((set(topics), event.event_type, event.model_dump(mode="json"))),
    )
    return captured


def test_typing_is_seen_by_the_others_until_it_expires(people, signals):
    a, b, c = people(3)
    thread = group(a, b, c)
    response = a.post(f"/threads/{thread['id']}/typing/", {"is_typing": True})
    assert response.status == 200, response
    state = response.json()
    assert state["is_typing"] is True and state["thread_id"] == thread["id"]
    expires = dt.datetime.fromisoformat(state["expires_at"])
    assert 5 <= (expires - timezone.now()).total_seconds() <= 6
    typing = b.get(f"/threads/{thread['id']}/typing/").json()
    assert typing["thread_id"] == thread["id"]
    assert [(t["user_id"], t["user_handle"], t["user_name"]) for t in typing["typing"]] == [
        (a.user.id, a.user.handle, a.user.name)
    ]
    # The mobile app's reading of the same list (services/api/threads.ts getTypingStatus).
    assert typing["typing_user_ids"] == [a.user.id]
    assert typing["users"] == [{"id": a.user.id, "name": a.user.name, "handle": a.user.handle}]
    mine = a.get(f"/threads/{thread['id']}/typing/").json()
    assert mine["typing"] == mine["typing_user_ids"] == mine["users"] == []  # not yourself
    assert signals == [
        (
            {f"user:{b.user.id}", f"user:{c.user.id}"},
            "typing",
            {
                "thread_id": thread["id"],
                "user_id": a.user.id,
                "user_name": a.user.name,
                "user_handle": a.user.handle,
                "is_typing": True,
            },
        )
    ]
    TypingState.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = b.get(f"/threads/{thread['id']}/typing/").json()
    assert expired["typing"] == expired["typing_user_ids"] == expired["users"] == []
    assert not [e for e in events() if e.type == "typing"]  # ephemeral: never stored


def test_refreshing_typing_is_not_rebroadcast_every_time(people, signals):
    a, b = people(2)
    thread = direct(a, b)
    url = f"/threads/{thread['id']}/typing/"
    a.post(url, {"is_typing": True})
    a.post(url, {"is_typing": True})
    assert len(signals) == 1
    TypingState.objects.update(announced_at=timezone.now() - dt.timedelta(seconds=4))
    a.post(url, {"is_typing": True})
    assert len(signals) == 2
    stop = a.post(url, {"is_typing": False}).json()
    assert stop == {"thread_id": thread["id"], "is_typing": False, "expires_at": None}
    assert signals[-1][2]["is_typing"] is False and len(signals) == 3
    a.post(url, {"is_typing": False})  # already stopped: nothing to say
    assert len(signals) == 3


def test_typing_after_expiry_is_announced_again(people, signals):
    a, b = people(2)
    thread = direct(a, b)
    url = f"/threads/{thread['id']}/typing/"
    a.post(url, {"is_typing": True})
    TypingState.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    a.post(url, {"is_typing": True})
    assert len(signals) == 2


def test_sending_a_message_ends_typing(people, signals):
    a, b = people(2)
    thread = direct(a, b)
    a.post(f"/threads/{thread['id']}/typing/", {"is_typing": True})
    sent(a, thread["id"])
    assert b.get(f"/threads/{thread['id']}/typing/").json()["typing"] == []


@pytest.mark.parametrize("payload", [{}, {"is_typing": "maybe"}, {"is_typing": None}])
def test_typing_bad_input(people, payload):
    a, b = people(2)
    thread = direct(a, b)
    assert a.post(f"/threads/{thread['id']}/typing/", payload).status == 422
    assert a.request("POST", f"/threads/{thread['id']}/typing/", raw=b"{").status == 400


def test_expired_typing_states_are_purged(db):
    fresh = TypingStateFactory()
    TypingStateFactory(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert typing_states_purge() == 1
    assert list(TypingState.objects.all()) == [fresh]


@pytest.mark.django_db(transaction=True)
def test_typing_reaches_postgres_as_a_notify(people):
    a, b = people(2)
    thread = direct(a, b)
    with psycopg.connect(current_database_url(), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        a.post(f"/threads/{thread['id']}/typing/", {"is_typing": True})
        payloads = [n.payload for n in listener.notifies(timeout=1)]
    typing = [json.loads(p) for p in payloads if p.startswith("{")]
    assert typing == [
        {
            "topics": [f"user:{b.user.id}"],
            "type": "typing",
            "payload": {
                "thread_id": thread["id"],
                "user_id": a.user.id,
                "user_name": a.user.name,
                "user_handle": a.user.handle,
                "is_typing": True,
            },
        }
    ]


def test_sync_returns_what_came_after(people):
    a, b = people(2)
    thread = direct(a, b)
    ids = [sent(a, thread["id"], f"m{n}")["id"] for n in range(5)]
    response = b.get(f"/threads/{thread['id']}/sync/", since=ids[1])
    assert response.status == 200, response
    body = response.json()
    assert [m["id"] for m in body["results"]] == ids[2:]
    assert body["has_more"] is False
    assert body["thread"]["id"] == thread["id"] and body["thread"]["unread_count"] == 5
    everything = b.get(f"/threads/{thread['id']}/sync/").json()
    assert [m["id"] for m in everything["results"]] == ids


def test_sync_is_bounded(people):
    a, b = people(2)
    thread = direct(a, b)
    ids = [sent(a, thread["id"], f"m{n}")["id"] for n in range(5)]
    first = b.get(f"/threads/{thread['id']}/sync/", since=0, limit=2).json()
    assert [m["id"] for m in first["results"]] == ids[:2] and first["has_more"] is True
    rest = b.get(f"/threads/{thread['id']}/sync/", since=ids[1], limit=10).json()
    assert [m["id"] for m in rest["results"]] == ids[2:] and rest["has_more"] is False


@pytest.mark.parametrize("params", [{"since": -1}, {"since": "x"}, {"limit": 0}, {"limit": 201}, {"since": 2**60}])
def test_sync_bad_input(people, params):
    a, b = people(2)
    thread = direct(a, b)
    assert a.get(f"/threads/{thread['id']}/sync/", **params).status == 422
