from __future__ import annotations

import datetime as dt
import os
import socket

from django.db import connection
from django.utils import timezone

from modules.ops.models import WorkerHeartbeat


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_heartbeat_record(*, worker: str | None = None, now: dt.datetime | None = None) -> None:
    """One upsert: two threads of a new worker beating at once both count (an UPDATE, then a get_or_create, lost
    one of them). A redelivered heartbeat message just counts one more beat."""
    now = now or timezone.now()
    worker = worker or worker_identity()
    table = WorkerHeartbeat._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (worker, beat_at, beats) VALUES (%s, %s, 1) "  # noqa: S608 - own table
            f"ON CONFLICT (worker) DO UPDATE SET beat_at = GREATEST({table}.beat_at, EXCLUDED.beat_at), "
            f"beats = {table}.beats + 1",
            [worker, now],
        )


def worker_heartbeats_prune(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    deleted, _ = WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - older_than).delete()
    return deleted
