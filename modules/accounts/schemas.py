from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ValidationInfo, field_validator

from modules.accounts.contracts import Account, AuthResult, TokenPair
from modules.accounts.locales import normalize_locale, served_language
from modules.core.http import InputSchema, LocalTime
from modules.media.http import schema_media_url

LanguageCode = Literal["en", "ru", "ka"]


def _language_of_tag(value: Any) -> Any:
    # `ka-GE` names Georgian as well as `ka` does; an unserved language is left for the Literal to refuse.
    return (served_language(value) or value) if isinstance(value, str) else value


# A language we answer in, given as its code or as any tag in it (`ru` or `ru-RU`).
LanguagePreference = Annotated[LanguageCode, BeforeValidator(_language_of_tag)]
# A person's locale: any well-formed BCP 47 tag, normalised (`en_us` → `en-US`). See accounts/locales.py.
LocaleTag = Annotated[
    str,
    Field(max_length=64, examples=["en-US", "ka-GE"], description="BCP 47 language tag, e.g. `en-US`."),
    AfterValidator(normalize_locale),
]
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
    locale: LocaleTag = "en"

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
    language: LanguagePreference | None = Field(
        None, description="The language we answer in: `en`, `ru` or `ka` (a tag such as `ka-GE` also works)."
    )
    quiet_hours: QuietHoursIn | None = Field(None, description="Send null to turn quiet hours off.")
    push_enabled: bool | None = None
    email_enabled: bool | None = None
    digest_enabled: bool | None = None

    @field_validator(
        "privacy", "dm_policy", "language", "push_enabled", "email_enabled", "digest_enabled", mode="before"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Only quiet hours can be switched off with null; these settings always have a value.
        if value is None:
            raise ValueError("This setting cannot be null: leave it out to keep it.")
        return value


class AccountOut(Schema):
    id: int
    email: str
    handle: str
    name: str
    bio: str
    photo: str | None = Field(None, description="Absolute URL of the avatar.")
    locale: str = Field(
        description="BCP 47 tag as the person's device reports it (`en-US`); the language we answer in is "
        "`settings.language`."
    )
    intention: str
    is_staff: bool
    created_at: dt.datetime
    settings: AccountSettingsOut
    account_key: str = Field(
        description="Public, stable key of this account (`acct_` + 26 characters), e.g. the coin receiver id."
    )

    @staticmethod
    def resolve_photo(obj, context) -> str | None:
        return schema_media_url(obj, context)


# Read from a `TokenPair`.
class TokenPairOut(Schema):
    token: str = Field(description="Access token (JWT), valid for about 15 minutes.")
    refreshToken: str = Field(description="Single-use refresh token; each refresh returns a new one.")

    @staticmethod
    def resolve_token(obj: TokenPair) -> str:
        return obj.access

    @staticmethod
    def resolve_refreshToken(obj: TokenPair) -> str:
        return obj.refresh


# Read from an `AuthResult`: its tokens, and its account as `user`.
class AuthOut(TokenPairOut):
    user: AccountOut

    @staticmethod
    def resolve_token(obj: AuthResult) -> str:
        return obj.tokens.access

    @staticmethod
    def resolve_refreshToken(obj: AuthResult) -> str:
        return obj.tokens.refresh

    @staticmethod
    def resolve_user(obj: AuthResult) -> Account:
        return obj.account


class PasswordChangedOut(Schema):
    sessions_ended: int = Field(description="How many other sessions were signed out.")


class SessionOut(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    last_used_at: dt.datetime
    user_agent: str
    ip_address: str | None
    current: bool
