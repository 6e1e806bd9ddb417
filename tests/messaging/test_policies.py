"""Blocks and dm_policy: who may start a conversation or write in one."""

import pytest

from modules.messaging.models import Message, MessageReaction, Thread
from modules.notifications.models import Notification
from tests.factories import BlockFactory, FollowFactory
from tests.messaging.conftest import direct, group, send, sent

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


# --- blocks in a group both people are in (docs/SECURITY.md, "Blocks") ----------------------------------------
# A group is the members' shared room: a block between two members silences neither of them there and is not
# revealed to the others; but nothing may be addressed to the other one (a reply to, or a new reaction on, their
# messages), and the other's messages never notify. The same holds in both directions.


@pytest.fixture
def shared_group(people):
    """(blocker, blocked, third member, group): the group was made before the block."""
    blocker, blocked, third = people(3)
    thread = group(third, blocker, blocked)
    BlockFactory(blocker=blocker.user, blocked=blocked.user)
    return blocker, blocked, third, thread


def _actor_and_other(shared_group, direction):
    blocker, blocked, third, thread = shared_group
    return (blocked, blocker, third, thread) if direction == "blocked" else (blocker, blocked, third, thread)


@pytest.mark.parametrize("direction", ["blocked", "blocker"])
def test_no_reaction_on_the_others_messages_in_a_shared_group(shared_group, direction):
    actor, other, third, thread = _actor_and_other(shared_group, direction)
    theirs = sent(other, thread["id"], "their words")
    response = actor.post(f"/messages/{theirs['id']}/reactions/", {"emoji": "👎"})
    assert response.status == 403 and response.json()["code"] == "blocked"
    assert not MessageReaction.objects.exists()
    # Reacting to the third member's message is fine.
    mine = sent(third, thread["id"], "third words")
    assert actor.post(f"/messages/{mine['id']}/reactions/", {"emoji": "👍"}).status == 200


def test_a_reaction_made_before_the_block_can_be_taken_back(people):
    a, b, c = people(3)
    thread = group(c, a, b)
    message = sent(a, thread["id"])
    b.post(f"/messages/{message['id']}/reactions/", {"emoji": "👍"})
    BlockFactory(blocker=a.user, blocked=b.user)
    removed = b.post(f"/messages/{message['id']}/reactions/", {"emoji": "👍"})
    assert removed.status == 200 and removed.json()["action"] == "removed"
    assert b.post(f"/messages/{message['id']}/reactions/", {"emoji": "👍"}).status == 403


@pytest.mark.parametrize("direction", ["blocked", "blocker"])
def test_no_reply_to_the_others_messages_in_a_shared_group(shared_group, direction):
    actor, other, _, thread = _actor_and_other(shared_group, direction)
    theirs = sent(other, thread["id"], "their words")
    response = send(actor, thread["id"], "about that…", reply_to_message_id=theirs["id"])
    assert response.status == 403 and response.json()["code"] == "blocked"
    assert not Message.objects.filter(reply_to_id=theirs["id"]).exists()


@pytest.mark.parametrize("direction", ["blocked", "blocker"])
def test_both_still_write_in_a_shared_group_but_the_other_is_not_notified(shared_group, direction):
    actor, other, third, thread = _actor_and_other(shared_group, direction)
    assert send(actor, thread["id"], "to the group").status == 201
    assert Notification.objects.filter(recipient=third.user, type="message").count() == 1
    assert not Notification.objects.filter(recipient=other.user).exists()


@pytest.mark.parametrize("direction", ["blocked", "blocker"])
def test_neither_starts_a_new_group_with_the_other(shared_group, direction):
    actor, other, third, _ = _actor_and_other(shared_group, direction)
    response = actor.post("/threads/", {"participant_ids": [third.user.id, other.user.id]})
    assert response.status == 403 and response.json()["code"] == "blocked"
