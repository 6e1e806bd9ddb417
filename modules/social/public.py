"""Public interface of the social graph."""

from modules.social.contracts import FollowState, Person, Relationship, UserCard, UserCounts
from modules.social.schemas import FollowFlagsOut, PeoplePageOut, PersonOut, UserCardOut, UserPageOut
from modules.social.selectors import (
    blocked_either_way_ids,
    counts_get,
    followee_ids,
    followers_among,
    following_among,
    graph_totals,
    is_blocked_either_way,
    is_following,
    is_silenced,
    muted_ids,
    people,
    relationship,
    user_cards,
)
from modules.social.services import follow_create, follow_delete, user_posts_count_add

__all__ = [
    "FollowFlagsOut",
    "FollowState",
    "PeoplePageOut",
    "Person",
    "PersonOut",
    "Relationship",
    "UserCard",
    "UserCardOut",
    "UserCounts",
    "UserPageOut",
    "blocked_either_way_ids",
    "counts_get",
    "follow_create",
    "follow_delete",
    "followee_ids",
    "followers_among",
    "following_among",
    "graph_totals",
    "is_blocked_either_way",
    "is_following",
    "is_silenced",
    "muted_ids",
    "people",
    "relationship",
    "user_cards",
    "user_posts_count_add",
]
