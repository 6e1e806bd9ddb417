"""Realtime events of notifications, sent to the recipient's user topic (`user:<id>`)."""

from __future__ import annotations

from ninja import Field

from modules.notifications.schemas import NotificationOut
from modules.realtime.public import RealtimeEvent, realtime_event


@realtime_event("notification:new")
class NotificationNewEvent(RealtimeEvent):
    """A new notification, or a grouped one that gained an actor (same `id`: replace it)."""

    notification: NotificationOut


@realtime_event("notification:read")
class NotificationReadEvent(RealtimeEvent):
    """Notifications were marked read on another device."""

    ids: list[int] = Field(default_factory=list, description="These notifications (empty when `all`).")
    all: bool = Field(False, description="Every notification is read now.")
