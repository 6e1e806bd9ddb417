"""social's HTTP surface for other modules' `api.py`, `schemas.py` and `events.py`: how a person is shown.

Every user card in the API (post authors, message senders, thread members, likers, search results) is one of
these schemas, so one change here reaches every endpoint and realtime event alike.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from modules.core.http import CursorPageOut
from modules.media.http import schema_media_url

ACCOUNT_KEY_TEXT = "Public, stable key of the user's account (`acct_` + 26 characters): the coin receiver id."


def _value(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


class FollowFlagsOut(Schema):
    following: bool = Field(description="You follow this user (the same as `is_following`).")


class UserCardOut(Schema):
    """A user as lists, authors, senders and thread members show them."""

    # Reads a `UserCard` (or anything with its fields).

    id: int
    handle: str
    name: str
    photo: str | None = None
    is_following: bool
    flags: FollowFlagsOut = Field(description="`following` as the mobile app reads it (`flags.following`).")
    account_key: str = Field(description=ACCOUNT_KEY_TEXT)

    @staticmethod
    def resolve_photo(obj, context) -> str | None:
        return schema_media_url(obj, context)

    @staticmethod
    def resolve_flags(obj) -> dict:
        return {"following": bool(_value(obj, "is_following"))}


class UserPageOut(CursorPageOut):
    results: list[UserCardOut]


class PersonOut(UserCardOut):
    """A user in the people directory and people search: the card with bio and follower counts."""

    # Reads a `Person`.

    account_key: str = Field(description=ACCOUNT_KEY_TEXT)
    username: str = Field(description="The same as `handle` (the mobile app reads either).")
    bio: str
    followers_count: int
    following_count: int

    @staticmethod
    def resolve_username(obj) -> str:
        return _value(obj, "handle")
