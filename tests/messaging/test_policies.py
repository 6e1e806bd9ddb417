"""Blocks and dm_policy: who may start a conversation or write in one."""

import pytest

from modules.messaging.models import Message, Thread
from tests.factories import BlockFactory, FollowFactory
from tests.messaging.conftest import direct, send

pytestmark = pytest.mark.django_db


def set_policy(client, policy):
    client.user.dm_policy = policy
    client.user.save(update_fields=["dm_policy"])


@pytest.mark.parametrize("blocker", ["me", "them"])
def test_blocks_stop_new_direct_threads_either_way(people, blocker):
    me, them = people(2)
    a, b = (me, them) if blocker == "me" else (them, me)
    BlockFactory(blocker=a.user, blocked=b.user)
    response = me.post("/threads/direct/", {"user_id": them.user.id})
    assert response.status == 403 and response.json()["code"] == "blocked"
    assert not Thread.objects.exists()


@pytest.mark.parametrize("blocker", ["me", "them"])
def test_blocks_stop_messages_in_an_existing_direct_thread(people, blocker):
    me, them = people(2)
    thread = direct(me, them)
    a, b = (me, them) if blocker == "me" else (them, me)
    BlockFactory(blocker=a.user, blocked=b.user)
    for client in (me, them):
        response = send(client, thread["id"])
        assert response.status == 403 and response.json()["code"] == "blocked"
        assert client.post(f"/threads/{thread['id']}/typing/", {"is_typing": True}).status == 403
    assert not Message.objects.exists()
    # History stays readable, and get-or-create still finds the thread.
    assert me.get("/messages/", thread=thread["id"]).status == 200
    assert me.post("/threads/direct/", {"user_id": them.user.id}).status == 200


@pytest.mark.parametrize("blocker", ["creator", "participant"])
def test_a_group_cannot_include_someone_blocked_either_way(people, blocker):
    creator, friend, blocked = people(3)
    if blocker == "creator":
        BlockFactory(blocker=creator.user, blocked=blocked.user)
    else:
        BlockFactory(blocker=blocked.user, blocked=creator.user)
    response = creator.post("/threads/", {"participant_ids": [friend.user.id, blocked.user.id]})
    assert response.status == 403 and response.json()["code"] == "blocked"
    assert not Thread.objects.exists()


def test_blocks_between_other_group_members_do_not_stop_group_messages(people):
    creator, b, c = people(3)
    thread = creator.post("/threads/", {"participant_ids": [b.user.id, c.user.id]}).json()
    BlockFactory(blocker=b.user, blocked=c.user)
    assert send(b, thread["id"]).status == 201


def test_dm_policy_everyone(people):
    me, them = people(2)
    set_policy(them, "everyone")
    assert me.post("/threads/direct/", {"user_id": them.user.id}).status == 201


def test_dm_policy_nobody(people):
    me, them = people(2)
    set_policy(them, "nobody")
    response = me.post("/threads/direct/", {"user_id": them.user.id})
    assert response.status == 403 and response.json()["code"] == "dm_not_allowed"
    group = me.post("/threads/", {"participant_ids": [them.user.id]})
    assert group.status == 403 and group.json()["code"] == "dm_not_allowed"


def test_dm_policy_followers(people):
    me, them = people(2)
    set_policy(them, "followers")
    FollowFactory(follower=them.user, followee=me.user)  # they follow me: not enough
    assert me.post("/threads/direct/", {"user_id": them.user.id}).json()["code"] == "dm_not_allowed"
    assert me.post("/threads/", {"participant_ids": [them.user.id]}).json()["code"] == "dm_not_allowed"
    FollowFactory(follower=me.user, followee=them.user)  # I follow them: allowed
    assert me.post("/threads/direct/", {"user_id": them.user.id}).status == 201
    assert me.post("/threads/", {"participant_ids": [them.user.id]}).status == 201


def test_dm_policy_is_checked_on_every_message(people):
    me, them = people(2)
    thread = direct(me, them)  # I opened it
    assert send(me, thread["id"]).status == 201
    set_policy(them, "nobody")
    response = send(me, thread["id"])
    assert response.status == 403 and response.json()["code"] == "dm_not_allowed"
    set_policy(them, "followers")
    assert send(me, thread["id"]).json()["code"] == "dm_not_allowed"
    FollowFactory(follower=me.user, followee=them.user)
    assert send(me, thread["id"]).status == 201


def test_the_person_who_opened_the_thread_can_always_be_answered(people):
    me, them = people(2)
    set_policy(me, "nobody")
    thread = direct(me, them)  # I opened it, then closed my DMs
    assert send(them, thread["id"]).status == 201


def test_a_retry_after_a_block_still_returns_the_stored_message(people):
    me, them = people(2)
    thread = direct(me, them)
    payload = {"thread": thread["id"], "body": "hi", "client_uuid": "5f1a3c1e-2f0b-4c9e-8d1a-1b2c3d4e5f60"}
    assert me.post("/messages/", payload).status == 201
    BlockFactory(blocker=them.user, blocked=me.user)
    assert me.post("/messages/", payload).status == 200
    assert me.post("/messages/", {**payload, "client_uuid": "6f1a3c1e-2f0b-4c9e-8d1a-1b2c3d4e5f60"}).status == 403


def test_writing_to_a_deactivated_account_is_refused(people):
    me, them = people(2)
    thread = direct(me, them)
    them.user.is_active = False
    them.user.save(update_fields=["is_active"])
    response = send(me, thread["id"])
    assert response.status == 403 and response.json()["code"] == "recipient_inactive"
