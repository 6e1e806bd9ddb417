import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modules.messaging.models import Message, Thread, ThreadMember
from tests.conftest import client_for
from tests.factories import BlockFactory, UserFactory
from tests.messaging.conftest import direct, events, group, sent, topics, user_topics
from tests.messaging.factories import DirectThreadFactory, MessageFactory, ThreadMemberFactory

pytestmark = pytest.mark.django_db


def test_direct_thread_is_created_once_then_found(people):
    a, b = people(2)
    first = a.post("/threads/direct/", {"user_id": b.user.id})
    assert first.status == 201, first
    body = first.json()
    assert body["is_group"] is False and body["title"] is None
    assert {p["id"] for p in body["participants"]} == {a.user.id, b.user.id}
    assert body["last_message"] is None and body["unread_count"] == 0
    again = a.post("/threads/direct/", {"user_id": b.user.id})
    assert again.status == 200 and again.json()["id"] == body["id"]
    reverse = b.post("/threads/direct/", {"user_id": a.user.id})
    assert reverse.status == 200 and reverse.json()["id"] == body["id"]
    assert Thread.objects.count() == 1 and ThreadMember.objects.count() == 2


def test_direct_thread_edge_cases(api):
    assert api.post("/threads/direct/", {"user_id": api.user.id}).json()["code"] == "self_thread"
    assert api.post("/threads/direct/", {"user_id": 999_999_999}).status == 404
    inactive = UserFactory(is_active=False)
    assert api.post("/threads/direct/", {"user_id": inactive.id}).status == 404
    assert api.post("/threads/direct/", {"user_id": "x"}).status == 422
    assert api.post("/threads/direct/", {"user_id": 2**60}).status == 422
    assert api.post("/threads/direct/", {}).status == 422
    assert api.request("POST", "/threads/direct/", raw=b"{not json").status == 400
    assert not Thread.objects.exists()


def test_create_group_with_title_and_first_message(people):
    a, b, c = people(3)
    response = a.post(
        "/threads/",
        {"participant_ids": [b.user.id, c.user.id, b.user.id, a.user.id], "title": "  Trip  ", "initial_message": "hi"},
    )
    assert response.status == 201, response
    body = response.json()
    assert body["is_group"] is True and body["title"] == "Trip"
    assert [p["id"] for p in body["participants"]] == [a.user.id, b.user.id, c.user.id]
    assert body["last_message"]["body"] == "hi" and body["last_message"]["sender"]["id"] == a.user.id
    assert body["unread_count"] == 0  # your own message
    seen_by_b = b.get(f"/threads/{body['id']}/").json()
    assert seen_by_b["unread_count"] == 1 and seen_by_b["last_message"]["status"] == "sent"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"participant_ids": []}, 422),
        ({"participant_ids": "1"}, 422),
        ({"participant_ids": [0]}, 422),
        ({"participant_ids": list(range(1, 60))}, 422),
        ({"participant_ids": [1], "title": "x" * 121}, 422),
        ({"participant_ids": [1], "initial_message": "x" * 4001}, 422),
        ({"participant_ids": [999_999_999]}, 404),
    ],
)
def test_create_group_bad_input(api, payload, status):
    assert api.post("/threads/", payload).status == status
    assert not Thread.objects.exists()


def test_group_with_only_yourself_is_refused(api):
    response = api.post("/threads/", {"participant_ids": [api.user.id]})
    assert response.status == 422 and response.json()["code"] == "no_participants"


def test_thread_list_orders_by_activity_with_unread_counts(people):
    a, b, c = people(3)
    old = direct(a, b)
    newer = group(a, b, c)
    sent(b, old["id"], "ping")  # the old thread becomes the most recent
    results = a.get("/threads/").json()["results"]
    assert [t["id"] for t in results] == [old["id"], newer["id"]]
    assert results[0]["unread_count"] == 1 and results[0]["last_message"]["body"] == "ping"
    assert results[1]["unread_count"] == 0
    assert [t["id"] for t in c.get("/threads/").json()["results"]] == [newer["id"]]


def test_thread_list_pages_with_a_cursor(people):
    me, *others = people(5)
    ids = [direct(me, other)["id"] for other in others]
    listed, cursor, pages = [], None, 0
    while True:
        page = me.get("/threads/", limit=3, **({"cursor": cursor} if cursor else {})).json()
        listed += [t["id"] for t in page["results"]]
        pages += 1
        if not (cursor := page["next"]):
            break
    assert listed == list(reversed(ids)) and pages == 2
    assert me.get("/threads/", cursor="garbage").json()["code"] == "invalid_cursor"


def test_thread_list_query_count_does_not_grow_with_threads(people, django_assert_max_num_queries):
    me, *others = people(6)

    def fill(count):
        for other in others[:count]:
            thread = DirectThreadFactory(user_a=me.user, user_b=other.user)
            MessageFactory(thread=thread, sender=other.user)
            MessageFactory(thread=thread, sender=me.user)

    fill(1)
    with CaptureQueriesContext(connection) as one:
        assert len(me.get("/threads/").json()["results"]) == 1
    Thread.objects.all().delete()
    fill(5)
    with django_assert_max_num_queries(len(one.captured_queries)):
        results = me.get("/threads/").json()["results"]
    assert len(results) == 5 and all(t["unread_count"] == 1 for t in results)


def test_non_members_cannot_see_a_thread(people):
    a, b, stranger = people(3)
    thread = direct(a, b)
    assert stranger.get(f"/threads/{thread['id']}/").status == 404
    assert stranger.get(f"/threads/{thread['id']}/sync/").status == 404
    assert stranger.get(f"/threads/{thread['id']}/typing/").status == 404
    assert stranger.post(f"/threads/{thread['id']}/typing/", {"is_typing": True}).status == 404
    assert stranger.post(f"/threads/{thread['id']}/read/", {}).status == 404
    assert stranger.post(f"/threads/{thread['id']}/leave/").status == 404
    assert stranger.get("/messages/", thread=thread["id"]).status == 404
    assert stranger.get("/threads/").json()["results"] == []
    assert stranger.get("/threads/999999999/").status == 404


def test_unauthenticated_requests_are_refused(anon, people):
    a, b = people(2)
    thread = direct(a, b)
    assert anon.get("/threads/").status == 401
    assert anon.post("/threads/", {"participant_ids": [b.user.id]}).status == 401
    assert anon.post("/threads/direct/", {"user_id": b.user.id}).status == 401
    assert anon.get(f"/threads/{thread['id']}/").status == 401
    assert anon.post(f"/threads/{thread['id']}/leave/").status == 401
    assert anon.post(f"/threads/{thread['id']}/read/", {}).status == 401
    assert anon.get(f"/threads/{thread['id']}/typing/").status == 401
    assert anon.get(f"/threads/{thread['id']}/sync/").status == 401
    assert anon.post(f"/threads/{thread['id']}/messages/", {"body": "x"}).status == 401


def test_leaving_a_group(people):
    a, b, c = people(3)
    thread = group(a, b, c)
    response = b.post(f"/threads/{thread['id']}/leave/")
    assert response.status == 204
    assert b.get(f"/threads/{thread['id']}/").status == 404
    assert b.get("/messages/", thread=thread["id"]).status == 404
    assert b.post(f"/threads/{thread['id']}/leave/").status == 404
    assert b.get("/threads/").json()["results"] == []
    remaining = a.get(f"/threads/{thread['id']}/").json()["participants"]
    assert [p["id"] for p in remaining] == [a.user.id, c.user.id]
    left = events("member_left")
    assert {e.topic for e in left} == user_topics(a, b, c)
    assert all(e.payload == {"thread_id": thread["id"], "user_id": b.user.id} for e in left)
    assert topics("thread:updated") >= user_topics(a, c)


def test_a_member_who_left_gets_no_more_events(people):
    a, b, c = people(3)
    thread = group(a, b, c)
    b.post(f"/threads/{thread['id']}/leave/")
    sent(a, thread["id"], "after")
    assert {e.topic for e in events("message:new")} == user_topics(a, c)


def test_thread_payload_in_events_is_per_member(people):
    a, b = people(2)
    thread = group(a, b, initial_message="hello")
    payloads = {e.topic: e.payload["thread"] for e in events("thread:updated")}
    assert set(payloads) == user_topics(a, b)
    assert payloads[f"user:{a.user.id}"]["unread_count"] == 0
    assert payloads[f"user:{b.user.id}"]["unread_count"] == 1
    assert payloads[f"user:{b.user.id}"]["id"] == thread["id"]


def test_thread_rate_limit(api, settings, people):
    from selflink.env import Rate

    settings.RATE_THREADS_PER_USER = Rate(2, 60)
    x, y, z = people(3)
    assert api.post("/threads/direct/", {"user_id": x.user.id}).status == 201
    assert api.post("/threads/direct/", {"user_id": y.user.id}).status == 201
    limited = api.post("/threads/direct/", {"user_id": z.user.id})
    assert limited.status == 429 and "Retry-After" in limited.headers


def test_group_member_factory(db):
    member = ThreadMemberFactory()
    assert member.thread.is_group and client_for(member.user).get(f"/threads/{member.thread_id}/").status == 200


def test_threads_carry_members_and_updated_at(people):
    a, b, c = people(3)
    thread = group(a, b, c, initial_message="hello")
    body = a.get(f"/threads/{thread['id']}/").json()
    assert [m["user"]["id"] for m in body["members"]] == [a.user.id, b.user.id, c.user.id]
    assert [m["user"] for m in body["members"]] == body["participants"]
    assert all(m["joined_at"] and {"id", "name", "handle", "photo"} <= set(m["user"]) for m in body["members"])
    assert body["updated_at"] == body["last_activity_at"] == body["last_message"]["created_at"]
    b.post(f"/threads/{thread['id']}/leave/")
    listed = a.get("/threads/").json()["results"][0]
    assert [m["user"]["id"] for m in listed["members"]] == [a.user.id, c.user.id]
    assert listed["updated_at"] == listed["last_activity_at"]


def test_thread_list_accepts_the_apps_ordering_and_page_size(people):
    me, *others = people(4)
    ids = [direct(me, other)["id"] for other in others]
    for ordering in ("-updated_at", "-last_activity_at"):
        page = me.get("/threads/", ordering=ordering, page_size=2).json()
        assert [t["id"] for t in page["results"]] == [ids[2], ids[1]]
        assert "ordering=" in page["next"] and "page_size=2" in page["next"]
        rest = me.get("/threads/", ordering=ordering, page_size=2, cursor=page["next"]).json()
        assert [t["id"] for t in rest["results"]] == [ids[0]] and rest["next"] is None


@pytest.mark.parametrize("ordering", ["updated_at", "-created_at", "title", ""])
def test_thread_list_refuses_other_orderings(api, ordering):
    response = api.get("/threads/", ordering=ordering)
    assert response.status == 422 and "ordering" in response.json()["errors"]


def test_direct_thread_with_a_string_id_and_an_initial_message(people):
    a, b = people(2)
    response = a.post("/threads/direct/", {"user_id": str(b.user.id), "initial_message": "  hi there  "})
    assert response.status == 201, response
    body = response.json()
    assert body["last_message"]["body"] == "hi there" and body["last_message"]["sender"]["id"] == a.user.id
    seen_by_b = b.get("/threads/").json()["results"]
    assert [t["id"] for t in seen_by_b] == [body["id"]] and seen_by_b[0]["unread_count"] == 1
    assert topics("message:new") == user_topics(a, b)


def test_repeating_the_direct_request_does_not_send_the_initial_message_twice(people):
    a, b = people(2)
    first = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "hi"})
    again = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "hi"})
    assert (first.status, again.status) == (201, 200)
    assert again.json()["last_message"]["id"] == first.json()["last_message"]["id"]
    assert Message.objects.count() == 1 and len(events("message:new")) == 2
    other = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "are you there?"})
    assert other.status == 200 and other.json()["last_message"]["body"] == "are you there?"
    reply = b.post("/threads/direct/", {"user_id": a.user.id, "initial_message": "hi"})  # b's own opener
    assert reply.json()["last_message"]["sender"]["id"] == b.user.id
    assert Message.objects.count() == 3


@pytest.mark.parametrize("initial_message", [None, "", "   "])
def test_direct_thread_without_an_initial_message_sends_nothing(people, initial_message):
    a, b = people(2)
    response = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": initial_message})
    assert response.status == 201 and response.json()["last_message"] is None
    assert not Message.objects.exists()


def test_direct_initial_message_input_and_policies(people):
    a, b = people(2)
    too_long = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "x" * 4001})
    assert too_long.status == 422 and "initial_message" in too_long.json()["errors"]
    assert a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": 5}).status == 422
    thread = direct(a, b)
    BlockFactory(blocker=b.user, blocked=a.user)
    refused = a.post("/threads/direct/", {"user_id": b.user.id, "initial_message": "hi"})
    assert refused.status == 403 and refused.json()["code"] == "blocked"
    assert not Message.objects.filter(thread_id=thread["id"]).exists()
