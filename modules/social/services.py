"""Writes to the social graph: follow, follow requests to private accounts, block, mute, and the counters.

Every write is idempotent (following someone twice is one follow) and safe under
concurrency: rows are inserted with `ON CONFLICT DO NOTHING RETURNING`, so only
the request that really created (or deleted) a row moves the counters, and
counter rows are always updated in user-id order so concurrent transactions
cannot deadlock on them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection, transaction

from modules.accounts.public import account_get, account_update, active_user_exists
from modules.core.public import BadRequest, NotFound, PermissionDenied, RateLimited, rate_limit_hit
from modules.notifications.public import notify, notify_many
from modules.profiles.public import personal_birth_place_set
from modules.realtime.public import publish, user_topic
from modules.social.contracts import FollowRequestDecision, FollowState, MeView
from modules.social.events import FollowRequestNewEvent, FollowRequestResolvedEvent
from modules.social.models import Block, Follow, FollowRequest, Mute, UserStats
from modules.social.selectors import counts_get, is_blocked_either_way, me_view, user_cards

PRIVATE = "private"


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


# --- locks ----------------------------------------------------------------------------------------------
# Two-int advisory locks, held until the transaction ends. Every write to one pair's follow, follow request or
# block takes the pair's lock first (the class is the one the triggers of migration 0002 take again, re-entrantly),
# so "is there a block / a follow / a request?" and the write that depends on the answer are never interleaved
# with another writer of the same pair. A switch of an account's privacy and the creation of a request to it
# also take the account's privacy lock (before any pair lock), so no request is left behind by a switch to public.
FOLLOW_PAIR_LOCK = 0x666F6C6C  # "foll"
PRIVACY_LOCK = 0x70727676  # "prvv"


def _pair_lock(user_a: int, user_b: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, social_pair_key(%s, %s))", [FOLLOW_PAIR_LOCK, user_a, user_b])


def _privacy_lock(user_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PRIVACY_LOCK, user_id % 2**31])


def _is_private(user_id: int) -> bool:
    return account_get(user_id=user_id).settings.privacy == PRIVATE


# --- follow requests: rate limits ------------------------------------------------------------------------


class FollowRequestsLimited(RateLimited):
    code = "follow_requests_limited"
    detail = "You have sent too many follow requests. Try again later."


def _request_rate_check(requester_id: int, target_id: int) -> None:
    """Count one new request against both limits (inside the creating transaction: a refused request rolls its
    counts back, so only requests really made are counted)."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    # New requests one person may send (requests to public accounts are follows and are not counted), and how
    # often one person may ask the same account again after a decline or a cancel.
    limits = (
        ("follow_request:user", str(requester_id), settings.RATE_FOLLOW_REQUESTS_PER_USER),
        ("follow_request:pair", f"{requester_id}:{target_id}", settings.RATE_FOLLOW_REQUESTS_PER_PAIR),
    )
    for scope, subject, rate in limits:
        status = rate_limit_hit(scope, subject, rate)
        if not status.allowed:
            raise FollowRequestsLimited(status.retry_after)


# --- follows and follow requests -------------------------------------------------------------------------


def _followers_count(user_id: int) -> int:
    return counts_get(user_ids=[user_id])[user_id].followers_count


def _check_not_blocked(follower_id: int, followee_id: int) -> None:
    if Block.objects.filter(blocker_id=followee_id, blocked_id=follower_id).exists():
        raise NotFound("User not found.")
    if Block.objects.filter(blocker_id=follower_id, blocked_id=followee_id).exists():
        raise PermissionDenied("You blocked this user; unblock them to follow.", code="blocked")


def _publish_request_new(requester_id: int, target_id: int, created_at) -> None:
    """`follow_request:new` to both people, each with the other's card as they see it."""
    for viewer_id, other_id in ((target_id, requester_id), (requester_id, target_id)):
        for card in user_cards(viewer_id=viewer_id, user_ids=[other_id]):
            publish(
                [user_topic(viewer_id)],
                FollowRequestNewEvent(
                    requester_id=requester_id, target_id=target_id, user=card, requested_at=created_at
                ),
            )


def _publish_request_resolved(requester_id: int, target_id: int, status: str) -> None:
    publish(
        [user_topic(requester_id), user_topic(target_id)],
        FollowRequestResolvedEvent(requester_id=requester_id, target_id=target_id, status=status),
    )


def _request_remove(requester_id: int, target_id: int) -> bool:
    deleted, _ = FollowRequest.objects.filter(requester_id=requester_id, target_id=target_id).delete()
    return bool(deleted)


def follow_create(*, follower_id: int, followee_id: int) -> FollowState:
    """Follow a public account (at once), or ask to follow a private one: a pending request that its owner
    approves or declines (`is_requested`; nothing of theirs that is for followers becomes visible until then).
    Idempotent either way; new requests are rate-limited (429 `follow_requests_limited`)."""
    _ensure_target(follower_id, followee_id, "follow")
    with transaction.atomic():
        private = _is_private(followee_id)
        if private:
            _privacy_lock(followee_id)
            private = _is_private(followee_id)  # again under the lock: a switch to public may just have committed
        _pair_lock(follower_id, followee_id)
        _check_not_blocked(follower_id, followee_id)
        following = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).exists()
        if private and not following:
            return _request_create(follower_id, followee_id)
        # A request left from when the account was private (an admin switched it) gives way to the follow.
        _request_remove(follower_id, followee_id)
        if _insert_unique(Follow, follower=follower_id, followee=followee_id):
            _stats_add({followee_id: {"followers": 1}, follower_id: {"following": 1}})
            notify(recipient_id=followee_id, type="follow", actor_id=follower_id)
    return FollowState(is_following=True, is_requested=False, followers_count=_followers_count(followee_id))


def _request_create(requester_id: int, target_id: int) -> FollowState:
    """Under the pair lock, with no follow of the pair: the pending request (created unless it exists)."""
    if not FollowRequest.objects.filter(requester_id=requester_id, target_id=target_id).exists():
        _request_rate_check(requester_id, target_id)
        request = FollowRequest.objects.create(requester_id=requester_id, target_id=target_id)
        notify(recipient_id=target_id, type="follow_request", actor_id=requester_id)
        _publish_request_new(requester_id, target_id, request.created_at)
    return FollowState(is_following=False, is_requested=True, followers_count=_followers_count(target_id))


def _follow_remove(follower_id: int, followee_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if deleted:
        _stats_add({followee_id: {"followers": -1}, follower_id: {"following": -1}})
    return bool(deleted)


def follow_delete(*, follower_id: int, followee_id: int) -> FollowState:
    """Stop following, or withdraw a pending follow request (what the app's Follow/Following toggle sends)."""
    _ensure_target(follower_id, followee_id, "unfollow")
    with transaction.atomic():
        _pair_lock(follower_id, followee_id)
        _follow_remove(follower_id, followee_id)
        if _request_remove(follower_id, followee_id):
            _publish_request_resolved(follower_id, followee_id, "cancelled")
    return FollowState(is_following=False, is_requested=False, followers_count=_followers_count(followee_id))


def follow_request_cancel(*, requester_id: int, target_id: int) -> FollowState:
    """Withdraw your pending request (idempotent); a follow that already exists is left alone."""
    with transaction.atomic():
        _pair_lock(requester_id, target_id)
        if _request_remove(requester_id, target_id):
            _publish_request_resolved(requester_id, target_id, "cancelled")
        following = Follow.objects.filter(follower_id=requester_id, followee_id=target_id).exists()
    return FollowState(is_following=following, is_requested=False, followers_count=_followers_count(target_id))


def _approve(requester_ids: list[int], owner_id: int) -> list[int]:
    """Turn these pending requests to `owner_id` into follows (pair locks already held): the ids approved.

    Counters move in one call (rows locked in user-id order, like every counter change)."""
    approved = list(
        FollowRequest.objects.filter(target_id=owner_id, requester_id__in=requester_ids)
        .order_by("requester_id")
        .values_list("requester_id", flat=True)
    )
    if not approved:
        return []
    FollowRequest.objects.filter(target_id=owner_id, requester_id__in=approved).delete()
    created = [r for r in approved if _insert_unique(Follow, follower=r, followee=owner_id)]
    if created:
        _stats_add({owner_id: {"followers": len(created)}, **{r: {"following": 1} for r in created}})
    notify_many(recipient_ids=approved, type="follow_accept", actor_id=owner_id)
    for requester_id in approved:
        _publish_request_resolved(requester_id, owner_id, "approved")
    return approved


def follow_request_approve(*, owner_id: int, requester_id: int) -> FollowRequestDecision:
    """Approve a pending request: the requester follows you from now on (and is told). Approving again is a
    no-op while they follow you; no request and no follow is a 404."""
    with transaction.atomic():
        _pair_lock(owner_id, requester_id)
        if not active_user_exists(user_id=requester_id) or (
            not _approve([requester_id], owner_id)
            and not Follow.objects.filter(follower_id=requester_id, followee_id=owner_id).exists()
        ):
            raise NotFound("Follow request not found.")
    return FollowRequestDecision(user_id=requester_id, status="approved", followers_count=_followers_count(owner_id))


def follow_request_decline(*, owner_id: int, requester_id: int) -> FollowRequestDecision:
    """Decline a pending request (idempotent). The requester gets no notification; they may ask again later,
    within the per-pair rate limit, or you may block them."""
    with transaction.atomic():
        _pair_lock(owner_id, requester_id)
        if _request_remove(requester_id, owner_id):
            _publish_request_resolved(requester_id, owner_id, "declined")
    return FollowRequestDecision(user_id=requester_id, status="declined", followers_count=_followers_count(owner_id))


def _approve_all_pending(owner_id: int) -> int:
    """An account that becomes public approves every pending request (people who asked may now follow anyway)."""
    requester_ids = sorted(FollowRequest.objects.filter(target_id=owner_id).values_list("requester_id", flat=True))
    for requester_id in requester_ids:  # in id order, like every holder of several pair locks
        _pair_lock(owner_id, requester_id)
    return len(_approve(requester_ids, owner_id))


def block_create(*, blocker_id: int, blocked_id: int) -> None:
    """Block a user: follows and follow requests both ways are removed (silently: a block is never announced to
    the blocked person) and neither can follow, message or see the other."""
    _ensure_target(blocker_id, blocked_id, "block")
    with transaction.atomic():
        _pair_lock(blocker_id, blocked_id)
        if _insert_unique(Block, blocker=blocker_id, blocked=blocked_id):
            _follow_remove(blocker_id, blocked_id)
            _follow_remove(blocked_id, blocker_id)
            _request_remove(blocker_id, blocked_id)
            _request_remove(blocked_id, blocker_id)


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


def me_update(*, user_id: int, changes: dict[str, Any], settings_changes: dict[str, Any] | None) -> MeView:
    """PATCH /users/me/: the account's fields and the birth place (kept in the personal map), all or nothing;
    returns the person as /users/me/ shows them now.

    `None` for name, bio or intention clears them (validation refuses null for the other fields). Making a
    private account public approves its pending follow requests; making it private keeps its followers.
    """
    with transaction.atomic():
        was_private = None
        if settings_changes and "privacy" in settings_changes:
            _privacy_lock(user_id)
            was_private = _is_private(user_id)
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
        if was_private and settings_changes["privacy"] != PRIVATE:
            _approve_all_pending(user_id)
    return me_view(user_id=user_id)


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
