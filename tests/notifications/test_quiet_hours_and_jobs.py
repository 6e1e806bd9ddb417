"""The quiet-hours rule, the retention job and the periodic-job registry."""

import datetime as dt

import pytest
from django.utils import timezone

from modules.core.public import periodic_jobs
from modules.notifications.contracts import QuietHoursWindow
from modules.notifications.models import Notification
from modules.notifications.selectors import in_quiet_hours
from modules.notifications.services import notifications_purge
from modules.notifications.tasks import notifications_purge_read
from tests.notifications.factories import NotificationFactory

NIGHT = QuietHoursWindow(start=dt.time(22, 0), end=dt.time(7, 0))
LUNCH = QuietHoursWindow(start=dt.time(12, 0), end=dt.time(13, 30))


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("window", "zone", "now", "quiet"),
    [
        (NIGHT, "UTC", "2025-03-01T21:59:59", False),
        (NIGHT, "UTC", "2025-03-01T22:00:00", True),
        (NIGHT, "UTC", "2025-03-01T23:59:59", True),
        (NIGHT, "UTC", "2025-03-02T00:00:00", True),
        (NIGHT, "UTC", "2025-03-02T06:59:59", True),
        (NIGHT, "UTC", "2025-03-02T07:00:00", False),
        (NIGHT, "Asia/Tbilisi", "2025-03-01T18:30:00", True),  # 22:30 local
        (NIGHT, "Asia/Tbilisi", "2025-03-01T22:30:00", True),  # 02:30 local
        (NIGHT, "Asia/Tbilisi", "2025-03-01T03:30:00", False),  # 07:30 local
        (NIGHT, "America/Los_Angeles", "2025-03-01T06:30:00", True),  # 22:30 the evening before (UTC-8)
        (NIGHT, "America/Los_Angeles", "2025-07-01T05:30:00", True),  # 22:30 in summer time (UTC-7)
        (NIGHT, "America/Los_Angeles", "2025-07-01T04:30:00", False),  # 21:30 in summer time
        (LUNCH, "Europe/Berlin", "2025-01-15T11:15:00", True),  # 12:15 local, a window that does not wrap
        (LUNCH, "Europe/Berlin", "2025-01-15T12:30:00", False),  # 13:30 local: the end is excluded
        (LUNCH, "Europe/Berlin", "2025-01-15T10:59:00", False),
        (QuietHoursWindow(dt.time(9, 0), dt.time(9, 0)), "UTC", "2025-01-15T09:00:00", False),  # empty window
        (None, "UTC", "2025-01-15T09:00:00", False),
        (NIGHT, "Not/AZone", "2025-03-01T23:00:00", True),  # an unknown zone falls back to UTC
    ],
)
def test_in_quiet_hours(window, zone, now, quiet):
    assert in_quiet_hours(window, zone, utc(now)) is quiet


@pytest.mark.django_db
def test_read_notifications_past_retention_are_purged(settings):
    settings.NOTIFICATIONS_RETENTION_DAYS = 30
    now = timezone.now()
    old = now - dt.timedelta(days=31)
    read_old = NotificationFactory(created_at=old, updated_at=old, read_at=now)
    unread_old = NotificationFactory(created_at=old, updated_at=old)
    read_recent = NotificationFactory(read_at=now)
    assert notifications_purge(now=now) == 1
    assert set(Notification.objects.values_list("id", flat=True)) == {unread_old.id, read_recent.id}
    assert not Notification.objects.filter(id=read_old.id).exists()
    notifications_purge_read()  # the job runs the same purge (nothing left to delete)
    assert Notification.objects.count() == 2


def test_periodic_jobs_are_registered():
    jobs = {job.name: job for job in periodic_jobs()}
    assert jobs["notifications_purge_read"].cron == "41 3 * * *"
    assert jobs["notifications_push_receipts"].cron == "*/15 * * * *"
