"""A message send runs a fixed, small number of statements, whatever the thread's size (issue 12: 21 statements
before, with push on). Counted on a committing transaction, as in production (the NOTIFY runs after the commit).

The 15 of a direct message, in order: the bearer session check, the rate-limit hit, the sender's membership with
the client_uuid retry check and the recipient's account (one statement), the block check, the thread lock with
the insert, the thread's last message with the members, the members' accounts, who of them follows the sender,
the notification's silence check, the recipients' preferences with their push devices, a savepoint around the
notification insert, the realtime events of the message and of the notification (one insert), the NOTIFY.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from modules.messaging.models import Message
from modules.notifications.models import Notification
from modules.realtime.models import RealtimeEvent
from tests.messaging.conftest import direct, group

pytestmark = pytest.mark.django_db(transaction=True)

DIRECT_SEND = 15
MARGIN = 1  # room for one more statement before this test asks why


def send_statements(client, thread_id: int) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/messages/", {"thread": thread_id, "body": "hello there", "client_uuid": str(uuid.uuid4())}
        )
    assert response.status == 201, response
    # Django logs the transaction's COMMIT too; like scripts/profile_requests.py, count statements only.
    return [query["sql"] for query in captured.captured_queries if query["sql"] not in {"BEGIN", "COMMIT"}]


def test_a_direct_message_is_sent_in_a_handful_of_statements(people, settings):
    settings.PUSH_ENABLED = True
    a, b = people(2)
    thread = direct(a, b)
    statements = send_statements(a, thread["id"])
    assert len(statements) <= DIRECT_SEND + MARGIN, "\n".join(statements)
    assert statements[-1].startswith("SELECT pg_notify")
    # Everything a send did before is still done: the message, the notification, both realtime events.
    message = Message.objects.latest("id")
    assert Notification.objects.filter(recipient=b.user, type="message", data__message_id=message.id).exists()
    types = set(RealtimeEvent.objects.filter(topic=f"user:{b.user.id}").values_list("type", flat=True))
    assert {"message:new", "notification:new"} <= types


def test_the_statements_do_not_grow_with_the_members(people):
    owner, *others = people(8)
    small = group(owner, others[0], others[1])
    large = group(owner, *others)
    assert len(send_statements(owner, small["id"])) == len(send_statements(owner, large["id"]))
    assert len(send_statements(owner, large["id"])) <= DIRECT_SEND + MARGIN
