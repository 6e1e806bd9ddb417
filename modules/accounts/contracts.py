"""Typed data the accounts module hands to other modules (never ORM rows)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: set as `request.auth` by the bearer authentication."""

    user_id: int
    session_id: uuid.UUID
    is_staff: bool
    expires_at: dt.datetime | None = None  # when the access token stops being valid


@dataclass(frozen=True)
class UserSummary:
    id: int
    handle: str
    name: str
    photo_path: str
    is_active: bool
    account_key: str
    bio: str


@dataclass(frozen=True)
class QuietHours:
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class AccountSettings:
    privacy: str
    dm_policy: str
    language: str
    quiet_hours: QuietHours | None
    push_enabled: bool
    email_enabled: bool
    digest_enabled: bool


@dataclass(frozen=True)
class Account:
    """The full account as its owner (or staff) may see it."""

    id: int
    email: str
    handle: str
    name: str
    bio: str
    photo_path: str
    locale: str
    intention: str
    is_staff: bool
    created_at: dt.datetime
    settings: AccountSettings
    account_key: str


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    session_id: uuid.UUID


@dataclass(frozen=True)
class AuthResult:
    tokens: TokenPair
    account: Account


@dataclass(frozen=True)
class SessionsEnded:
    """Sign-in sessions of one user that just ended (in the current transaction), and why
    (a `SessionEndReason`: logout, password_changed, reuse_detected, admin)."""

    user_id: int
    session_ids: tuple[uuid.UUID, ...]
    reason: str


@dataclass(frozen=True)
class SessionInfo:
    """An open sign-in session as its owner sees it in the list of their devices."""

    id: uuid.UUID
    created_at: dt.datetime
    last_used_at: dt.datetime
    user_agent: str
    ip_address: str | None
    current: bool  # the session of the request that asks
