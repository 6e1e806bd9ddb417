from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from modules.accounts.public import AccountOut, AccountSettingsPatch, LanguageCode, PrivacyLevel
from modules.core.public import CursorPageOut, CursorParams, InputSchema
from modules.media.public import schema_media_url


class UserCardOut(Schema):
    id: int
    handle: str
    name: str
    photo: str | None = None
    is_following: bool

    @staticmethod
    def resolve_photo(obj, context) -> str | None:
        return schema_media_url(obj, context)


class UserPageOut(CursorPageOut):
    results: list[UserCardOut]


class UserOut(Schema):
    id: int
    handle: str
    name: str
    bio: str
    photo: str | None = None
    locale: LanguageCode
    privacy: PrivacyLevel
    created_at: dt.datetime
    followers_count: int
    following_count: int
    posts_count: int
    is_following: bool
    is_followed_by: bool
    is_blocked: bool = Field(description="You blocked this user (only staff can see a user who blocked them).")
    is_muted: bool
    email: str | None = Field(description="Only for the owner and staff.")
    birth_date: dt.date | None = Field(description="Only for the owner and staff.")
    birth_time: dt.time | None = Field(description="Only for the owner and staff.")
    birth_place: str | None = Field(description="Only for the owner and staff.")

    @staticmethod
    def resolve_photo(obj, context) -> str | None:
        return schema_media_url(obj, context)


class UserFlagsOut(Schema):
    is_staff: bool
    profile_complete: bool = Field(description="The personal map is filled in (onboarding done).")


class UserMeOut(AccountOut):
    birth_date: dt.date | None
    birth_time: dt.time | None
    birth_place: str | None
    followers_count: int
    following_count: int
    posts_count: int
    is_following: bool = Field(description="Always false: you do not follow yourself.")
    flags: UserFlagsOut


class UserMePatch(InputSchema):
    name: str | None = Field(None, max_length=120)
    bio: str | None = Field(None, max_length=1000)
    handle: str | None = Field(None, max_length=31)
    locale: LanguageCode | None = None
    intention: str | None = Field(None, max_length=200)
    settings: AccountSettingsPatch | None = None


class FollowStateOut(Schema):
    is_following: bool
    followers_count: int


class BlockStateOut(Schema):
    is_blocked: bool


class MuteStateOut(Schema):
    is_muted: bool


class UserListParams(CursorParams):
    search: str | None = Field(None, max_length=100, description="Handle or name fragment.")
