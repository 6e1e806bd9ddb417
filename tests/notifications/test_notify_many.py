"""notify_many(): one thing told to several people in one pass, each getting what notify() would have given them,
in a number of statements that does not grow with the number of recipients."""

import dramatiq
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from modules.notifications.models import Notification
from modules.notifications.public import notify, notify_many
from modules.realtime.models import RealtimeEvent
from tests.factories import BlockFactory, MuteFactory, UserFactory
from tests.notifications.factories import DeviceFactory, NotificationPreferencesFactory

pytestmark = pytest.mark.django_db
MESSAGE = {"type": "message", "target_type": "thread", "target_id": 9, "text": "hello", "data": {"message_id": 3}}


@pytest.fixture
def stub_broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def pushed(broker) -> list[int]:
    queue = broker.queues.get("notifications")
    ids = []
    while queue is not None and not queue.empty():
        ids.append(dramatiq.Message.decode(queue.get()).args[0])
    return ids


def statements(recipients: int, *, devices: bool = False) -> int:
    actor = UserFactory()
    people = [UserFactory() for _ in range(recipients)]
    for person in people if devices else ():
        DeviceFactory(user=person)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        notify_many(recipient_ids=[p.id for p in people], actor_id=actor.id, **MESSAGE)
    assert Notification.objects.filter(recipient__in=people).count() == recipients
    return len(captured.captured_queries)


@pytest.mark.parametrize("devices", [False, True])
def test_the_statements_do_not_grow_with_the_recipients(devices, settings):
    settings.PUSH_ENABLED = True
    # the silence check, accounts, preferences with the push devices (one statement since issue 12), a savepoint
    # around one insert and one publish
    assert statements(2, devices=devices) == statements(10, devices=devices) == statements(50, devices=devices) == 7


def test_each_recipient_gets_what_notify_would_give_them(stub_broker, settings, django_capture_on_commit_callbacks):
    settings.PUSH_ENABLED = True
    actor = UserFactory(name="Ana", handle="ana")
    plain, muted_actor, blocked_actor, blocked_by_actor, turned_off, no_push, gone = (UserFactory() for _ in range(7))
    MuteFactory(muter=muted_actor, muted=actor)
    BlockFactory(blocker=blocked_actor, blocked=actor)
    BlockFactory(blocker=actor, blocked=blocked_by_actor)
    NotificationPreferencesFactory(user=turned_off, in_app_off=["message"])
    NotificationPreferencesFactory(user=no_push, push_off=["message"])
    gone.is_active = False
    gone.save()
    for person in (plain, no_push):
        DeviceFactory(user=person)
    everyone = [plain, muted_actor, blocked_actor, blocked_by_actor, turned_off, no_push, gone, actor, plain]

    with django_capture_on_commit_callbacks(execute=True):
        notify_many(recipient_ids=[p.id for p in everyone], actor_id=actor.id, **MESSAGE)

    rows = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(rows) == {plain.id, no_push.id}  # once each; never the actor; no one who silenced them
    assert all((n.actor_ids, n.actor_count, n.text, n.content_id) == ([actor.id], 1, "hello", 3) for n in rows.values())
    events = {e.topic: e.payload for e in RealtimeEvent.objects.filter(type="notification:new")}
    assert set(events) == {f"user:{plain.id}", f"user:{no_push.id}"}
    shown = events[f"user:{plain.id}"]["notification"]
    assert shown["id"] == rows[plain.id].id and shown["summary"] == "Ana sent you a message: hello"
    assert [a["handle"] for a in shown["actors"]] == ["ana"] and shown["target"] == {"type": "thread", "id": 9}
    assert pushed(stub_broker) == [rows[plain.id].id]  # the other one takes messages in the app only


def test_an_inactive_actor_tells_no_one():
    actor, people = UserFactory(is_active=False), [UserFactory(), UserFactory()]
    with transaction.atomic():
        notify_many(recipient_ids=[p.id for p in people], actor_id=actor.id, **MESSAGE)
    assert not Notification.objects.exists() and not RealtimeEvent.objects.exists()


def test_nobody_to_tell_costs_nothing():
    actor = UserFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        notify_many(recipient_ids=[actor.id], actor_id=actor.id, **MESSAGE)
        notify_many(recipient_ids=[], actor_id=actor.id, **MESSAGE)
    assert captured.captured_queries == []


def test_mentions_are_not_repeated_for_those_who_have_one_unread():
    author, seen, new = UserFactory(), UserFactory(), UserFactory()
    mention = {"type": "mention", "actor_id": author.id, "target_type": "post", "target_id": 4, "text": "hi"}
    notify(recipient_id=seen.id, **mention)
    with transaction.atomic():
        notify_many(recipient_ids=[seen.id, new.id], **mention)
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted([seen.id, new.id])
    assert RealtimeEvent.objects.filter(type="notification:new", topic=f"user:{new.id}").count() == 1
    assert RealtimeEvent.objects.filter(type="notification:new", topic=f"user:{seen.id}").count() == 1  # the first


def test_likes_are_grouped_per_recipient():
    first, second, ana, bob = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    like = {"type": "like", "target_type": "post", "target_id": 7, "text": "a post"}
    notify_many(recipient_ids=[ana.id, bob.id], actor_id=first.id, **like)
    notify_many(recipient_ids=[ana.id, bob.id], actor_id=second.id, **like)
    groups = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, n.actor_ids, n.actor_count) for n in groups] == [
        (ana.id, [second.id, first.id], 2),
        (bob.id, [second.id, first.id], 2),
    ]


def test_system_notices_reach_everyone_named():
    people = [UserFactory(), UserFactory()]
    notify_many(recipient_ids=[p.id for p in people], type="reward", target_type="payout", target_id=1, text="Paid")
    assert Notification.objects.filter(type="reward", actor__isnull=True).count() == 2
    payloads = [e.payload["notification"] for e in RealtimeEvent.objects.filter(type="notification:new")]
    assert [(p["actors"], p["summary"]) for p in payloads] == [([], "Paid"), ([], "Paid")]


def test_a_database_error_loses_the_notifications_not_the_change(monkeypatch):
    from modules.notifications import services

    actor, people = UserFactory(), [UserFactory(), UserFactory()]

    def broken(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1/0")

    monkeypatch.setattr(services, "_insert", broken)
    with transaction.atomic():
        kept = UserFactory(name="made in the same transaction")
        notify_many(recipient_ids=[p.id for p in people], actor_id=actor.id, **MESSAGE)
    assert not Notification.objects.exists()
    assert type(kept).objects.filter(id=kept.id).exists()
