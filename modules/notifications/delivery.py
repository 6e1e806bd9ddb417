"""Push delivery of one notification, run by the `notifications_push` actor after the notification committed.

The rules are checked when the push is sent (not when the event happened), with fresh data: the global
PUSH_ENABLED switch, the account's `push_enabled`, the per-type push switch, mutes and blocks, and quiet hours
in the recipient's time zone. A notification is pushed at most once — except a like group, which may push
again when new people joined it and the last push is older than GROUP_PUSH_INTERVAL — and the claim is a
conditional UPDATE, so duplicate or concurrent jobs never push twice. No transaction is held during HTTP.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from modules.accounts import public as accounts
from modules.notifications.hooks import silenced_recipients
from modules.notifications.models import GROUPED_TYPES, Device, Notification, PushTicket
from modules.notifications.providers import (
    ExpoProvider,
    PushMessage,
    deliverable_platforms,
    flatten_data,
    mask_token,
    provider_for,
)
from modules.notifications.selectors import in_quiet_hours, notification_views, preference_row, unread_count
from modules.notifications.services import devices_prune

logger = logging.getLogger(__name__)

PUSH_TITLE = "SelfLink"
GROUP_PUSH_INTERVAL = dt.timedelta(minutes=10)
RECEIPT_DELAY = dt.timedelta(minutes=15)  # Expo: receipts are ready within about 15 minutes…
TICKET_MAX_AGE = dt.timedelta(hours=24)  # …and kept for a day


@dataclass
class PushReport:
    skipped: str | None = None  # why nothing was sent
    sent: int = 0
    failed: int = 0
    pruned: int = 0
    errors: list[str] = field(default_factory=list)


def _skip_reason(notification: Notification, now: dt.datetime) -> str | None:
    if not settings.PUSH_ENABLED:
        return "push_disabled"
    if notification.read_at is not None:
        return "already_read"
    if notification.content_removed_at is not None:
        return "content_removed"  # what it was about is gone: no push about it either
    account = accounts.accounts_get(user_ids=[notification.recipient_id]).get(notification.recipient_id)
    if account is None:
        return "recipient_inactive"
    if not account.settings.push_enabled:
        return "account_push_off"
    time_zone, _, push_off, _ = preference_row(user_id=notification.recipient_id)
    if notification.type in push_off:
        return "type_push_off"
    actor_id = notification.actor_id
    if actor_id is not None and silenced_recipients(actor_id=actor_id, recipient_ids=[notification.recipient_id]):
        return "actor_hidden"
    if in_quiet_hours(account.settings.quiet_hours, time_zone, now):
        return "quiet_hours"
    return None


def _claim(notification: Notification, now: dt.datetime) -> bool:
    """Take the right to push this notification now (atomic: one job wins)."""
    allowed = Q(pushed_at__isnull=True)
    if notification.type in GROUPED_TYPES:
        # pushed before, but long enough ago, and people joined the group since
        allowed |= Q(pushed_at__lt=now - GROUP_PUSH_INTERVAL, updated_at__gt=F("pushed_at"))
    claimed = Notification.objects.filter(allowed, id=notification.id, read_at__isnull=True, content_removed_at=None)
    return bool(claimed.update(pushed_at=now))


def _devices_of_open_sessions(user_id: int) -> list[Device]:
    """The user's devices, minus those registered by a sign-in that has since ended (signed out, revoked,
    expired): a phone that signed out must not keep showing this account's notifications. Those are forgotten."""
    devices = list(Device.objects.filter(user_id=user_id, platform__in=deliverable_platforms()).order_by("id"))
    open_ids = accounts.open_session_ids(session_ids={d.session_id for d in devices if d.session_id is not None})
    ended = [d.id for d in devices if d.session_id is not None and d.session_id not in open_ids]
    if ended:
        devices_prune(device_ids=ended)
    return [d for d in devices if d.id not in ended]


def push_deliver(*, notification_id: int, now: dt.datetime | None = None) -> PushReport:
    now = now or timezone.now()
    notification = Notification.objects.filter(id=notification_id).first()
    if notification is None:
        return PushReport(skipped="gone")
    reason = _skip_reason(notification, now)
    if reason:
        return PushReport(skipped=reason)
    devices = _devices_of_open_sessions(notification.recipient_id)
    if not devices:
        return PushReport(skipped="no_devices")
    if not _claim(notification, now):
        return PushReport(skipped="already_pushed")
    notification.refresh_from_db()  # the text as it is now that the push is ours (its content may have gone)
    shown = notification_views([notification], viewer_id=notification.recipient_id)[0]
    data = flatten_data(
        {
            "notification_id": notification.id,
            "type": notification.type,
            "target_type": notification.target_type or None,
            "target_id": notification.target_id,
        }
    )
    badge = unread_count(user_id=notification.recipient_id)
    by_platform: dict[str, list[PushMessage]] = defaultdict(list)
    tokens = {device.id: device.token for device in devices}
    for device in devices:
        by_platform[device.platform].append(
            PushMessage(
                device_id=device.id, token=device.token, title=PUSH_TITLE, body=shown.summary, data=data, badge=badge
            )
        )
    report = PushReport()
    dead: list[int] = []
    tickets: list[PushTicket] = []
    for platform, messages in by_platform.items():
        try:
            provider = provider_for(platform)
            results = provider.send(messages) if provider else []
        except Exception as exc:  # e.g. an unreadable FCM key: every message of the platform failed
            results = []
            report.failed += len(messages)
            report.errors.append(f"{platform}: {exc}")
            logger.warning("push via %s failed for %d device(s): %s", platform, len(messages), exc)
        for result in results:
            if result.ok:
                report.sent += 1
                if result.ticket_id:
                    tickets.append(PushTicket(device_id=result.device_id, ticket_id=result.ticket_id, created_at=now))
                continue
            report.failed += 1
            report.errors.append(f"{platform}: {result.error}")
            if result.unregistered:
                dead.append(result.device_id)
            logger.warning(
                "push of notification %s to %s device %s failed: %s%s",
                notification.id,
                platform,
                mask_token(tokens[result.device_id]),
                result.error,
                " (device removed)" if result.unregistered else "",
            )
    report.pruned = devices_prune(device_ids=dead)
    PushTicket.objects.bulk_create(tickets, ignore_conflicts=True)
    return report


def push_receipts_check(*, now: dt.datetime | None = None) -> int:
    """Read Expo receipts of tickets old enough to have one; remove devices Expo reports as unregistered.
    Returns how many devices were removed."""
    now = now or timezone.now()
    PushTicket.objects.filter(created_at__lt=now - TICKET_MAX_AGE).delete()
    due = list(
        PushTicket.objects.filter(created_at__lte=now - RECEIPT_DELAY).select_related("device").order_by("id")[:10_000]
    )
    if not due:
        return 0
    receipts = ExpoProvider().check_receipts([ticket.ticket_id for ticket in due])
    dead = []
    for ticket in due:
        if ticket.ticket_id not in receipts:
            continue  # no receipt yet: look again next time (until TICKET_MAX_AGE)
        error = receipts[ticket.ticket_id]
        if error == "DeviceNotRegistered":
            dead.append(ticket.device_id)
        elif error:
            logger.warning("Expo receipt for device %s: %s", mask_token(ticket.device.token), error)
    PushTicket.objects.filter(ticket_id__in=list(receipts)).delete()
    return devices_prune(device_ids=dead)
