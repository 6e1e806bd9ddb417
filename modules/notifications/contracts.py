"""Typed data of the notifications module (never ORM rows across module boundaries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from modules.accounts.public import UserSummary


@dataclass(frozen=True)
class TypePreference:
    in_app: bool
    push: bool


@dataclass(frozen=True)
class QuietHoursWindow:
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Preferences:
    types: dict[str, TypePreference]
    push_enabled: bool  # the account's master switch (accounts owns it)
    quiet_hours: QuietHoursWindow | None  # stored in the account settings
    time_zone: str  # IANA name the quiet hours are read in


@dataclass(frozen=True)
class DeviceData:
    id: int
    platform: str
    token_hint: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


@dataclass(frozen=True)
class DeviceRegistration:
    device: DeviceData
    created: bool


@dataclass(frozen=True)
class NotificationView:
    """A notification as its recipient sees it now: the actors still shown (active, not blocked either way with
    the recipient; names read when shown, so a renamed account shows its new name) and the rendered summary."""

    id: int
    type: str
    actors: list[UserSummary]  # the latest few, newest first
    actor_count: int
    summary: str
    text: str
    target_type: str  # "" without a target
    target_id: int | None
    data: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    read: bool
