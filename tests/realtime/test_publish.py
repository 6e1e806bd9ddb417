"""Publishing: rows in the caller's transaction, one small NOTIFY after commit, nothing on rollback."""

import datetime as dt
import json

import psycopg
import pytest
from django.db import transaction
from django.utils import timezone

from modules.realtime.models import RealtimeEvent
from modules.realtime.publishing import CHANNEL, NOTIFY_LIMIT, chunks
from modules.realtime.publishing import record as publish
from modules.realtime.publishing import signal as publish_ephemeral
from modules.realtime.services import events_purge
from tests.live import current_database_url


class Listener:
    def __init__(self) -> None:
        self.conn = psycopg.connect(current_database_url(), autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")

    def received(self, wait: float = 0.5) -> list[str]:
        payloads = []
        for notification in self.conn.notifies(timeout=wait):
            payloads.append(notification.payload)
        return payloads

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def listener(transactional_db):
    listener = Listener()
    yield listener
    listener.close()


def test_publish_requires_the_callers_transaction(transactional_db):
    # In autocommit there is no transaction whose commit could announce the change.
    with pytest.raises(RuntimeError, match="inside the transaction"):
        publish(["user:1"], "x", {})


def test_one_notify_per_transaction_with_only_topic_names(listener):
    with transaction.atomic():
        publish(["user:1", "thread:9"], "message:new", {"body": "x" * 10_000})
        publish(["user:2"], "message:new", {"body": "hi"})
        with transaction.atomic():
            publish(["user:1"], "message:status", {"status": "sent"})
    payloads = listener.received()
    assert payloads == ["thread:9,user:1,user:2"]
    rows = list(RealtimeEvent.objects.order_by("id").values_list("topic", "type", "txid"))
    assert [(t, ty) for t, ty, _ in rows] == [
        ("thread:9", "message:new"),
        ("user:1", "message:new"),
        ("user:2", "message:new"),
        ("user:1", "message:status"),
    ]
    assert len({txid for _, _, txid in rows}) == 1  # all written by the one transaction


def test_many_events_are_one_insert_in_the_order_given(listener, django_assert_num_queries):
    from modules.realtime.publishing import publish_many
    from modules.social.events import FollowRequestResolvedEvent

    def resolved(requester_id: int) -> FollowRequestResolvedEvent:
        return FollowRequestResolvedEvent(requester_id=requester_id, target_id=1, status="approved")

    with transaction.atomic():
        with django_assert_num_queries(1):
            publish_many([(["user:3", "user:1"], resolved(3)), ([], resolved(4)), (["user:2"], resolved(2))])
        publish_many([])
    assert listener.received() == ["user:1,user:2,user:3"]
    rows = list(RealtimeEvent.objects.order_by("id").values_list("topic", "type", "payload", "txid"))
    assert [(topic, payload["requester_id"]) for topic, _, payload, _ in rows] == [
        ("user:1", 3),
        ("user:3", 3),
        ("user:2", 2),
    ]
    assert {type_ for _, type_, _, _ in rows} == {"follow_request:resolved"}
    assert len({txid for *_, txid in rows}) == 1


def test_a_rolled_back_transaction_announces_and_stores_nothing(listener):
    def publish_then_fail():
        with transaction.atomic():
            publish(["user:1"], "x", {})
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        publish_then_fail()
    assert listener.received() == []
    assert not RealtimeEvent.objects.exists()


def test_a_rolled_back_savepoint_keeps_the_rest(listener):
    with transaction.atomic():
        publish(["user:1"], "kept", {})
        try:
            with transaction.atomic():
                publish(["user:2"], "dropped", {})
                raise ValueError
        except ValueError:
            pass
    assert list(RealtimeEvent.objects.values_list("type", flat=True)) == ["kept"]
    assert listener.received()  # announced (a topic without new rows is only a spurious wake-up)


def test_large_topic_sets_are_split_under_the_notify_limit():
    topics = [f"user:{n}" for n in range(3000)]
    parts = chunks(topics)
    assert len(parts) > 1
    assert all(len(part.encode()) <= NOTIFY_LIMIT for part in parts)
    assert sorted(",".join(parts).split(",")) == sorted(topics)


def test_ephemeral_signals_travel_in_the_notify_and_are_not_stored(listener):
    publish_ephemeral(["thread:9"], "typing", {"user_id": 1, "is_typing": True})
    (payload,) = listener.received()
    assert json.loads(payload) == {
        "topics": ["thread:9"],
        "type": "typing",
        "payload": {"user_id": 1, "is_typing": True},
    }
    assert not RealtimeEvent.objects.exists()
    with pytest.raises(ValueError, match="7900 bytes"):
        publish_ephemeral(["thread:9"], "typing", {"blob": "x" * 9000})


def test_purge_keeps_the_retention_window(db, settings):
    settings.REALTIME_RETENTION_HOURS = 24
    with transaction.atomic():
        publish(["user:1"], "old", {})
        publish(["user:1"], "new", {})
    RealtimeEvent.objects.filter(type="old").update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert events_purge() == 1
    assert list(RealtimeEvent.objects.values_list("type", flat=True)) == ["new"]
