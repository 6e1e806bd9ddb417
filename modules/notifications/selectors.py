"""Reads: a user's notifications and devices, preferences, and the quiet-hours rule."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from modules.accounts.public import account_get
from modules.core.public import NotFound, Page, paginate_queryset
from modules.notifications.contracts import DeviceData, Preferences, QuietHoursWindow, TypePreference
from modules.notifications.models import NOTIFICATION_TYPES, Device, Notification, NotificationPreferences
from modules.notifications.providers import mask_token

DEFAULT_TIME_ZONE = "UTC"


def preference_row(*, user_id: int) -> tuple[str, set[str], set[str]]:
    """(time zone, types off in the app, types off as push) — one primary-key lookup, defaults without a row."""
    row = NotificationPreferences.objects.filter(user_id=user_id).values_list("time_zone", "in_app_off", "push_off")
    found = row.first()
    if found is None:
        return DEFAULT_TIME_ZONE, set(), set()
    return found[0], set(found[1]), set(found[2])


def preferences_get(*, user_id: int) -> Preferences:
    account = account_get(user_id=user_id)
    time_zone, in_app_off, push_off = preference_row(user_id=user_id)
    quiet = account.settings.quiet_hours
    return Preferences(
        types={t: TypePreference(in_app=t not in in_app_off, push=t not in push_off) for t in NOTIFICATION_TYPES},
        push_enabled=account.settings.push_enabled,
        quiet_hours=QuietHoursWindow(start=quiet.start, end=quiet.end) if quiet else None,
        time_zone=time_zone,
    )


def in_quiet_hours(quiet, time_zone: str, now: dt.datetime) -> bool:
    """Whether `now` falls in the daily window [start, end) on the wall clock of `time_zone`. A window whose
    start is later than its end wraps midnight (22:00–07:00). Equal start and end means no window."""
    if quiet is None or quiet.start == quiet.end:
        return False
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    local = now.astimezone(zone).time().replace(tzinfo=None)
    start, end = quiet.start.replace(tzinfo=None), quiet.end.replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def notifications_page(*, user_id: int, unread: bool | None, cursor: str | None, limit: int) -> Page[Notification]:
    """The user's notifications, most recently updated first (a group moves up when someone joins it)."""
    queryset = Notification.objects.filter(recipient_id=user_id)
    if unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    return paginate_queryset(queryset, ordering=("-updated_at", "-id"), cursor=cursor, limit=limit)


def notification_get(*, user_id: int, notification_id: int) -> Notification:
    notification = Notification.objects.filter(id=notification_id, recipient_id=user_id).first()
    if notification is None:
        raise NotFound("Notification not found.")
    return notification


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def device_data(device: Device) -> DeviceData:
    return DeviceData(
        id=device.id,
        platform=device.platform,
        token_hint=mask_token(device.token),
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
    )


def devices_page(*, user_id: int, cursor: str | None, limit: int) -> Page[DeviceData]:
    page = paginate_queryset(Device.objects.filter(user_id=user_id), ordering=("-id",), cursor=cursor, limit=limit)
    return Page(results=[device_data(device) for device in page.results], next=page.next)
