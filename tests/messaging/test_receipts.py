"""Read and delivered pointers (monotonic) and the message status they drive."""

import pytest

from modules.messaging.models import Message, ThreadMember
from tests.messaging.conftest import clear_events, direct, events, group, sent, user_topics

pytestmark = pytest.mark.django_db


def pointer(client, thread_id) -> tuple[int, int]:
    member = ThreadMember.objects.get(thread_id=thread_id, user=client.user)
    return member.last_delivered_message_id, member.last_read_message_id


def status(client, message_id) -> str:
    return client.get(f"/messages/{message_id}/").json()["status"]


def test_read_defaults_to_the_latest_message(people):
    a, b = people(2)
    thread = direct(a, b)
    ids = [sent(a, thread["id"], f"m{n}")["id"] for n in range(3)]
    assert b.get(f"/threads/{thread['id']}/").json()["unread_count"] == 3
    response = b.post(f"/threads/{thread['id']}/read/", {})
    assert response.status == 200, response
    assert response.json() == {
        "thread_id": thread["id"],
        "last_delivered_message_id": ids[-1],
        "last_read_message_id": ids[-1],
        "unread_count": 0,
    }
    assert all(status(a, mid) == "read" for mid in ids)


def test_read_without_a_body_and_on_an_empty_thread(people):
    a, b = people(2)
    thread = direct(a, b)
    response = b.request("POST", f"/threads/{thread['id']}/read/", raw=b"")
    assert response.status == 200 and response.json()["last_read_message_id"] == 0


def test_the_read_pointer_never_moves_back(people):
    a, b = people(2)
    thread = direct(a, b)
    first, second, third = (sent(a, thread["id"], f"m{n}")["id"] for n in range(3))
    assert b.post(f"/threads/{thread['id']}/read/", {"last_read_message_id": second}).json()["unread_count"] == 1
    back = b.post(f"/threads/{thread['id']}/read/", {"last_read_message_id": first}).json()
    assert back["last_read_message_id"] == second and back["unread_count"] == 1
    assert pointer(b, thread["id"]) == (second, second)
    assert status(a, first) == status(a, second) == "read" and status(a, third) == "sent"


def test_read_pointer_must_name_a_message_of_the_thread(people):
    a, b, c = people(3)
    thread, other = direct(a, b), direct(a, c)
    elsewhere = sent(c, other["id"])["id"]
    response = b.post(f"/threads/{thread['id']}/read/", {"last_read_message_id": elsewhere})
    assert response.status == 400 and response.json()["code"] == "message_not_in_thread"
    assert b.post(f"/threads/{thread['id']}/read/", {"last_read_message_id": "x"}).status == 422
    assert b.post(f"/threads/{thread['id']}/read/", {"last_read_message_id": 0}).status == 422
    assert b.request("POST", f"/threads/{thread['id']}/read/", raw=b"{").status == 400


def test_ack_moves_the_delivered_pointer_forward_only(people):
    a, b = people(2)
    thread = direct(a, b)
    first, second = (sent(a, thread["id"], f"m{n}")["id"] for n in range(2))
    response = b.post(f"/messages/{second}/ack/", {"status": "delivered"})
    assert response.status == 200, response
    assert response.json()["last_delivered_message_id"] == second and response.json()["last_read_message_id"] == 0
    assert b.post(f"/messages/{first}/ack/", {"status": "delivered"}).json()["last_delivered_message_id"] == second
    assert status(a, first) == status(a, second) == "delivered"
    message = a.get(f"/messages/{second}/").json()
    assert message["delivered_at"] and message["read_at"] is None


def test_ack_as_read(people):
    a, b = people(2)
    thread = direct(a, b)
    mid = sent(a, thread["id"])["id"]
    body = b.post(f"/messages/{mid}/ack/", {"status": "read"}).json()
    assert body["last_read_message_id"] == body["last_delivered_message_id"] == mid and body["unread_count"] == 0
    message = a.get(f"/messages/{mid}/").json()
    assert message["status"] == "read" and message["read_at"] and message["delivered_at"]


@pytest.mark.parametrize("payload", [{}, {"status": "seen"}, {"status": 1}, {"status": "pending"}])
def test_ack_bad_input(people, payload):
    a, b = people(2)
    thread = direct(a, b)
    mid = sent(a, thread["id"])["id"]
    assert b.post(f"/messages/{mid}/ack/", payload).status == 422


def test_status_in_a_group_waits_for_every_other_member(people):
    a, b, c = people(3)
    thread = group(a, b, c)
    mid = sent(a, thread["id"])["id"]
    b.post(f"/messages/{mid}/ack/", {"status": "delivered"})
    assert status(a, mid) == "sent"
    c.post(f"/messages/{mid}/ack/", {"status": "delivered"})
    assert status(a, mid) == "delivered"
    b.post(f"/threads/{thread['id']}/read/", {})
    assert status(a, mid) == "delivered"
    c.post(f"/threads/{thread['id']}/read/", {})
    assert status(a, mid) == "read"
    # The sender's own pointer plays no part in their message's status.
    assert pointer(a, thread["id"]) == (0, 0)


def test_status_events_go_to_every_member(people):
    a, b = people(2)
    thread = direct(a, b)
    mid = sent(a, thread["id"])["id"]
    clear_events()
    b.post(f"/messages/{mid}/ack/", {"status": "delivered"})
    delivered = events("message:status")
    assert {e.topic for e in delivered} == user_topics(a, b)
    assert delivered[0].payload == {"message_id": mid, "thread_id": thread["id"], "status": "delivered"}
    clear_events()
    b.post(f"/messages/{mid}/ack/", {"status": "delivered"})  # nothing moved: nothing announced
    assert events() == []
    b.post(f"/threads/{thread['id']}/read/", {})
    assert [e.payload["status"] for e in events("message:status")] == ["read", "read"]
    # The reader's other devices get the thread with its new unread count, and nobody else does.
    updated = events("thread:updated")
    assert [e.topic for e in updated] == [f"user:{b.user.id}"] and updated[0].payload["thread"]["unread_count"] == 0


def test_leaving_completes_statuses_that_waited_for_the_leaver(people):
    a, b, c = people(3)
    thread = group(a, b, c)
    mid = sent(a, thread["id"])["id"]
    b.post(f"/threads/{thread['id']}/read/", {})
    assert status(a, mid) == "sent"
    clear_events()
    c.post(f"/threads/{thread['id']}/leave/")
    assert status(a, mid) == "read"
    assert {e.topic for e in events("message:status")} == user_topics(a, b)


def test_deleted_messages_do_not_count_and_keep_their_status(people):
    a, b = people(2)
    thread = direct(a, b)
    mid = sent(a, thread["id"])["id"]
    a.delete(f"/messages/{mid}/")
    b.post(f"/threads/{thread['id']}/read/", {})
    assert Message.objects.get(id=mid).read_at is None


def test_unread_excludes_your_own_messages(people):
    a, b = people(2)
    thread = direct(a, b)
    sent(a, thread["id"])
    sent(b, thread["id"])
    sent(b, thread["id"])
    assert a.get(f"/threads/{thread['id']}/").json()["unread_count"] == 2
    assert b.get(f"/threads/{thread['id']}/").json()["unread_count"] == 1


def test_status_events_per_change_are_bounded_newest_first(people, monkeypatch):
    monkeypatch.setattr("modules.messaging.services.STATUS_EVENTS_MAX", 2)
    a, b = people(2)
    thread = direct(a, b)
    ids = [sent(a, thread["id"], f"m{n}")["id"] for n in range(4)]
    clear_events()
    b.post(f"/threads/{thread['id']}/read/", {})
    announced = [e.payload["message_id"] for e in events("message:status") if e.topic == f"user:{a.user.id}"]
    assert announced == [ids[3], ids[2]]
    assert all(status(a, mid) == "read" for mid in ids)  # every status is right over REST
