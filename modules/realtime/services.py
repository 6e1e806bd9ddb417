from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from modules.realtime.models import RealtimeEvent


def events_purge(*, now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.REALTIME_RETENTION_HOURS)
    deleted, _ = RealtimeEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
