"""Typed data of the notifications module (never ORM rows across module boundaries)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


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
