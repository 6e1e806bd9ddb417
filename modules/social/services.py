"""Writes to the social graph: follow, block, mute, and the counters that go with them.

Every write is idempotent (following someone twice is one follow) and safe under
concurrency: rows are inserted with `ON CONFLICT DO NOTHING RETURNING`, so only
the request that really created (or deleted) a row moves the counters, and
counter rows are always updated in user-id order so concurrent transactions
cannot deadlock on them.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from modules.accounts.public import account_update, active_user_exists
from modules.core.public import BadRequest, NotFound, PermissionDenied

# notifications reads mutes and blocks from social: bind the module, read its names at call time.
from modules.notifications import public as notifications
from modules.profiles.public import personal_birth_place_set
from modules.social.contracts import FollowState
from modules.social.models import Block, Follow, Mute, UserStats
from modules.social.selectors import counts_get, is_blocked_either_way


def _stats_add(deltas: dict[int, dict[str, int]]) -> None:
    """Add to the counters of several users (rows created as needed), locking rows in user-id order."""
    table = UserStats._meta.db_table
    with connection.cursor() as cursor:
        for user_id, delta in sorted(deltas.items()):
            followers, following, posts = (
                delta.get("followers", 0),
                delta.get("following", 0),
                delta.get("posts", 0),
            )
            cursor.execute(
                f"""
                INSERT INTO {table} AS s (user_id, followers_count, following_count, posts_count)
                VALUES (%s, GREATEST(%s, 0), GREATEST(%s, 0), GREATEST(%s, 0))
                ON CONFLICT (user_id) DO UPDATE SET
                    followers_count = GREATEST(s.followers_count + %s, 0),
                    following_count = GREATEST(s.following_count + %s, 0),
                    posts_count = GREATEST(s.posts_count + %s, 0)
                """,  # noqa: S608 - our own table name; every value is a parameter
                [user_id, followers, following, posts, followers, following, posts],
            )


def _insert_unique(model, **fields: int) -> bool:
    """Insert a pair row unless it exists; True when this call created it."""
    table = model._meta.db_table
    columns = ", ".join(f"{name}_id" for name in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, created_at) VALUES ({placeholders}, now()) "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING id",
            list(fields.values()),
        )
        return cursor.fetchone() is not None


def _ensure_target(actor_id: int, target_id: int, action: str) -> None:
    if actor_id == target_id:
        raise BadRequest(f"You cannot {action} yourself.", code=f"cannot_{action}_self")
    if not active_user_exists(user_id=target_id):
        raise NotFound("User not found.")


def follow_create(*, follower_id: int, followee_id: int) -> FollowState:
    _ensure_target(follower_id, followee_id, "follow")
    with transaction.atomic():
        if Block.objects.filter(blocker_id=followee_id, blocked_id=follower_id).exists():
            raise NotFound("User not found.")
        if Block.objects.filter(blocker_id=follower_id, blocked_id=followee_id).exists():
            raise PermissionDenied("You blocked this user; unblock them to follow.", code="blocked")
        if _insert_unique(Follow, follower=follower_id, followee=followee_id):
            _stats_add({followee_id: {"followers": 1}, follower_id: {"following": 1}})
            notifications.notify(recipient_id=followee_id, type="follow", actor_id=follower_id)
    return FollowState(
        is_following=True, followers_count=counts_get(user_ids=[followee_id])[followee_id].followers_count
    )


def _follow_remove(follower_id: int, followee_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if deleted:
        _stats_add({followee_id: {"followers": -1}, follower_id: {"following": -1}})
    return bool(deleted)


def follow_delete(*, follower_id: int, followee_id: int) -> FollowState:
    _ensure_target(follower_id, followee_id, "unfollow")
    with transaction.atomic():
        _follow_remove(follower_id, followee_id)
    return FollowState(
        is_following=False, followers_count=counts_get(user_ids=[followee_id])[followee_id].followers_count
    )


def block_create(*, blocker_id: int, blocked_id: int) -> None:
    """Block a user: follows both ways are removed and neither can follow, message or see the other."""
    _ensure_target(blocker_id, blocked_id, "block")
    with transaction.atomic():
        if _insert_unique(Block, blocker=blocker_id, blocked=blocked_id):
            _follow_remove(blocker_id, blocked_id)
            _follow_remove(blocked_id, blocker_id)


def block_delete(*, blocker_id: int, blocked_id: int) -> None:
    _ensure_target(blocker_id, blocked_id, "unblock")
    Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).delete()


def mute_create(*, muter_id: int, muted_id: int) -> None:
    _ensure_target(muter_id, muted_id, "mute")
    if (
        is_blocked_either_way(user_a=muter_id, user_b=muted_id)
        and not Block.objects.filter(blocker_id=muter_id, blocked_id=muted_id).exists()
    ):
        raise NotFound("User not found.")
    _insert_unique(Mute, muter=muter_id, muted=muted_id)


def mute_delete(*, muter_id: int, muted_id: int) -> None:
    _ensure_target(muter_id, muted_id, "unmute")
    Mute.objects.filter(muter_id=muter_id, muted_id=muted_id).delete()


def me_update(*, user_id: int, changes: dict[str, Any], settings_changes: dict[str, Any] | None) -> None:
    """PATCH /users/me/: the account's fields and the birth place (kept in the personal map), all or nothing.

    `None` for name, bio or intention clears them (validation refuses null for the other fields).
    """
    with transaction.atomic():
        account_update(
            user_id=user_id,
            name=_text_or_clear(changes, "name"),
            bio=_text_or_clear(changes, "bio"),
            handle=changes.get("handle"),
            locale=changes.get("locale"),
            intention=_text_or_clear(changes, "intention"),
            settings_changes=settings_changes,
        )
        if "birth_place" in changes:
            personal_birth_place_set(user_id=user_id, text=changes["birth_place"])


def _text_or_clear(changes: dict[str, Any], field: str) -> str | None:
    if field not in changes:
        return None
    return changes[field] or ""


def user_posts_count_add(*, user_id: int, delta: int) -> None:
    """Called by the posts module in the transaction that creates or removes a post."""
    _stats_add({user_id: {"posts": delta}})


def stats_recount() -> int:
    """Recompute follower/following counters from the follow rows. Returns how many users have counters."""
    table = UserStats._meta.db_table
    follow = Follow._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET followers_count = 0, following_count = 0")  # noqa: S608
        for column, key in (("followers_count", "followee_id"), ("following_count", "follower_id")):
            cursor.execute(
                f"""
                INSERT INTO {table} (user_id, followers_count, following_count, posts_count)
                SELECT {key}, 0, 0, 0 FROM {follow} GROUP BY {key}
                ON CONFLICT (user_id) DO NOTHING
                """  # noqa: S608 - fixed identifiers
            )
            cursor.execute(
                f"""
                UPDATE {table} s SET {column} = c.n
                FROM (SELECT {key} AS user_id, count(*) AS n FROM {follow} GROUP BY {key}) c
                WHERE s.user_id = c.user_id
                """  # noqa: S608 - fixed identifiers
            )
    return UserStats.objects.count()
