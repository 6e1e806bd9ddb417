""" "Delete conversation" on a direct thread (`POST /threads/{id}/leave/`): hidden for the caller only, with its
history up to that moment; the next message brings it back with only what follows."""

import pytest

from modules.messaging.models import Message, ThreadMember, TypingState
from tests.messaging.conftest import clear_events, direct, events, group, sent, topics, user_topics

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(people):
    """a and b in a direct thread with two messages each way; a then deletes the conversation."""
    a, b = people(2)
    thread = direct(a, b)
    old = [sent(a, thread["id"], "a1")["id"], sent(b, thread["id"], "b1")["id"], sent(b, thread["id"], "b2")["id"]]
    return a, b, thread["id"], old


def hide(client, thread_id):
    response = client.post(f"/threads/{thread_id}/leave/")
    assert response.status == 204, response
    return response


def test_hiding_takes_the_thread_and_its_history_away_from_the_caller_only(chat):
    a, b, thread_id, old = chat
    clear_events()
    hide(a, thread_id)
    assert a.get("/threads/").json()["results"] == []
    view = a.get(f"/threads/{thread_id}/").json()  # still reachable (profile → "Message" opens it)
    assert view["last_message"] is None and view["unread_count"] == 0
    assert [m["user"]["id"] for m in view["members"]] == [a.user.id, b.user.id]
    assert a.get("/messages/", thread=thread_id).json()["results"] == []
    sync = a.get(f"/threads/{thread_id}/sync/", since=0).json()
    assert sync["results"] == [] and sync["has_more"] is False
    for message_id in old:
        assert a.get(f"/messages/{message_id}/").status == 404
        assert a.post(f"/messages/{message_id}/reactions/", {"emoji": "👍"}).status == 404
        assert a.post(f"/messages/{message_id}/ack/", {"status": "read"}).status == 404
    assert a.delete(f"/messages/{old[0]}/").status == 404
    # b sees everything as before and is not told.
    seen = b.get("/threads/").json()["results"]
    assert [t["id"] for t in seen] == [thread_id] and seen[0]["last_message"]["id"] == old[-1]
    assert len(b.get("/messages/", thread=thread_id).json()["results"]) == 3
    assert all(b.get(f"/messages/{message_id}/").status == 200 for message_id in old)
    assert topics() == user_topics(a)
    hidden = events("thread:hidden")
    assert [e.payload for e in hidden] == [{"thread_id": thread_id, "cleared_through_message_id": old[-1]}]


def test_hiding_reports_nothing_as_read(chat):
    a, b, thread_id, old = chat
    hide(a, thread_id)
    statuses = {m["id"]: m["status"] for m in b.get("/messages/", thread=thread_id).json()["results"]}
    assert statuses[old[1]] == statuses[old[2]] == "sent"
    assert ThreadMember.objects.get(thread_id=thread_id, user=a.user).last_read_message_id == 0


def test_a_message_from_the_other_person_brings_it_back_with_only_what_follows(chat):
    a, b, thread_id, old = chat
    hide(a, thread_id)
    new = sent(b, thread_id, "still there?")
    listed = a.get("/threads/").json()["results"]
    assert [t["id"] for t in listed] == [thread_id]
    assert listed[0]["last_message"]["id"] == new["id"] and listed[0]["unread_count"] == 1
    assert [m["id"] for m in a.get("/messages/", thread=thread_id).json()["results"]] == [new["id"]]
    assert [m["id"] for m in a.get(f"/threads/{thread_id}/sync/").json()["results"]] == [new["id"]]
    assert [m["id"] for m in a.get(f"/threads/{thread_id}/sync/", since=old[0]).json()["results"]] == [new["id"]]
    assert a.get(f"/messages/{new['id']}/").status == 200
    assert f"user:{a.user.id}" in topics("message:new")


def test_the_callers_own_message_brings_it_back_too(chat):
    a, _, thread_id, _ = chat
    hide(a, thread_id)
    mine = sent(a, thread_id, "me again")
    assert [t["last_message"]["id"] for t in a.get("/threads/").json()["results"]] == [mine["id"]]
    assert [m["id"] for m in a.get("/messages/", thread=thread_id).json()["results"]] == [mine["id"]]


def test_hiding_again_moves_the_cut_off_and_an_empty_thread_can_be_hidden(people):
    a, b = people(2)
    thread_id = direct(a, b)["id"]
    hide(a, thread_id)  # nothing in it yet
    assert a.get("/threads/").json()["results"] == []
    first = sent(b, thread_id, "one")
    hide(a, thread_id)
    hide(a, thread_id)  # again: still hidden, same cut-off
    assert ThreadMember.objects.get(thread_id=thread_id, user=a.user).cleared_through_message_id == first["id"]
    second = sent(b, thread_id, "two")
    assert [m["id"] for m in a.get("/messages/", thread=thread_id).json()["results"]] == [second["id"]]
    # b can hide it as well, independently.
    hide(b, thread_id)
    assert b.get("/threads/").json()["results"] == []
    assert [t["id"] for t in a.get("/threads/").json()["results"]] == [thread_id]


def test_hiding_ends_the_callers_typing(chat, monkeypatch):
    a, _, thread_id, _ = chat
    monkeypatch.setattr("modules.messaging.services.publish_ephemeral", lambda *args: None)
    a.post(f"/threads/{thread_id}/typing/", {"is_typing": True})
    hide(a, thread_id)
    assert not TypingState.objects.exists()


def test_events_about_hidden_messages_do_not_reach_the_caller(chat):
    a, b, thread_id, old = chat
    hide(a, thread_id)
    clear_events()
    b.post(f"/messages/{old[1]}/reactions/", {"emoji": "😂"})
    b.delete(f"/messages/{old[2]}/")
    assert topics("message:reaction") == topics("message:deleted") == user_topics(b)
    a.post(f"/threads/{thread_id}/read/", {})  # a's pointer passes b's old messages: only b hears of it
    assert topics("message:status") == user_topics(b)
    assert {e.payload["message_id"] for e in events("message:status")} == {old[1]}  # old[2] is a tombstone


def test_the_read_pointer_and_unread_count_after_a_return(chat):
    a, b, thread_id, old = chat
    hide(a, thread_id)
    new = sent(b, thread_id, "new")
    receipt = a.post(f"/threads/{thread_id}/read/", {}).json()
    assert receipt["last_read_message_id"] == new["id"] and receipt["unread_count"] == 0
    assert Message.objects.get(id=old[1]).status == "read"  # the pointer is cumulative


def test_groups_are_still_left(people):
    a, b, c = people(3)
    thread = group(a, b, c)
    hide(b, thread["id"])
    assert b.get(f"/threads/{thread['id']}/").status == 404
    assert ThreadMember.objects.get(thread_id=thread["id"], user=b.user).left_at is not None
    assert ThreadMember.objects.get(thread_id=thread["id"], user=b.user).hidden_at is None


def test_strangers_cannot_hide_a_thread(chat, people):
    _, _, thread_id, _ = chat
    (stranger,) = people(1)
    assert stranger.post(f"/threads/{thread_id}/leave/").status == 404
    assert not ThreadMember.objects.filter(hidden_at__isnull=False).exists()


def test_after_a_delete_the_same_opener_starts_the_conversation_again(people):
    a, b = people(2)
    first = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "hi"}).json()
    hide(a, first["id"])
    again = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "hi"})
    assert again.status == 200 and again.json()["last_message"]["id"] != first["last_message"]["id"]
    assert [t["id"] for t in a.get("/threads/").json()["results"]] == [first["id"]]
    retry = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "hi"})
    assert retry.json()["last_message"]["id"] == again.json()["last_message"]["id"]
    assert Message.objects.count() == 2


def test_a_retried_send_answers_even_after_the_message_was_cleared(chat):
    a, _, thread_id, _ = chat
    key = "msg-1733450000000-aa11"
    first = a.post("/messages/", {"thread": thread_id, "body": "late", "client_uuid": key}).json()
    hide(a, thread_id)
    retry = a.post("/messages/", {"thread": thread_id, "body": "late", "client_uuid": key})
    assert retry.status == 200 and retry.json()["id"] == first["id"]
