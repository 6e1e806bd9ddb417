from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from modules.accounts.public import AccountSettings


@dataclass(frozen=True)
class Relationship:
    """How the viewer relates to another user."""

    is_following: bool
    is_followed_by: bool
    is_blocked: bool
    has_blocked_you: bool
    is_muted: bool
    is_requested: bool = False  # the viewer asked to follow this private account and waits
    has_requested_you: bool = False  # they asked to follow the viewer's private account

    @property
    def blocked_either_way(self) -> bool:
        return self.is_blocked or self.has_blocked_you


@dataclass(frozen=True)
class UserCounts:
    followers_count: int
    following_count: int
    posts_count: int


@dataclass(frozen=True)
class FollowState:
    is_following: bool
    followers_count: int
    is_requested: bool = False  # a follow request waits for the private account's approval


@dataclass(frozen=True)
class FollowRequestDecision:
    user_id: int  # the requester
    status: str  # "approved" | "declined"
    followers_count: int  # the owner's, after the decision


@dataclass(frozen=True)
class UserCard:
    id: int
    handle: str
    name: str
    photo_path: str
    is_following: bool
    account_key: str


@dataclass(frozen=True)
class Person:
    """A user in a list of people (the directory, people search): the card, bio and follower counts."""

    id: int
    handle: str
    name: str
    photo_path: str
    is_following: bool
    account_key: str
    bio: str
    followers_count: int
    following_count: int


@dataclass(frozen=True)
class UserView:
    """Another user's profile as the viewer may see it: the account, its counters and how the viewer relates to
    it (`Relationship`'s flags, from the viewer's side). Private fields are None unless the viewer is the owner
    or staff."""

    id: int
    handle: str
    name: str
    bio: str
    photo_path: str
    locale: str
    privacy: str
    created_at: dt.datetime
    account_key: str
    followers_count: int
    following_count: int
    posts_count: int
    is_following: bool
    is_followed_by: bool
    is_requested: bool
    has_requested_you: bool
    is_blocked: bool
    is_muted: bool
    email: str | None
    birth_date: dt.date | None
    birth_time: dt.time | None
    birth_place: str | None


@dataclass(frozen=True)
class MeView:
    """The signed-in person's own account (all of it), birth data from the personal map, and counters."""

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
    birth_date: dt.date | None
    birth_time: dt.time | None
    birth_place: str | None
    followers_count: int
    following_count: int
    posts_count: int
    profile_complete: bool  # the personal map is filled in (onboarding done)


@dataclass(frozen=True)
class FollowRequestEntry:
    """A pending follow request in a list: the other person (the requester in your incoming list, the account
    in your sent list) and when it was made."""

    user: UserCard
    created_at: dt.datetime


@dataclass(frozen=True)
class ViewerGraph:
    """Whom one user follows, is blocked with (either way) and muted: what their reads of posts filter by."""

    followees: frozenset[int]
    blocked: frozenset[int]
    muted: frozenset[int]
