from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from modules.accounts.http import AccountOut, AccountSettingsPatch, LocaleTag, PrivacyLevel
from modules.core.http import CursorPageOut, CursorParams, InputSchema
from modules.media.http import schema_media_url
from modules.social.http import ACCOUNT_KEY_TEXT, FollowFlagsOut, PersonOut, UserCardOut


class PeoplePageOut(CursorPageOut):
    results: list[PersonOut]


class UserOut(Schema):
    # Reads a `UserView` (a docstring would become the schema's description in the API document).
    id: int
    handle: str
    name: str
    bio: str
    photo: str | None = None
    locale: str = Field(description="BCP 47 tag, e.g. `en-US`.")
    privacy: PrivacyLevel
    created_at: dt.datetime
    account_key: str = Field(description=ACCOUNT_KEY_TEXT)
    followers_count: int
    following_count: int
    posts_count: int
    is_following: bool
    is_followed_by: bool
    is_requested: bool = Field(
        description="You asked to follow this private account and wait for its approval (`is_following` is false "
        "until then)."
    )
    has_requested_you: bool = Field(description="They asked to follow your private account and wait for your answer.")
    is_blocked: bool = Field(description="You blocked this user (only staff can see a user who blocked them).")
    is_muted: bool
    email: str | None = Field(description="Only for the owner and staff.")
    birth_date: dt.date | None = Field(description="Only for the owner and staff.")
    birth_time: dt.time | None = Field(description="Only for the owner and staff.")
    birth_place: str | None = Field(description="Only for the owner and staff.")
    flags: FollowFlagsOut

    @staticmethod
    def resolve_photo(obj, context) -> str | None:
        return schema_media_url(obj, context)

    @staticmethod
    def resolve_flags(obj) -> dict:
        return {"following": obj.is_following}


class UserFlagsOut(Schema):
    is_staff: bool
    profile_complete: bool = Field(description="The personal map is filled in (onboarding done).")


class UserMeOut(AccountOut):
    # Reads a `MeView`.
    birth_date: dt.date | None
    birth_time: dt.time | None
    birth_place: str | None = Field(description="Birth city and country as one line (from the personal map).")
    followers_count: int
    following_count: int
    posts_count: int
    is_following: bool = Field(description="Always false: you do not follow yourself.")
    flags: UserFlagsOut

    @staticmethod
    def resolve_is_following(obj) -> bool:
        return False

    @staticmethod
    def resolve_flags(obj) -> dict:
        return {"is_staff": obj.is_staff, "profile_complete": obj.profile_complete}


class UserMePatch(InputSchema):
    name: str | None = Field(None, max_length=120, description="`null` or empty clears it.")
    bio: str | None = Field(None, max_length=1000, description="`null` or empty clears it.")
    handle: str | None = Field(None, max_length=31)
    locale: LocaleTag | None = Field(
        None,
        description="Any BCP 47 tag (`en-US`, `ru-RU`, `ka-GE` …), stored as sent (normalised casing). When we serve "
        "its language it also becomes `settings.language`, the language we answer in.",
    )
    intention: str | None = Field(None, max_length=200, description="`null` or empty clears it.")
    birth_place: str | None = Field(
        None,
        max_length=250,
        description='Birth place as one line, "City, Country" (the personal map\'s `birth_place_city` and '
        "`birth_place_country`: the text after the last comma is the country). The line as /users/me/ shows it "
        "changes nothing; `null` or empty clears the place. A new place clears the birth coordinates and time zone.",
    )
    settings: AccountSettingsPatch | None = None

    @field_validator("handle", "locale", "settings", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("This field cannot be null: leave it out to keep it.")
        return value


class RecipientIdOut(Schema):
    account_key: str = Field(description=ACCOUNT_KEY_TEXT)


class FollowStateOut(Schema):
    is_following: bool
    is_requested: bool = Field(
        description="A follow request waits for the private account's approval (then `is_following` is false)."
    )
    followers_count: int


class FollowRequestOut(Schema):
    user: UserCardOut = Field(
        description="The requester (in your incoming requests) or the private account (in the requests you sent)."
    )
    created_at: dt.datetime


class FollowRequestPageOut(CursorPageOut):
    results: list[FollowRequestOut]


class FollowRequestDecisionOut(Schema):
    user_id: int = Field(description="The requester.")
    status: Literal["approved", "declined"]
    followers_count: int = Field(description="Your followers now.")


class BlockStateOut(Schema):
    is_blocked: bool


class MuteStateOut(Schema):
    is_muted: bool


class UserListParams(CursorParams):
    search: str | None = Field(None, max_length=100, description="Handle or name fragment.")
