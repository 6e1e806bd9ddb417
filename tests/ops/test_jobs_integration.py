"""The whole background-job path with real processes: scheduler → Postgres broker → worker → database."""

import time

import pytest
from dramatiq import Message
from dramatiq_postgres import PostgresBroker

from modules.ops.models import WorkerHeartbeat
from tests.live import current_database_url, start_scheduler, start_worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, timeout: float, processes=()) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        for process in processes:
            if process.popen.poll() is not None:
                raise AssertionError(f"{process.name} died:\n{process.log()[-3000:]}")
        time.sleep(0.2)
    return False


def test_real_worker_consumes_a_message_from_the_postgres_broker(tmp_path):
    worker = start_worker(tmp_path)
    try:
        broker = PostgresBroker(url=current_database_url(), results=False)
        broker.enqueue(Message(queue_name="default", actor_name="ops_worker_heartbeat", args=(), kwargs={}, options={}))
        assert wait_until(WorkerHeartbeat.objects.exists, 30, [worker]), worker.log()[-3000:]
        broker.close()
    finally:
        worker.stop()


def test_scheduler_and_worker_make_the_service_ready(tmp_path, anon):
    assert anon.get("/health/ready/").status == 503
    worker = start_worker(tmp_path)
    scheduler = start_scheduler(tmp_path)
    try:
        assert wait_until(lambda: anon.get("/health/ready/").status == 200, 45, [worker, scheduler]), (
            scheduler.log()[-2000:] + worker.log()[-2000:]
        )
    finally:
        scheduler.stop()
        worker.stop()
    assert "elected leader" in scheduler.log()


def test_only_one_scheduler_leads(tmp_path):
    first = start_scheduler(tmp_path)
    try:
        assert wait_until(lambda: "elected leader" in first.log(), 30, [first]), first.log()
        second = start_scheduler(tmp_path)
        try:
            assert wait_until(lambda: "standing by" in second.log(), 30, [second]), second.log()
            first.stop()
            # The standby takes over once the leader's session (and so its advisory lock) is gone.
            assert wait_until(lambda: "elected leader" in second.log(), 30, [second]), second.log()
        finally:
            second.stop()
    finally:
        first.stop()
