"""Reads: a user's notifications (as typed views) and devices, preferences, and the quiet-hours rule."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection, Mapping, Sequence

from django.db import connection

from modules.accounts.public import UserSummary, account_get, user_summaries
from modules.core.public import Page, paginate_queryset
from modules.notifications.contracts import (
    DeviceData,
    NotificationView,
    Preferences,
    QuietHoursWindow,
    TypePreference,
)
from modules.notifications.hooks import blocked_either_way_ids
from modules.notifications.models import NOTIFICATION_TYPES, Device, Notification, NotificationPreferences
from modules.notifications.providers import mask_token
from modules.notifications.text import summary

DEFAULT_TIME_ZONE = "UTC"

# (time zone, types off in the app, types off as push, has a push device: None when not asked)
PreferenceRow = tuple[str, set[str], set[str], bool | None]

# Every user asked for, with their preferences row if they have one, and whether they have a device: the LEFT
# JOIN gives the defaults to users without a row, and devices come in the same statement (a notification reads
# both for its recipients).
_PREFERENCES_SQL = """
    SELECT u.id, p.time_zone, p.in_app_off, p.push_off, {devices}
    FROM unnest(%s::bigint[]) AS u(id) LEFT JOIN {preferences} p ON p.user_id = u.id
"""


def preference_rows(*, user_ids: Collection[int], with_devices: bool = False) -> dict[int, PreferenceRow]:
    """Each user's preferences (the defaults for users without a row) and, `with_devices`, whether they have a
    push device; one statement."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    devices = (
        f"EXISTS (SELECT FROM {Device._meta.db_table} d WHERE d.user_id = u.id)" if with_devices else "NULL::boolean"
    )
    sql = _PREFERENCES_SQL.format(devices=devices, preferences=NotificationPreferences._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [wanted])
        rows = cursor.fetchall()
    return {
        user_id: (time_zone or DEFAULT_TIME_ZONE, set(in_app or ()), set(push or ()), has_device)
        for user_id, time_zone, in_app, push, has_device in rows
    }


def preference_row(*, user_id: int) -> PreferenceRow:
    """(time zone, types off in the app, types off as push, None) — one primary-key lookup, defaults without a
    row."""
    return preference_rows(user_ids=[user_id])[user_id]


def preferences_get(*, user_id: int) -> Preferences:
    account = account_get(user_id=user_id)
    time_zone, in_app_off, push_off, _ = preference_row(user_id=user_id)
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


def _display_name(actor: UserSummary) -> str:
    return actor.name.strip() or f"@{actor.handle}"


def notification_views(
    rows: Sequence[Notification], *, viewer_id: int, actor_cards: Mapping[int, UserSummary] | None = None
) -> list[NotificationView]:
    """The rows as `viewer_id` (their recipient) sees them. `actor_cards`: the actors' summaries by id, when the
    caller already read them and knows none of them is blocked with the viewer (then no query is made)."""
    actor_ids = {actor_id for row in rows for actor_id in row.actor_ids}
    if actor_cards is not None:
        cards = actor_cards
    elif actor_ids:
        cards = user_summaries(user_ids=actor_ids - blocked_either_way_ids(user_id=viewer_id))
    else:
        cards = {}
    views = []
    for row in rows:
        actors = [cards[actor_id] for actor_id in row.actor_ids if actor_id in cards]
        views.append(
            NotificationView(
                id=row.id,
                type=row.type,
                actors=actors,
                actor_count=row.actor_count,
                summary=summary(
                    type=row.type,
                    names=[_display_name(actor) for actor in actors],
                    actor_count=row.actor_count,
                    target_type=row.target_type,
                    text=row.text,
                ),
                text=row.text,
                target_type=row.target_type,
                target_id=row.target_id,
                data=row.data or {},
                created_at=row.created_at,
                updated_at=row.updated_at,
                read=row.read_at is not None,
            )
        )
    return views


def notifications_page(*, user_id: int, unread: bool | None, cursor: str | None, limit: int) -> Page[NotificationView]:
    """The user's notifications, most recently updated first (a group moves up when someone joins it)."""
    queryset = Notification.objects.filter(recipient_id=user_id)
    if unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    page = paginate_queryset(queryset, ordering=("-updated_at", "-id"), cursor=cursor, limit=limit)
    return Page(results=notification_views(page.results, viewer_id=user_id), next=page.next)


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
