"""A real Dramatiq worker process takes the push job from the Postgres broker and talks to the fake Expo service."""

import pytest
from dramatiq import Message
from dramatiq_postgres import PostgresBroker

from modules.notifications.models import Device, Notification
from modules.notifications.public import notify
from tests.factories import UserFactory
from tests.live import current_database_url, start_worker
from tests.notifications.factories import DeviceFactory
from tests.notifications.fakepush import EXPO_SEND
from tests.ops.test_jobs_integration import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_delivers_a_push_and_prunes_a_dead_device(tmp_path, fake_push):
    ana, bob = UserFactory(), UserFactory(name="Bob")
    phone = DeviceFactory(user=ana)
    dead = DeviceFactory(user=ana)
    fake_push.dead.add(dead.token)
    notify(recipient_id=ana.id, type="follow", actor_id=bob.id)  # committed: the worker can see it
    notification = Notification.objects.get()
    worker = start_worker(tmp_path, EXPO_PUSH_URL=fake_push.url + EXPO_SEND, PUSH_RETRY_BACKOFF_MS="10")
    broker = PostgresBroker(url=current_database_url(), results=False)
    try:
        broker.enqueue(
            Message(
                queue_name="notifications",
                actor_name="notifications_push",
                args=(notification.id,),
                kwargs={},
                options={},
            )
        )
        assert wait_until(lambda: not Device.objects.filter(id=dead.id).exists(), 45, [worker]), worker.log()[-3000:]
    finally:
        broker.close()
        worker.stop()
    [request] = fake_push.sent()
    assert [m["to"] for m in request.json()] == [phone.token, dead.token]
    assert request.json()[0]["body"] == "Bob started following you"
    assert Notification.objects.get().pushed_at is not None
    assert phone.token not in worker.log() and dead.token not in worker.log()
