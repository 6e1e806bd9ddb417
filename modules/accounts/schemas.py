from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator

from modules.core.public import InputSchema, LocalTime
from modules.media.public import schema_media_url

LanguageCode = Literal["en", "ru", "ka"]
PrivacyLevel = Literal["public", "private"]
DmPolicyValue = Literal["everyone", "followers", "nobody"]


class RegisterIn(InputSchema):
    email: str = Field(max_length=254, examples=["ana@example.com"])
    password: str = Field(min_length=1, max_length=128)
    name: str = Field("", max_length=120)
    handle: str | None = Field(None, max_length=31, description="Optional; generated from the name when absent.")
    username: str | None = Field(
        None, max_length=31, description="Another name for `handle` (the mobile app sends both, equal)."
    )
    intention: str = Field("", max_length=200)
    locale: LanguageCode = "en"

    @field_validator("username")
    @classmethod
    def _username_is_the_handle(cls, value: str | None, info: ValidationInfo) -> str | None:
        handle = info.data.get("handle")
        if value is not None and handle is not None and value != handle:
            raise ValueError("username is another name for handle: send the same value (or only one).")
        return value

    @property
    def chosen_handle(self) -> str | None:
        return self.handle or self.username


class LoginIn(InputSchema):
    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=128)


class RefreshIn(InputSchema):
    refresh: str = Field(min_length=1, max_length=200)


class PasswordChangeIn(InputSchema):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class QuietHoursSchema(Schema):
    start: LocalTime = Field(description="Local time when quiet hours begin; may be later than `end` (wraps midnight).")
    end: LocalTime


class QuietHoursIn(InputSchema):
    start: LocalTime = Field(description="Local time when quiet hours begin; may be later than `end` (wraps midnight).")
    end: LocalTime


class AccountSettingsOut(Schema):
    privacy: PrivacyLevel
    dm_policy: DmPolicyValue
    language: LanguageCode
    quiet_hours: QuietHoursSchema | None
    push_enabled: bool
    email_enabled: bool
    digest_enabled: bool


class AccountSettingsPatch(InputSchema):
    privacy: PrivacyLevel | None = None
    dm_policy: DmPolicyValue | None = None
    language: LanguageCode | None = None
    quiet_hours: QuietHoursIn | None = Field(None, description="Send null to turn quiet hours off.")
    push_enabled: bool | None = None
    email_enabled: bool | None = None
    digest_enabled: bool | None = None


class AccountOut(Schema):
    id: int
    email: str
    handle: str
    name: str
    bio: str
    photo: str | None = Field(None, description="Absolute URL of the avatar.")
    locale: LanguageCode
    intention: str
    is_staff: bool
    created_at: dt.datetime
    settings: AccountSettingsOut

    @staticmethod
    def resolve_photo(obj, context) -> str | None:
        return schema_media_url(obj, context)


class TokenPairOut(Schema):
    token: str = Field(description="Access token (JWT), valid for about 15 minutes.")
    refreshToken: str = Field(description="Single-use refresh token; each refresh returns a new one.")


class AuthOut(TokenPairOut):
    user: AccountOut


class PasswordChangedOut(Schema):
    sessions_ended: int = Field(description="How many other sessions were signed out.")


class SessionOut(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    last_used_at: dt.datetime
    user_agent: str
    ip_address: str | None
    current: bool
