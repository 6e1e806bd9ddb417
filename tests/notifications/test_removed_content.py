"""Removed content does not live on in notifications: when a post, a comment or a message is deleted by its author
or removed by staff, the notifications about it keep who did what and show nothing of its text, in the API, the
admin and pushes not sent yet."""

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from modules.notifications.delivery import push_deliver
from modules.notifications.models import Notification
from modules.notifications.public import content_removed, notify
from tests.conftest import client_for
from tests.factories import StaffFactory, UserFactory
from tests.notifications.factories import DeviceFactory

pytestmark = pytest.mark.django_db

NOON_UTC = dt.datetime(2025, 1, 10, 12, 0, tzinfo=dt.UTC)
SECRET_POST = "my sunset photo at 42 Hidden Lane"
SECRET_COMMENT = "call me on 555-0199"
SECRET_REPLY = "the gate code is 7788"
SECRET_MESSAGE = "meet at the back door"


@pytest.fixture
def ana():
    return client_for(UserFactory(name="Ana", handle="ana"))


@pytest.fixture
def bob():
    return client_for(UserFactory(name="Bob", handle="bob"))


@pytest.fixture
def staff():
    client = Client()
    client.force_login(StaffFactory())
    return client


def inbox(client) -> list[dict]:
    response = client.get("/notifications/")
    assert response.status == 200, response
    return response.json()["results"]


def shown(client) -> str:
    """Everything the recipient's notifications say, in the list and one by one."""
    listing = inbox(client)
    return repr(listing) + "".join(repr(client.get(f"/notifications/{n['id']}/").json()) for n in listing)


def post_by(client, text: str) -> dict:
    response = client.post("/posts/", {"text": text, "visibility": "public"})
    assert response.status == 201, response
    return response.json()


def comment_by(client, post_id: int, text: str, parent_id: int | None = None) -> dict:
    body = {"post": post_id, "text": text} | ({"parent": parent_id} if parent_id else {})
    response = client.post("/comments/", body)
    assert response.status == 201, response
    return response.json()


def admin_pages(staff) -> str:
    listing = staff.get(reverse("admin:notifications_notification_changelist"))
    assert listing.status_code == 200
    pages = [listing.content.decode()]
    for notification_id in Notification.objects.values_list("id", flat=True):
        change = staff.get(reverse("admin:notifications_notification_change", args=[notification_id]))
        assert change.status_code == 200
        pages.append(change.content.decode())
    return "".join(pages)


# --- posts and comments ---------------------------------------------------------------------------


@pytest.fixture
def conversation(ana, bob):
    """Ana's post mentions Bob; Bob likes and comments on it; Ana replies; Bob likes her reply."""
    post = post_by(ana, f"{SECRET_POST} with @bob")
    assert bob.post(f"/posts/{post['id']}/like/").status == 200
    comment = comment_by(bob, post["id"], SECRET_COMMENT)
    reply = comment_by(ana, post["id"], SECRET_REPLY, parent_id=comment["id"])
    assert bob.post(f"/comments/{reply['id']}/like/").status == 200
    return post, comment, reply


def test_the_notifications_quote_the_content_while_it_exists(ana, bob, conversation, staff):
    assert SECRET_COMMENT in shown(ana) and SECRET_POST in shown(ana)  # like, comment
    assert SECRET_POST in shown(bob) and SECRET_REPLY in shown(bob)  # mention, reply, like on the reply
    assert SECRET_COMMENT in admin_pages(staff)


@pytest.mark.parametrize("by", ["author", "staff"])
def test_a_removed_post_takes_every_quote_of_it_and_its_comments(ana, bob, conversation, staff, by):
    post, *_ = conversation
    if by == "author":
        assert ana.delete(f"/posts/{post['id']}/").status == 204
    else:
        response = staff.post(
            reverse("admin:posts_post_changelist"), {"action": "remove_posts", "_selected_action": [post["id"]]}
        )
        assert response.status_code == 302
    for text in (SECRET_POST, SECRET_COMMENT, SECRET_REPLY, "Hidden Lane", "555-0199", "7788"):
        assert text not in shown(ana) and text not in shown(bob) and text not in admin_pages(staff)
    # Who did what stays.
    kinds = sorted(n["type"] for n in inbox(ana) + inbox(bob))
    assert kinds == ["comment", "like", "like", "mention", "reply"]
    assert {n["text"] for n in inbox(ana) + inbox(bob)} == {""}
    assert all(":" not in n["summary"] for n in inbox(ana) + inbox(bob))
    assert Notification.objects.filter(content_removed_at__isnull=True).count() == 0


@pytest.mark.parametrize("by", ["author", "staff"])
def test_a_removed_comment_takes_its_quotes_and_its_replies_quotes(ana, bob, conversation, staff, by):
    _, comment, _ = conversation
    if by == "author":
        assert bob.delete(f"/comments/{comment['id']}/").status == 204
    else:
        response = staff.post(
            reverse("admin:posts_comment_changelist"),
            {"action": "remove_comments", "_selected_action": [comment["id"]]},
        )
        assert response.status_code == 302
    for text in (SECRET_COMMENT, SECRET_REPLY):
        assert text not in shown(ana) and text not in shown(bob) and text not in admin_pages(staff)
    # The post is still there: what quotes it still does.
    like = next(n for n in inbox(ana) if n["type"] == "like" and n["target"]["type"] == "post")
    assert SECRET_POST in like["text"]
    mention = next(n for n in inbox(bob) if n["type"] == "mention")
    assert SECRET_POST in mention["text"]


def test_a_mention_in_a_deleted_post_is_no_longer_quoted(ana, bob):
    post = post_by(ana, f"{SECRET_POST} with @bob")
    assert ana.delete(f"/posts/{post['id']}/").status == 204
    [mention] = inbox(bob)
    assert mention["type"] == "mention" and mention["text"] == "" and mention["summary"] == "Ana mentioned you"


# --- messages ---------------------------------------------------------------------------------------


@pytest.fixture
def message(ana, bob):
    thread = ana.post("/threads/direct/", {"user_id": bob.user.id}).json()
    response = ana.post(
        f"/threads/{thread['id']}/messages/", {"body": SECRET_MESSAGE, "client_uuid": str(uuid.uuid4())}
    )
    assert response.status == 201, response
    assert SECRET_MESSAGE in shown(bob)
    return response.json()


@pytest.mark.parametrize("by", ["sender", "staff"])
def test_a_deleted_message_is_no_longer_quoted(ana, bob, message, staff, by):
    if by == "sender":
        assert ana.delete(f"/messages/{message['id']}/").status in (200, 204)
    else:
        response = staff.post(
            reverse("admin:messaging_message_changelist"),
            {"action": "remove_messages", "_selected_action": [message["id"]]},
        )
        assert response.status_code == 302
    assert SECRET_MESSAGE not in shown(bob) and SECRET_MESSAGE not in admin_pages(staff)
    [notification] = inbox(bob)
    assert notification["type"] == "message" and notification["summary"] == "Ana sent you a message"


# --- pushes not sent yet --------------------------------------------------------------------------


def test_a_push_not_sent_yet_says_nothing_of_removed_content(fake_push):
    ana, bob = UserFactory(name="Ana"), UserFactory(name="Bob")
    DeviceFactory(user=ana, token="ExponentPushToken[phoneAAAAAAAAAAAA1234]")
    notify(
        recipient_id=ana.id,
        type="comment",
        actor_id=bob.id,
        target_type="post",
        target_id=7,
        text=SECRET_COMMENT,
        data={"comment_id": 70},
    )
    notification = Notification.objects.get()
    assert content_removed(kind="comment", ids=[70]) == 1  # removed before the push job ran
    report = push_deliver(notification_id=notification.id, now=NOON_UTC)
    assert report.skipped == "content_removed" and report.sent == 0
    assert fake_push.sent() == []


def test_quoting_text_without_saying_whose_it_is_is_refused():
    ana, bob = UserFactory(), UserFactory()
    with pytest.raises(ValueError, match="whose content"):
        notify(recipient_id=ana.id, type="comment", actor_id=bob.id, target_type="post", target_id=1, text="hi")
    with pytest.raises(ValueError, match="unknown content kind"):
        content_removed(kind="profile", ids=[1])
