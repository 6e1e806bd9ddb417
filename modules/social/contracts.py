from __future__ import annotations

from dataclasses import dataclass


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
    """Another user's profile as the viewer may see it. Private fields are None unless the viewer is the
    owner or staff."""

    id: int
    handle: str
    name: str
    bio: str
    photo_path: str
    locale: str
    privacy: str
    created_at: object
    account_key: str
    counts: UserCounts
    relationship: Relationship
    email: str | None
    birth_date: object | None
    birth_time: object | None
    birth_place: str | None


@dataclass(frozen=True)
class FollowRequestEntry:
    """A pending follow request in a list: the other person (the requester in your incoming list, the account
    in your sent list) and when it was made."""

    user: UserCard
    created_at: object
