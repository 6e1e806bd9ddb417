"""Races between real concurrent requests (each thread has its own database connection)."""

import threading
import uuid

import pytest
from django.db import connection

from modules.messaging.models import Message, Thread, ThreadMember
from modules.realtime.models import RealtimeEvent
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.messaging.conftest import direct, group, sent


def run_together(*calls):
    """Start every call at the same moment; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_client_uuid_store_one_message():
    a, b = client_for(UserFactory()), client_for(UserFactory())
    thread = direct(a, b)
    payload = {"thread": thread["id"], "body": "exactly once", "client_uuid": str(uuid.uuid4())}
    responses = run_together(*[lambda: a.post("/messages/", payload) for _ in range(8)])
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] * 7 + [201], responses
    assert len({r.json()["id"] for r in responses}) == 1
    assert Message.objects.count() == 1
    assert RealtimeEvent.objects.filter(type="message:new").count() == 2  # one per member, once


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_through_both_paths():
    a, b = client_for(UserFactory()), client_for(UserFactory())
    thread = direct(a, b)
    key = str(uuid.uuid4())
    responses = run_together(
        *[lambda: a.post("/messages/", {"thread": thread["id"], "body": "x", "client_uuid": key}) for _ in range(3)],
        *[lambda: a.post(f"/threads/{thread['id']}/messages/", {"body": "x", "client_uuid": key}) for _ in range(3)],
    )
    assert sorted(r.status for r in responses) == [200] * 5 + [201]
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_direct_thread_get_or_create_race():
    a, b = client_for(UserFactory()), client_for(UserFactory())
    calls = [lambda: a.post("/threads/direct/", {"user_id": b.user.id}) for _ in range(4)]
    calls += [lambda: b.post("/threads/direct/", {"user_id": a.user.id}) for _ in range(4)]
    responses = run_together(*calls)
    assert sorted(r.status for r in responses) == [200] * 7 + [201], responses
    assert len({r.json()["id"] for r in responses}) == 1
    assert Thread.objects.count() == 1 and ThreadMember.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_reads_never_lose_a_read_status():
    a, b, c, d = (client_for(UserFactory()) for _ in range(4))
    thread = group(a, b, c, d)
    for _ in range(3):
        mid = sent(a, thread["id"])["id"]
        run_together(*[lambda client=client: client.post(f"/threads/{thread['id']}/read/", {}) for client in (b, c, d)])
        assert Message.objects.get(id=mid).status == "read"


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_keep_the_last_message_right():
    a, b = client_for(UserFactory()), client_for(UserFactory())
    thread = direct(a, b)
    run_together(*[lambda n=n: sent(a if n % 2 else b, thread["id"], f"m{n}") for n in range(8)])
    latest = Message.objects.filter(thread_id=thread["id"]).order_by("-id").first()
    assert Thread.objects.get(id=thread["id"]).last_message_id == latest.id
    assert Message.objects.filter(thread_id=thread["id"]).count() == 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_the_apps_fallback_key_store_one_message():
    a, b = client_for(UserFactory()), client_for(UserFactory())
    thread = direct(a, b)
    key = "msg-1733450000000-9f3a6c1d2e"  # the app's key when it has no crypto.randomUUID
    body = {"thread": str(thread["id"]), "body": "x", "client_uuid": key}  # the app sends the id as a string
    responses = run_together(
        *[lambda: a.post("/messages/", body) for _ in range(4)],
        *[lambda: a.post(f"/threads/{thread['id']}/messages/", {"body": "x", "client_uuid": key}) for _ in range(2)],
    )
    assert sorted(r.status for r in responses) == [200] * 5 + [201], responses
    assert {r.json()["client_uuid"] for r in responses} == {key}
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_racing_a_delete_conversation_is_either_cleared_or_brings_it_back():
    a, b = client_for(UserFactory()), client_for(UserFactory())
    thread = direct(a, b)
    for n in range(4):
        sent(b, thread["id"], f"before {n}")
        hidden, message = run_together(
            lambda: a.post(f"/threads/{thread['id']}/leave/", {}), lambda n=n: sent(b, thread["id"], f"race {n}")
        )
        assert hidden.status == 204
        member = ThreadMember.objects.get(thread_id=thread["id"], user=a.user)
        listed = [t["id"] for t in a.get("/threads/").json()["results"]]
        if message["id"] <= member.cleared_through_message_id:  # the message came first: gone with the rest
            assert member.hidden_at is not None and listed == []
        else:  # the delete came first: the message brought the thread back, with only itself
            assert member.hidden_at is None and listed == [thread["id"]]
            assert [m["id"] for m in a.get("/messages/", thread=thread["id"]).json()["results"]] == [message["id"]]
