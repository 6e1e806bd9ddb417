from __future__ import annotations

import datetime as dt
import os
import socket

from django.db.models import F
from django.utils import timezone

from modules.ops.models import WorkerHeartbeat


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_heartbeat_record(*, worker: str | None = None, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    worker = worker or worker_identity()
    updated = WorkerHeartbeat.objects.filter(worker=worker).update(beat_at=now, beats=F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(worker=worker, defaults={"beat_at": now, "beats": 1})


def worker_heartbeats_prune(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    deleted, _ = WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - older_than).delete()
    return deleted
