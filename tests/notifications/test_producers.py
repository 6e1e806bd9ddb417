"""The modules that notify: follows, likes, comments, replies, @mentions, messages and rewards, through their
real endpoints and services, and what the recipient then sees in GET /notifications/."""

import datetime as dt
import uuid

import pytest

from modules.notifications.models import Notification
from modules.realtime.models import RealtimeEvent
from modules.rewards.services import payout_transition, snapshot_compute, snapshot_finalize
from tests.conftest import client_for
from tests.factories import BlockFactory, FollowFactory, StaffFactory, UserFactory
from tests.posts.factories import CommentFactory, PostFactory
from tests.rewards.factories import ContributorFactory, revenue, reward_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return client_for(UserFactory(name="Ana", handle="ana"))


@pytest.fixture
def bob():
    return client_for(UserFactory(name="Bob", handle="bob"))


@pytest.fixture
def cai():
    return client_for(UserFactory(name="Cai", handle="cai"))


def inbox(client) -> list[dict]:
    response = client.get("/notifications/")
    assert response.status == 200, response
    return response.json()["results"]


def about(notification: dict) -> tuple[str, str | None, int | None]:
    target = notification["target"] or {}
    return notification["type"], target.get("type"), target.get("id")


def kinds(client) -> list[tuple[str, str | None, int | None]]:
    return [about(n) for n in inbox(client)]


def post_by(client, text: str, visibility: str = "public") -> dict:
    response = client.post("/posts/", {"text": text, "visibility": visibility})
    assert response.status == 201, response
    return response.json()


def comment_by(client, post_id: int, text: str, parent_id: int | None = None) -> dict:
    body = {"post": post_id, "text": text} | ({"parent": parent_id} if parent_id else {})
    response = client.post("/comments/", body)
    assert response.status == 201, response
    return response.json()


# --- follows and likes ----------------------------------------------------------------------------


def test_a_follow_notifies_once_even_when_repeated(ana, bob):
    assert bob.post(f"/users/{ana.user.id}/follow/").status == 200
    assert bob.post(f"/users/{ana.user.id}/follow/").status == 200  # idempotent: no second notification
    [notification] = inbox(ana)
    assert notification["type"] == "follow"
    assert notification["summary"] == "Bob started following you"
    assert inbox(bob) == []


def test_likes_on_one_post_are_grouped(ana, bob, cai):
    post = PostFactory(author=ana.user, text="sunrise")
    others = [client_for(UserFactory(name=f"Fan {n}")) for n in range(2)]
    for client in [bob, cai, *others]:
        assert client.post(f"/posts/{post.id}/like/").status == 200
    [notification] = inbox(ana)
    assert about(notification) == ("like", "post", post.id)
    assert notification["actor_count"] == 4
    assert notification["summary"].startswith("Fan 1 and 3 others liked your post")


def test_unlike_and_like_again_do_not_notify_twice(ana, bob):
    post = PostFactory(author=ana.user)
    assert bob.post(f"/posts/{post.id}/like/").status == 200
    assert bob.delete(f"/posts/{post.id}/unlike/").status == 200
    assert bob.post(f"/posts/{post.id}/like/").status == 200
    [notification] = inbox(ana)
    assert notification["actor_count"] == 1


def test_liking_your_own_post_notifies_nobody(ana):
    post = PostFactory(author=ana.user)
    assert ana.post(f"/posts/{post.id}/like/").status == 200
    assert inbox(ana) == []


def test_a_comment_like_names_the_comment_and_its_post(ana, bob):
    comment = CommentFactory(author=ana.user)
    assert bob.post(f"/comments/{comment.id}/like/").status == 200
    [notification] = inbox(ana)
    assert about(notification) == ("like", "comment", comment.id)
    assert notification["data"] == {"post_id": comment.post_id}


# --- comments and replies -------------------------------------------------------------------------


def test_a_comment_notifies_the_post_author(ana, bob):
    post = post_by(ana, "what do you think?")
    comment = comment_by(bob, post["id"], "looks great")
    [notification] = inbox(ana)
    assert about(notification) == ("comment", "post", post["id"])
    assert notification["data"] == {"comment_id": comment["id"]}
    assert notification["summary"] == "Bob commented on your post: looks great"


def test_a_reply_notifies_the_parent_author_and_the_post_author_once_each(ana, bob, cai):
    post = post_by(ana, "question")
    parent = comment_by(bob, post["id"], "first")
    comment_by(cai, post["id"], "reply to bob", parent_id=parent["id"])
    assert kinds(bob) == [("reply", "comment", parent["id"])]
    assert sorted(n["type"] for n in inbox(ana)) == ["comment", "comment"]  # bob's comment, then cai's reply


def test_replying_to_the_post_authors_comment_sends_only_the_reply(ana, bob):
    post = post_by(ana, "question")
    parent = comment_by(ana, post["id"], "my own first comment")
    comment_by(bob, post["id"], "answer", parent_id=parent["id"])
    assert kinds(ana) == [("reply", "comment", parent["id"])]


def test_blocked_people_cannot_notify(ana, bob):
    post = PostFactory(author=ana.user)
    BlockFactory(blocker=ana.user, blocked=bob.user)
    assert bob.post(f"/users/{ana.user.id}/follow/").status == 404
    assert bob.post(f"/posts/{post.id}/like/").status == 404
    assert inbox(ana) == []


# --- mentions -------------------------------------------------------------------------------------


def test_a_mention_in_a_public_post_notifies_who_is_named(ana, bob, cai):
    post = post_by(ana, "lunch with @Bob and @cai? cc @nobody_here ana@example.com")
    assert kinds(bob) == [("mention", "post", post["id"])]
    assert kinds(cai) == [("mention", "post", post["id"])]
    assert inbox(ana) == []


def test_mentions_respect_who_may_see_the_post(ana, bob, cai):
    FollowFactory(follower=bob.user, followee=ana.user)
    post_by(ana, "followers only, @bob and @cai", visibility="followers")
    post_by(ana, "note to self about @bob", visibility="private")
    assert [n["type"] for n in inbox(bob)] == ["mention"]  # the followers-only post
    assert inbox(cai) == []  # cai does not follow ana


def test_editing_a_post_notifies_only_newly_mentioned_people(ana, bob, cai):
    post = post_by(ana, "hello @bob")
    assert ana.patch(f"/posts/{post['id']}/", {"text": "hello @bob and @cai"}).status == 200
    assert len(inbox(bob)) == 1
    assert kinds(cai) == [("mention", "post", post["id"])]


def test_a_mention_in_a_comment_points_at_the_comment(ana, bob, cai):
    post = post_by(ana, "photo")
    comment = comment_by(bob, post["id"], "@cai look at this")
    [notification] = inbox(cai)
    assert about(notification) == ("mention", "comment", comment["id"])
    assert notification["data"] == {"post_id": post["id"]}


def test_mentions_are_capped(ana):
    named = [UserFactory(handle=f"person_{n:02d}") for n in range(25)]
    post_by(ana, " ".join(f"@{user.handle}" for user in named))
    assert Notification.objects.filter(type="mention").count() == 20


# --- messages -------------------------------------------------------------------------------------


def test_a_message_notifies_every_other_member_with_a_realtime_event(ana, bob, cai):
    thread = ana.post("/threads/", {"participant_ids": [bob.user.id, cai.user.id]}).json()
    response = ana.post(
        f"/threads/{thread['id']}/messages/", {"body": "dinner at 8?", "client_uuid": str(uuid.uuid4())}
    )
    assert response.status == 201, response
    message_id = response.json()["id"]
    for member in (bob, cai):
        [notification] = inbox(member)
        assert about(notification) == ("message", "thread", thread["id"])
        assert notification["data"] == {"message_id": message_id}
        assert notification["summary"] == "Ana sent you a message: dinner at 8?"
    assert inbox(ana) == []
    topics = set(RealtimeEvent.objects.filter(type="notification:new").values_list("topic", flat=True))
    assert topics == {f"user:{bob.user.id}", f"user:{cai.user.id}"}


def test_a_retried_message_does_not_notify_twice(ana, bob):
    thread = ana.post("/threads/direct/", {"user_id": bob.user.id}).json()
    body = {"body": "hi", "client_uuid": str(uuid.uuid4())}
    assert ana.post(f"/threads/{thread['id']}/messages/", body).status == 201
    assert ana.post(f"/threads/{thread['id']}/messages/", body).status == 200
    assert len(inbox(bob)) == 1


# --- rewards --------------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)


def test_finalised_and_paid_rewards_notify_the_linked_contributor(ana):
    ContributorFactory(user=ana.user, github_login="Ana-Dev")
    revenue(cents=100_000)
    reward_event("ana-dev", 3)
    reward_event("unlinked", 1)
    snapshot_compute(period="2026-10", now=NOW)
    snapshot = snapshot_finalize(period="2026-10", now=NOW + dt.timedelta(days=7))

    [notification] = inbox(ana)
    payout = snapshot.payouts.get(github_login="ana-dev")
    assert about(notification) == ("reward", "payout", payout.id)
    assert notification["actors"] == []
    assert "375.00" in notification["summary"]
    assert Notification.objects.count() == 1  # nobody to tell for the unlinked login

    staff = StaffFactory()
    payout_transition(payout_id=payout.id, to_status="processing", by_id=staff.id)
    payout_transition(payout_id=payout.id, to_status="paid", by_id=staff.id, external_reference="tx-1")
    paid, finalised = inbox(ana)
    assert paid["summary"].endswith("was paid.") and "pending payout" in finalised["summary"]
