import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from modules.ops import selectors
from modules.ops.models import WorkerHeartbeat
from modules.ops.tasks import ops_worker_heartbeat
from tests.factories import WorkerHeartbeatFactory

pytestmark = pytest.mark.django_db


def test_liveness(anon):
    response = anon.get("/health/")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_not_ready_without_a_worker(anon):
    response = anon.get("/health/ready/")
    assert response.status == 503
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["worker"]["ok"] is False
    assert body["detail"].startswith("worker:")


def test_ready_with_a_recent_heartbeat(anon):
    WorkerHeartbeatFactory()
    response = anon.get("/health/ready/")
    assert response.status == 200
    assert response.json()["status"] == "ready"


def test_stale_heartbeat_is_not_ready(anon, settings):
    WorkerHeartbeatFactory(beat_at=timezone.now() - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 5))
    response = anon.get("/health/ready/")
    assert response.status == 503
    assert "last heartbeat" in response.json()["checks"]["worker"]["detail"]


def test_heartbeat_actor_records_and_counts_beats():
    ops_worker_heartbeat.fn()
    ops_worker_heartbeat.fn()
    beat = WorkerHeartbeat.objects.get()
    assert beat.beats == 2


def test_unapplied_migrations_are_reported(monkeypatch):
    monkeypatch.setattr(selectors, "_migrations_applied", False)

    class PendingExecutor:
        def __init__(self, connection):
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": lambda self: []})()})()

        def migration_plan(self, targets):
            return [("social", "0099_future")]

    monkeypatch.setattr(selectors, "MigrationExecutor", PendingExecutor)
    check = selectors.check_migrations()
    assert not check.ok and "1 migration" in check.detail


def test_status_command_reports_down_components(capsys):
    with pytest.raises(CommandError, match="down"):
        call_command("status", "--port", "1")  # nothing listens on port 1
    output = capsys.readouterr()
    assert "DOWN api" in output.out
    assert "up   database" in output.out
