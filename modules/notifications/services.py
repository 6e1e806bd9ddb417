"""Writes: recording notifications (grouped, race-safe), marking them read, preferences and push devices.

`notify()` (one recipient) and `notify_many()` (one thing, several recipients, in one pass) run inside the
producer's transaction (as a savepoint of it): the notification rows and their realtime events commit or roll back
with the change they announce; push delivery is enqueued only after the commit.

Grouping of likes: one unread notification per (recipient, "like", target), guaranteed by a partial unique
index. A like upserts into it with `INSERT … ON CONFLICT … DO UPDATE` (the no-op update locks the group row, so
concurrent likers queue on it), then adds the actor to the group (`NotificationActor`, unique per group); only a
new member moves the count and the recent-actor list, so unlike + like again changes nothing. Marking the group
read closes it; the next like opens a new one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from modules.accounts import public as accounts
from modules.accounts.public import UserSummary, account_update, user_summaries
from modules.core.public import Conflict, NotFound, ValidationFailed
from modules.notifications.contracts import DeviceRegistration, NotificationView, Preferences
from modules.notifications.events import NotificationNewEvent, NotificationReadEvent
from modules.notifications.hooks import silenced_recipients
from modules.notifications.models import (
    CONTENT_KINDS,
    DEDUPED_TYPES,
    GROUPED_TYPES,
    NOTIFICATION_TYPES,
    RECENT_ACTORS,
    SYSTEM_TYPES,
    Device,
    Notification,
    NotificationActor,
    NotificationPreferences,
)
from modules.notifications.providers import platform_support, token_valid
from modules.notifications.selectors import device_data, notification_views, preference_rows, preferences_get
from modules.notifications.text import excerpt
from modules.realtime.public import RealtimeEvent, publish, publish_many, user_topic

logger = logging.getLogger(__name__)

MAX_DEVICES_PER_USER = 10  # registering an 11th forgets the least recently seen
PURGE_BATCH = 5000
_TARGET_TYPE_CHARS = set("abcdefghijklmnopqrstuvwxyz_")

# --- recording ------------------------------------------------------------------------------------


def _check_arguments(type: str, actor_id: int | None, target_type: str | None, target_id: int | None) -> None:
    """Mistakes of the calling module, not of users: they raise instead of being skipped."""
    if type not in NOTIFICATION_TYPES:
        raise ValueError(f"unknown notification type {type!r}; known: {', '.join(NOTIFICATION_TYPES)}")
    if (target_type is None) != (target_id is None):
        raise ValueError("target_type and target_id come together")
    if target_type is not None and not (
        0 < len(target_type) <= 32 and target_type[0].isalpha() and set(target_type) <= _TARGET_TYPE_CHARS
    ):
        raise ValueError(f"target_type {target_type!r} must be a lower-case word such as 'post'")
    if type in GROUPED_TYPES and target_id is None:
        raise ValueError(f"{type!r} notifications are grouped by target: pass target_type and target_id")
    if type not in SYSTEM_TYPES and actor_id is None:
        raise ValueError(f"{type!r} notifications need the actor_id of who did it")


def _quoted_content(
    type: str, target_type: str | None, target_id: int | None, data: dict | None, text: str
) -> tuple[str, int] | None:
    """The content a notification's text quotes, so the quote can go when the content goes (`content_removed`).
    Likes and mentions quote their target; comments and replies the comment in `data["comment_id"]`; messages the
    message in `data["message_id"]`. System notices (rewards, security) quote no one's content. Quoting someone's
    text without saying whose is a mistake of the calling module: it raises."""
    data = data or {}
    content = None
    if type in ("like", "mention") and target_type in CONTENT_KINDS:
        content = (target_type, target_id)
    elif type in ("comment", "reply") and isinstance(data.get("comment_id"), int):
        content = ("comment", data["comment_id"])
    elif type == "message" and isinstance(data.get("message_id"), int):
        content = ("message", data["message_id"])
    if text.strip() and type not in SYSTEM_TYPES and content is None:
        raise ValueError(
            f"a {type!r} notification quoting text must say whose content it is (a post/comment target, "
            "data['comment_id'] or data['message_id']), so the quote can be removed with the content"
        )
    return content


def notify(
    *,
    recipient_id: int,
    type: str,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    text: str = "",
    data: dict | None = None,
) -> None:
    """Tell `recipient_id` that `actor_id` did something (see `public.notify`). Skips, silently: the actor's own
    action, actors the recipient muted or is blocked with either way, deactivated accounts, types the recipient
    turned off in the app, and repeats of an unread identical follow/mention or of a like already in the group."""
    notify_many(
        recipient_ids=[recipient_id],
        type=type,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        text=text,
        data=data,
    )


def notify_many(
    *,
    recipient_ids: Iterable[int],
    type: str,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    text: str = "",
    data: dict | None = None,
    accounts: dict[int, UserSummary] | None = None,
    publish: bool = True,
) -> list[tuple[list[str], RealtimeEvent]]:
    """`notify()` of one thing to several people (a message to the members of a group), in one pass whatever
    their number: one silence check, one read of the accounts, one of the preferences and push devices, one
    insert and one realtime publish. Each recipient gets what `notify()` would have given them (a like, grouped
    per recipient, is written one recipient at a time).

    `accounts`: `user_summaries()` of ids that include every recipient and the actor, when the caller read them in
    the same transaction (an id missing from it is a deactivated account): not read again. `publish=False`: the
    `notification:new` events are returned instead of published, for the caller to publish with its own in one
    statement (messaging: `message:new` and the notification together); they are returned only when the
    notifications were recorded."""
    _check_arguments(type, actor_id, target_type, target_id)
    content = _quoted_content(type, target_type, target_id, data, text)
    active, recipients, push = _audience(type, actor_id, recipient_ids, accounts)
    if not recipients:
        return []
    fields = {
        "type": type,
        "actor_id": actor_id,
        "target_type": target_type or "",
        "target_id": target_id,
        "text": excerpt(text),
        "data": data or {},
        "content_type": content[0] if content else "",
        "content_id": content[1] if content else None,
    }
    try:
        with transaction.atomic():
            if type in GROUPED_TYPES:
                rows = [row for r in recipients if (row := _join_group(recipient_id=r, **fields)) is not None]
            else:
                rows = _insert(recipients, fields, once=type in DEDUPED_TYPES)
            # The actor is known to be active and not silenced for any recipient: their card needs no query,
            # unless a group shows others too.
            known = {actor_id: active[actor_id]} if actor_id is not None else {}
            events = [
                ([user_topic(row.recipient_id)], NotificationNewEvent(notification=_view(row, known))) for row in rows
            ]
            if publish:
                publish_many(events)
            _push_after_commit(rows, push)
    except DatabaseError:
        # The producer's change (a like, a message) matters more than its notifications: the savepoint is rolled
        # back and the caller's transaction goes on.
        logger.exception("could not record a %s notification for user(s) %s", type, recipients)
        return []
    return [] if publish else events


def _audience(
    type: str, actor_id: int | None, recipient_ids: Iterable[int], accounts: dict[int, UserSummary] | None = None
) -> tuple[dict[int, UserSummary], list[int], set[int]]:
    """Who gets a notification of `type` from `actor_id`: (the active accounts among the recipients and the actor,
    the recipients in their order, those of them who take it as a push and have a device). Nobody when the actor
    is inactive. `accounts`: see `notify_many`."""
    recipients = list(dict.fromkeys(r for r in recipient_ids if r != actor_id))
    if actor_id is not None and recipients:
        silenced = silenced_recipients(actor_id=actor_id, recipient_ids=recipients)
        recipients = [r for r in recipients if r not in silenced]
    if not recipients:
        return {}, [], set()
    wanted = recipients if actor_id is None else [*recipients, actor_id]
    active = accounts if accounts is not None else user_summaries(user_ids=wanted)
    active = {user_id: active[user_id] for user_id in wanted if user_id in active}
    if actor_id is not None and actor_id not in active:
        return active, [], set()
    preferences = preference_rows(user_ids=[r for r in recipients if r in active], with_devices=settings.PUSH_ENABLED)
    recipients = [r for r in recipients if r in preferences and type not in preferences[r][1]]
    return active, recipients, {r for r in recipients if type not in preferences[r][2] and preferences[r][3]}


def _view(row: Notification, known: dict[int, UserSummary]) -> NotificationView:
    """The new notification as its recipient sees it (URLs from PUBLIC_BASE_URL: there is no request)."""
    cards = known if set(row.actor_ids) <= known.keys() else None
    return notification_views([row], viewer_id=row.recipient_id, actor_cards=cards)[0]


def _push_after_commit(rows: list[Notification], push: set[int]) -> None:
    """Enqueue a push of each notification after the commit, for recipients who take this type as a push and
    have a device (read with their preferences; the rest of the rules are checked when the push is sent)."""
    if not settings.PUSH_ENABLED:
        return
    for row in rows:
        if row.recipient_id in push:
            transaction.on_commit(partial(_enqueue_push, row.id), robust=True)


SIGN_IN_FAILURES_TEXT = (
    "Someone keeps failing to sign in to your account. Your devices can still sign in; if it was not you, "
    "keep a strong password."
)


def sign_in_failures_notify(sender=None, *, user_id: int, failures: int, **_: object) -> None:
    """Receiver of accounts' `sign_in_failures_alert`: a `security` notice to the account's owner."""
    notify(
        recipient_id=user_id,
        type="security",
        text=SIGN_IN_FAILURES_TEXT,
        data={"reason": "sign_in_failures", "failures": failures},
    )


def _enqueue_push(notification_id: int) -> None:
    from modules.notifications.tasks import notifications_push  # tasks import services

    notifications_push.send(notification_id)


_COLUMNS = (
    "recipient_id, type, actor_id, target_type, target_id, text, data, content_type, content_id, actor_ids, "
    "actor_count, created_at, updated_at"
)
# Typed: in INSERT … SELECT a bare parameter would be text, which a bigint column refuses.
_VALUES = (
    "%s::text, %s::bigint, %s::text, %s::bigint, %s::text, %s::jsonb, %s::text, %s::bigint, %s::bigint[], "
    "%s::integer, %s::timestamptz, %s::timestamptz"
)


def _values(fields: dict, now: dt.datetime) -> list:
    """The values of `_VALUES` (every column but the recipient)."""
    actor_id = fields["actor_id"]
    return [
        fields["type"],
        actor_id,
        fields["target_type"],
        fields["target_id"],
        fields["text"],
        Jsonb(fields["data"]),
        fields["content_type"],
        fields["content_id"],
        [actor_id] if actor_id else [],
        1 if actor_id else 0,
        now,
        now,
    ]


def _join_group(*, recipient_id: int, **fields) -> Notification | None:
    """Open the unread group for this target or join it. None when the actor is already in it."""
    table, members = Notification._meta.db_table, NotificationActor._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({_COLUMNS}) VALUES (%s::bigint, {_VALUES}) "  # noqa: S608
            "ON CONFLICT (recipient_id, type, target_type, target_id) WHERE read_at IS NULL AND type = 'like' "
            "DO UPDATE SET type = EXCLUDED.type "  # no change: takes the row lock and returns the row
            "RETURNING id, xmax = 0",
            [recipient_id, *_values(fields, now)],
        )
        notification_id, opened = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {members} (notification_id, actor_id, created_at) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING id",
            [notification_id, fields["actor_id"], now],
        )
        joined = cursor.fetchone() is not None
        if not opened:
            if not joined:
                return None
            cursor.execute(
                f"UPDATE {table} SET actor_id = %s, "  # noqa: S608
                f"actor_ids = (ARRAY[%s]::bigint[] || array_remove(actor_ids, %s))[1:{RECENT_ACTORS}], "
                "actor_count = actor_count + 1, updated_at = GREATEST(%s, created_at), "
                "text = CASE WHEN content_removed_at IS NULL THEN %s ELSE '' END, data = %s "
                "WHERE id = %s",
                [
                    fields["actor_id"],
                    fields["actor_id"],
                    fields["actor_id"],
                    now,
                    fields["text"],
                    Jsonb(fields["data"]),
                    notification_id,
                ],
            )
    return Notification.objects.get(id=notification_id)


# The predicate of the partial unique index `notification_unread_dedupe_unique`, written out for ON CONFLICT.
_DEDUPED_SQL = ", ".join(f"'{t}'" for t in DEDUPED_TYPES)
_ONCE = (
    "ON CONFLICT (recipient_id, type, actor_id, target_type, target_id) "
    f"WHERE actor_id IS NOT NULL AND read_at IS NULL AND type IN ({_DEDUPED_SQL}) DO NOTHING"
)


def _insert(recipient_ids: list[int], fields: dict, *, once: bool) -> list[Notification]:
    """One row per recipient, in one statement. `once`: not for a recipient who has the same unread notification
    (type, actor, target) already. Returns the rows written, in the recipients' order."""
    table = Notification._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({_COLUMNS}) SELECT u.recipient_id, {_VALUES} "  # noqa: S608
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(recipient_id, n) ORDER BY u.n "
            f"{_ONCE if once else ''} RETURNING recipient_id, id",
            [*_values(fields, now), recipient_ids],
        )
        ids = dict(cursor.fetchall())
    actor_id = fields["actor_id"]
    rows = [
        Notification(
            id=ids[recipient_id],
            recipient_id=recipient_id,
            **fields,
            actor_ids=[actor_id] if actor_id else [],
            actor_count=1 if actor_id else 0,
            created_at=now,
            updated_at=now,
        )
        for recipient_id in recipient_ids
        if recipient_id in ids
    ]
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias  # as stored: it was just written
    return rows


# --- removed content ------------------------------------------------------------------------------


def content_removed(*, kind: str, ids: Iterable[int]) -> int:
    """Posts, comments or messages are gone (deleted by their author, or removed by staff): notifications quoting
    them keep who did what, and lose every word of the content, in the API, the admin and pushes not sent yet.
    Call inside the transaction that removes the content. Returns how many notifications lost their quote."""
    if kind not in CONTENT_KINDS:
        raise ValueError(f"unknown content kind {kind!r}; known: {', '.join(CONTENT_KINDS)}")
    ids = sorted({int(content_id) for content_id in ids})
    if not ids:
        return 0
    return Notification.objects.filter(content_type=kind, content_id__in=ids, content_removed_at__isnull=True).update(
        text="", content_removed_at=timezone.now()
    )


# --- reading --------------------------------------------------------------------------------------


def notification_mark_read(*, user_id: int, notification_id: int) -> NotificationView:
    """Mark one of your notifications read (idempotent); someone else's is a 404. Returns it as you see it."""
    with transaction.atomic():
        changed = Notification.objects.filter(id=notification_id, recipient_id=user_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        notification = Notification.objects.filter(id=notification_id, recipient_id=user_id).first()
        if notification is None:
            raise NotFound("Notification not found.")
        if changed:
            publish([user_topic(user_id)], NotificationReadEvent(ids=[notification_id]))
    return notification_views([notification], viewer_id=user_id)[0]


def notifications_mark_all_read(*, user_id: int) -> int:
    with transaction.atomic():
        marked = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).update(read_at=timezone.now())
        if marked:
            publish([user_topic(user_id)], NotificationReadEvent(all=True))
    return marked


def notifications_purge(*, now: dt.datetime | None = None) -> int:
    """Delete read notifications last updated more than NOTIFICATIONS_RETENTION_DAYS ago, in batches."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            Notification.objects.filter(read_at__isnull=False, updated_at__lt=cutoff).values_list("id", flat=True)[
                :PURGE_BATCH
            ]
        )
        if not ids:
            return deleted
        deleted += Notification.objects.filter(id__in=ids).delete()[1].get(Notification._meta.label, 0)


# --- preferences ----------------------------------------------------------------------------------


def preferences_update(*, user_id: int, changes: dict) -> Preferences:
    """Apply a partial change. Quiet hours and the push master switch are account settings (one source of
    truth, changed through accounts); the per-type switches and the time zone live here."""
    quiet = changes.get("quiet_hours")
    if quiet is not None and quiet["start"] == quiet["end"]:
        raise ValidationFailed.for_field(
            "quiet_hours", "Quiet hours need different start and end times.", code="empty_quiet_hours"
        )
    with transaction.atomic():
        account_changes = {}
        if "quiet_hours" in changes:
            account_changes["quiet_hours"] = {"start": quiet["start"], "end": quiet["end"]} if quiet else None
        if changes.get("push_enabled") is not None:
            account_changes["push_enabled"] = changes["push_enabled"]
        if account_changes:
            account_update(user_id=user_id, settings_changes=account_changes)
        types = {name: change for name, change in (changes.get("types") or {}).items() if change}
        if types or changes.get("time_zone"):
            NotificationPreferences.objects.bulk_create(
                [NotificationPreferences(user_id=user_id)], ignore_conflicts=True
            )
            row = NotificationPreferences.objects.select_for_update().get(user_id=user_id)
            in_app_off, push_off = set(row.in_app_off), set(row.push_off)
            for name, change in types.items():
                for key, off in (("in_app", in_app_off), ("push", push_off)):
                    if change.get(key) is True:
                        off.discard(name)
                    elif change.get(key) is False:
                        off.add(name)
            row.in_app_off = [t for t in NOTIFICATION_TYPES if t in in_app_off]
            row.push_off = [t for t in NOTIFICATION_TYPES if t in push_off]
            if changes.get("time_zone"):
                row.time_zone = changes["time_zone"]
            row.save()
    return preferences_get(user_id=user_id)


# --- devices --------------------------------------------------------------------------------------


def device_register(*, user_id: int, platform: str, token: str, session_id=None) -> DeviceRegistration:
    """Register a push token (idempotent per token). A token is one device and belongs to one account.

    A token registered by another account moves to the caller only when that account's sign-in session on the
    device has ended (it signed out, was revoked or deactivated): the shared phone whose previous user signed out.
    While that session is open the token stays where it is and the caller gets 409 `device_token_in_use`: knowing
    someone's push token must not be enough to take their notifications away or to push ours to their phone.
    """
    token = token.strip()
    support = platform_support(platform)
    if not support.accepted:
        raise ValidationFailed.for_field("platform", support.reason, code=support.code)
    if not token_valid(platform, token):
        raise ValidationFailed.for_field("token", f"This is not a valid {platform} push token.", code="invalid_token")
    table = Device._meta.db_table
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # Registrations of one token queue here, so the check below and the upsert see the same holder.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", ["device:" + token])
        holder = Device.objects.filter(token=token).exclude(user_id=user_id).values("user_id", "session_id").first()
        held = holder is not None and holder["session_id"] is not None
        if held and accounts.open_session_ids(session_ids=[holder["session_id"]]):
            raise Conflict(
                "This push token is registered by another account that is still signed in on that device.",
                code="device_token_in_use",
            )
        cursor.execute(
            f"INSERT INTO {table} (user_id, platform, token, session_id, created_at, last_seen_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (token) DO UPDATE SET platform = EXCLUDED.platform, session_id = EXCLUDED.session_id, "
            "last_seen_at = EXCLUDED.last_seen_at, "
            f"created_at = CASE WHEN {table}.user_id = EXCLUDED.user_id THEN {table}.created_at "
            "ELSE EXCLUDED.created_at END, user_id = EXCLUDED.user_id "
            "RETURNING id, created_at = %s",
            [user_id, platform, token, session_id, now, now, now],
        )
        device_id, created = cursor.fetchone()
        stale = Device.objects.filter(user_id=user_id).order_by("-last_seen_at", "-id").values_list("id", flat=True)
        Device.objects.filter(id__in=list(stale[MAX_DEVICES_PER_USER:])).delete()
    return DeviceRegistration(device=device_data(Device.objects.get(id=device_id)), created=created)


def device_delete(*, user_id: int, device_id: int) -> None:
    deleted, _ = Device.objects.filter(id=device_id, user_id=user_id).delete()
    if not deleted:
        raise NotFound("Device not found.")


def devices_prune(*, device_ids: list[int]) -> int:
    return Device.objects.filter(id__in=device_ids).delete()[1].get(Device._meta.label, 0) if device_ids else 0
