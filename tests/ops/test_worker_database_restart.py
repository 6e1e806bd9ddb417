"""A real Dramatiq worker across a real PostgreSQL restart: the jobs that follow it run at once and none fails.

The worker's connection pools (Django's and the broker's) hold idle connections that the restart kills.
psycopg_pool alone finds them one checkout at a time, sleeping 1, 2, 4, 8 … s between dead ones, so with several
idle connections the first job after a restart waits past the pool timeout and fails (the heartbeat, with no
retries, is lost). The worker must notice the restart and test its pools before the next job.
"""

import os
import sys
import time

import psycopg
import pytest
from django.db import connection
from dramatiq import Message
from dramatiq_postgres import PostgresBroker

from modules.ops.models import WorkerHeartbeat
from tests.live import current_database_url, server_env, start_process

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="needs the embedded PostgreSQL to restart it"),
]

THREADS = 8


def wait_until(predicate, timeout: float, worker) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if worker.popen.poll() is not None:
            raise AssertionError(f"the worker died:\n{worker.log()[-3000:]}")
        time.sleep(0.2)
    return False


def beats() -> int:
    connection.close()  # a connection of this test may have died with the server: take a fresh one
    return sum(WorkerHeartbeat.objects.values_list("beats", flat=True))


def heartbeat(broker: PostgresBroker, count: int = 1) -> None:
    for _ in range(count):
        broker.enqueue(Message(queue_name="default", actor_name="ops_worker_heartbeat", args=(), kwargs={}, options={}))


def waiting_on_locks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ).fetchone()[0]


def test_jobs_after_a_database_restart_run_without_failing(tmp_path):
    from selflink.embedded_postgres import server as embedded

    url = current_database_url()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM dramatiq.queue")  # what earlier tests left queued: this test counts every job
    worker = start_process(
        "worker-restart",
        [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", str(THREADS)],
        server_env(DATABASE_POOL_MAX="10"),
        tmp_path,
    )
    broker = PostgresBroker(url=url, results=False)
    try:
        heartbeat(broker)
        assert wait_until(lambda: beats() == 1, 60, worker), worker.log()[-3000:]
        # Fill the worker's pool: hold the heartbeat row so that every thread waits on it with a connection checked
        # out, then let them all finish. The pool keeps those connections, idle.
        with psycopg.connect(url) as blocker:
            blocker.execute("SELECT 1 FROM ops_workerheartbeat FOR UPDATE")
            heartbeat(broker, THREADS)
            assert wait_until(lambda: waiting_on_locks(url) >= THREADS, 30, worker), worker.log()[-3000:]
            blocker.commit()
        assert wait_until(lambda: beats() == 1 + THREADS, 30, worker), worker.log()[-3000:]

        embedded.restart()
        broker.close()
        broker = PostgresBroker(url=url, results=False)
        # One job alone meets every dead connection of the pool. The heartbeat runs once (no retries): a job that
        # timed out on them is lost for good.
        heartbeat(broker)
        assert wait_until(lambda: beats() == 2 + THREADS, 60, worker), worker.log()[-4000:]
        heartbeat(broker, 3)
        assert wait_until(lambda: beats() == 5 + THREADS, 60, worker), worker.log()[-4000:]
        log = worker.log()
        assert "couldn't get a connection" not in log and "Failed to process message" not in log, log[-4000:]
        assert "connection pools were checked" in log
    finally:
        broker.close()
        worker.stop()
