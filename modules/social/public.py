"""Public interface of the social graph: follows, blocks, mutes and counters, and people as cards.

How a person is shown over HTTP (`UserCardOut`, `PersonOut`, `UserPageOut`) is in `modules.social.http`.
Mutes and blocks reach notifications through the checks registered in `SocialConfig.ready`.
"""

from modules.social.contracts import UserCard
from modules.social.selectors import (
    blocked_either_way_ids,
    counts_get,
    followers_among,
    following_among,
    graph_totals,
    is_blocked_either_way,
    is_following,
    people,
    user_cards,
    viewer_graph,
)
from modules.social.services import follow_create, user_posts_count_add

__all__ = [
    "UserCard",
    "blocked_either_way_ids",
    "counts_get",
    "follow_create",
    "followers_among",
    "following_among",
    "graph_totals",
    "is_blocked_either_way",
    "is_following",
    "people",
    "user_cards",
    "user_posts_count_add",
    "viewer_graph",
]
