from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from modules.accounts.http import QuietHoursIn, QuietHoursSchema
from modules.core.http import CursorPageOut, CursorParams, InputSchema
from modules.media.http import schema_media_url

NotificationTypeValue = Literal[
    "follow", "follow_request", "follow_accept", "like", "comment", "reply", "mention", "message", "reward", "security"
]
PlatformValue = Literal["expo", "fcm", "apns"]


@cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class ActorOut(Schema):
    id: int
    name: str
    handle: str
    photo: str | None = Field(description="Absolute URL of the avatar.")

    @staticmethod
    def resolve_photo(obj, context) -> str | None:
        # From the request's host in responses, from PUBLIC_BASE_URL in realtime payloads (no request).
        return schema_media_url(obj, context)


class TargetOut(Schema):
    type: str = Field(examples=["post"], description="post, comment, thread, reward_event, payout, …")
    id: int


class NotificationOut(Schema):
    # Reads a `NotificationView` (a docstring would become the schema's description in the API document).
    id: int
    type: NotificationTypeValue
    actors: list[ActorOut] = Field(description="The latest few people in the group, newest first.")
    actor_count: int = Field(description="How many different people in all (likes on one target are grouped).")
    summary: str = Field(examples=["Ana and 3 others liked your post"], description="Rendered by the server.")
    text: str = Field(description="Detail given by the event, e.g. a comment excerpt (already in `summary`).")
    target: TargetOut | None
    data: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime = Field(description="Last change (a new actor joining the group); the list's order.")
    read: bool

    @staticmethod
    def resolve_target(obj) -> dict | None:
        return {"type": obj.target_type, "id": obj.target_id} if obj.target_id is not None else None


class NotificationPageOut(CursorPageOut):
    results: list[NotificationOut]


class NotificationListParams(CursorParams):
    unread: bool | None = Field(None, description="true: only unread; false: only read; absent: all.")


class ReadAllOut(Schema):
    marked: int = Field(description="How many notifications were unread and are now read.")


class UnreadCountOut(Schema):
    count: int


class TypePreferenceOut(Schema):
    in_app: bool = Field(description="Off: events of this type are not recorded at all (no list entry, no push).")
    push: bool = Field(description="Off: listed in the app but never pushed to your devices.")


class TypePreferencesOut(Schema):
    follow: TypePreferenceOut
    follow_request: TypePreferenceOut
    follow_accept: TypePreferenceOut
    like: TypePreferenceOut
    comment: TypePreferenceOut
    reply: TypePreferenceOut
    mention: TypePreferenceOut
    message: TypePreferenceOut
    reward: TypePreferenceOut


class PreferencesOut(Schema):
    types: TypePreferencesOut
    push_enabled: bool = Field(description="Master switch of push for the account (an account setting).")
    quiet_hours: QuietHoursSchema | None = Field(
        description="No push in this daily window (an account setting); start later than end wraps midnight."
    )
    time_zone: str = Field(examples=["Asia/Tbilisi"], description="IANA zone the quiet hours are read in.")


class TypePreferencePatch(InputSchema):
    model_config = ConfigDict(extra="forbid")

    in_app: bool | None = None
    push: bool | None = None


class TypePreferencesPatch(InputSchema):
    model_config = ConfigDict(extra="forbid")

    follow: TypePreferencePatch | None = None
    follow_request: TypePreferencePatch | None = None
    follow_accept: TypePreferencePatch | None = None
    like: TypePreferencePatch | None = None
    comment: TypePreferencePatch | None = None
    reply: TypePreferencePatch | None = None
    mention: TypePreferencePatch | None = None
    message: TypePreferencePatch | None = None
    reward: TypePreferencePatch | None = None


class PreferencesPatch(InputSchema):
    """Send only what changes."""

    types: TypePreferencesPatch | None = None
    push_enabled: bool | None = None
    quiet_hours: QuietHoursIn | None = Field(None, description="Send null to turn quiet hours off.")
    time_zone: str | None = Field(None, max_length=64, description="IANA time zone, e.g. `Europe/Berlin`.")

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _known_time_zones():
            raise ValueError("Unknown time zone; use an IANA name such as Europe/Berlin.")
        return value


class DeviceIn(InputSchema):
    platform: PlatformValue = Field(
        description="`expo` always; `fcm` when the server has FCM credentials; `apns` never (422)."
    )
    token: str = Field(min_length=1, max_length=512, description="The push token as the platform SDK returned it.")


class DeviceOut(Schema):
    id: int
    platform: PlatformValue
    token_hint: str = Field(description="The token's last characters, to tell devices apart; never the token.")
    created_at: dt.datetime
    last_seen_at: dt.datetime = Field(description="Last registration of this token (apps register at start).")


class DevicePageOut(CursorPageOut):
    results: list[DeviceOut]
