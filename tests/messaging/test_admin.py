import pytest
from django.test import Client
from django.urls import reverse

from modules.messaging.models import Message
from tests.factories import StaffFactory
from tests.messaging.conftest import group, sent
from tests.messaging.factories import MessageAttachmentFactory, MessageReactionFactory
from tests.profiles.images import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_thread_and_message_admin_pages(staff_client, people):
    a, b = people(2)
    thread = group(a, b, title="Admins", initial_message="hello")
    message = a.request(
        "POST",
        f"/threads/{thread['id']}/messages/",
        data={"body": "pic", "attachments": [upload("a.jpg", image_bytes())]},
    ).json()
    MessageReactionFactory(message_id=message["id"], user=b.user)
    MessageAttachmentFactory(message__thread_id=thread["id"])
    listing = staff_client.get(reverse("admin:messaging_thread_changelist"), {"kind": "group"})
    assert listing.status_code == 200 and b"Admins" in listing.content
    assert staff_client.get(reverse("admin:messaging_thread_change", args=[thread["id"]])).status_code == 200
    messages = staff_client.get(reverse("admin:messaging_message_changelist"), {"q": "hello", "deleted": "no"})
    assert messages.status_code == 200 and b"hello" in messages.content
    page = staff_client.get(reverse("admin:messaging_message_change", args=[message["id"]]))
    assert page.status_code == 200 and b"<img" in page.content
    assert staff_client.get(reverse("admin:messaging_thread_add")).status_code == 403
    assert staff_client.get(reverse("admin:messaging_message_add")).status_code == 403


def test_moderation_turns_messages_into_tombstones(staff_client, people):
    a, b = people(2)
    thread = group(a, b)
    message = sent(a, thread["id"], "offensive")
    response = staff_client.post(
        reverse("admin:messaging_message_changelist"),
        {"action": "remove_messages", "_selected_action": [message["id"]]},
    )
    assert response.status_code == 302
    stored = Message.objects.get(id=message["id"])
    assert stored.deleted and stored.body == ""
    assert b.get(f"/messages/{message['id']}/").json()["deleted"] is True


def test_admin_is_closed_to_non_staff(people):
    (member,) = people(1)
    client = Client()
    client.force_login(member.user)
    for name in ("admin:messaging_thread_changelist", "admin:messaging_message_changelist"):
        assert client.get(reverse(name)).status_code == 302
        assert Client().get(reverse(name)).status_code == 302
