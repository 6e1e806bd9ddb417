"""Realtime events are rows written in the transaction of the change, addressed to active members only."""

import pytest

from modules.messaging.models import Message, Thread
from modules.realtime.access import authorize
from modules.realtime.models import RealtimeEvent
from tests.factories import FollowFactory
from tests.messaging.conftest import clear_events, direct, events, group, sent, topics, user_topics

pytestmark = pytest.mark.django_db


def test_a_new_message_reaches_members_and_nobody_else(people):
    a, b, c, stranger = people(4)
    thread = group(a, b, c)
    clear_events()
    message = sent(b, thread["id"], "hello all")
    recorded = events("message:new")
    assert {e.topic for e in recorded} == user_topics(a, b, c)
    assert topics("notification:new") == user_topics(a, c)  # the sender is not notified of their own message
    assert f"user:{stranger.user.id}" not in topics()
    payload = recorded[0].payload["message"]
    assert payload["id"] == message["id"] and payload["body"] == "hello all" and payload["status"] == "sent"
    assert payload["sender"]["id"] == b.user.id and payload["thread"] == thread["id"]
    assert len({e.txid for e in events()}) == 1  # the message and its notifications: one transaction


def test_creating_threads_announces_them_to_their_members(people):
    a, b, c = people(3)
    thread = group(a, b, initial_message="first")
    assert topics("thread:updated") == user_topics(a, b)
    assert topics("message:new") == user_topics(a, b)
    clear_events()
    direct(a, c)
    assert topics() == user_topics(a, c) and {e.type for e in events()} == {"thread:updated"}
    clear_events()
    direct(c, a)  # already exists: nothing new to announce
    assert events() == []
    assert thread["id"] != direct(a, c)["id"]


def test_failed_requests_record_no_events(people):
    a, b = people(2)
    thread = direct(a, b)
    clear_events()
    assert a.post("/messages/", {"thread": thread["id"], "body": ""}).status == 422
    assert a.post("/messages/999999999/reactions/", {"emoji": "👍"}).status == 404
    assert a.post(f"/threads/{thread['id']}/typing/", {"is_typing": "maybe"}).status == 422
    assert events() == []


def test_a_rolled_back_change_leaves_no_events(people, monkeypatch):
    a, b = people(2)

    def explode(**kwargs):
        raise RuntimeError("fails after the first message was published")

    monkeypatch.setattr("modules.messaging.services.thread_views_for_members", explode)
    response = a.post("/threads/", {"participant_ids": [b.user.id], "initial_message": "hi"})
    assert response.status == 500
    assert not Thread.objects.exists() and not Message.objects.exists()
    assert not RealtimeEvent.objects.exists()


def test_thread_topics_are_open_to_active_members_only(people):
    a, b, stranger = people(3)
    thread = group(a, b)
    topic = f"thread:{thread['id']}"
    assert authorize(a.user.id, topic) and authorize(b.user.id, topic)
    assert not authorize(stranger.user.id, topic)
    b.post(f"/threads/{thread['id']}/leave/")
    assert not authorize(b.user.id, topic)
    assert not authorize(a.user.id, "thread:999999999")


def test_a_new_message_reaches_each_member_as_they_see_it(people):
    a, b, c = people(3)
    FollowFactory(follower=b.user, followee=a.user)
    thread = group(a, b, c)
    clear_events()
    message = sent(a, thread["id"], "hi")
    payloads = {e.topic: e.payload["message"] for e in events("message:new")}
    assert payloads[f"user:{b.user.id}"]["sender"]["is_following"] is True  # b follows a
    assert payloads[f"user:{c.user.id}"]["sender"]["is_following"] is False
    assert payloads[f"user:{a.user.id}"]["sender"]["is_following"] is False
    for viewer in (a, b, c):  # what GET /messages/{id}/ shows that viewer
        shown = viewer.get(f"/messages/{message['id']}/").json()
        payload = payloads[f"user:{viewer.user.id}"]
        assert payload["sender"] == shown["sender"] and payload["reactions"] == shown["reactions"] == []
        assert payload["id"] == shown["id"] and payload["client_uuid"] == shown["client_uuid"]


def test_reaction_events_carry_each_members_own_flag_in_both_spellings(people):
    a, b = people(2)
    thread = direct(a, b)
    message = sent(a, thread["id"])
    clear_events()
    b.post(f"/messages/{message['id']}/reactions/", {"emoji": "👍"})
    payloads = {e.topic: e.payload for e in events("message:reaction")}
    mine, theirs = payloads[f"user:{b.user.id}"], payloads[f"user:{a.user.id}"]
    assert mine["reactions"] == [
        {"emoji": "👍", "count": 1, "reacted_by_current_user": True, "reactedByCurrentUser": True}
    ]
    assert theirs["reactions"] == [
        {"emoji": "👍", "count": 1, "reacted_by_current_user": False, "reactedByCurrentUser": False}
    ]
    assert mine["message_id"] == message["id"] and mine["emoji"] == "👍" and mine["action"] == "added"
    assert mine["user_id"] == b.user.id and mine["thread_id"] == thread["id"]


def test_a_tombstone_reaches_each_member_as_they_see_it(people):
    a, b, c = people(3)
    FollowFactory(follower=c.user, followee=a.user)
    thread = group(a, b, c)
    message = sent(a, thread["id"], "oops")
    clear_events()
    a.delete(f"/messages/{message['id']}/")
    payloads = {e.topic: e.payload for e in events("message:deleted")}
    assert set(payloads) == user_topics(a, b, c)
    assert payloads[f"user:{c.user.id}"]["message"]["sender"]["is_following"] is True
    assert payloads[f"user:{b.user.id}"]["message"]["sender"]["is_following"] is False
    assert all(p["message_id"] == message["id"] and p["message"]["deleted"] for p in payloads.values())


def test_a_tombstone_of_a_deactivated_sender_is_announced_without_a_message(people):
    from modules.messaging.services import messages_remove_by_moderator

    a, b = people(2)
    thread = direct(a, b)
    message = sent(a, thread["id"], "bye")
    a.user.is_active = False
    a.user.save(update_fields=["is_active"])
    clear_events()
    assert messages_remove_by_moderator(message_ids=[message["id"]]) == 1
    payloads = [e.payload for e in events("message:deleted")]
    assert payloads and all(
        p == {"message_id": message["id"], "thread_id": thread["id"], "message": None} for p in payloads
    )
