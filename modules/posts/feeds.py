"""Feeds that explain themselves.

Chronological feeds (`following`, `following_videos`, `home`) page by keyset on (created_at, id), so new posts
never shift a page. Ranked feeds (`for_you`, `for_you_videos`) score recent candidates with the published,
versioned formula in RULES, and every item carries `why`: each input, its weight and its contribution. A
ranked feed is computed once into a FeedSession that the cursor pages through, so pages stay stable while new
posts and likes arrive; a refresh (no cursor) computes a new one.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from modules.accounts.public import user_summaries
from modules.core.public import ApiError, Page, decode_cursor, encode_cursor, paginate_queryset
from modules.posts.models import Comment, FeedSession, PostLike, Visibility
from modules.posts.selectors import Audience, PostView, post_views, visible_posts

RULES_VERSION = 1
CANDIDATES = 500
MAX_AGE = dt.timedelta(days=14)
SESSION_ITEMS = 300
SESSION_TTL = dt.timedelta(hours=6)

SIGNALS = {
    "recency": "exp(−ln 2 × age in hours / 24): 1 when just posted, 0.5 after a day, 0.25 after two",
    "likes": "min(1, ln(1 + likes in the last 24 h) / ln 51): saturates at 50 likes a day",
    "comments": "min(1, ln(1 + 2 × comments in the last 24 h) / ln 51): saturates at 25 comments a day",
    "follow": "1 if you follow the author, else 0",
    "video": "1 if the post has a video, else 0",
    "base": "1 for every post (a constant, so scores are never 0)",
}
WEIGHTS = {
    "for_you": {"recency": 0.55, "likes": 0.25, "comments": 0.35, "follow": 0.45, "video": 0.05, "base": 0.05},
    "for_you_videos": {"recency": 0.45, "likes": 0.40, "comments": 0.45, "follow": 0.30, "video": 0.15, "base": 0.05},
}


class CursorExpired(ApiError):
    code = "cursor_expired"
    detail = "This feed page has expired; load the feed again from the start."


def rules() -> dict:
    """The complete, public description of how every feed is built (GET /feed/rules/)."""
    ranked = {
        name: {
            "kind": "ranked",
            "formula": "score = " + " + ".join(f"{w} × {signal}" for signal, w in weights.items()),
            "weights": weights,
            "candidates": (
                f"the {CANDIDATES} most recent posts of the last {MAX_AGE.days} days that you may see, "
                "not your own, not from people you muted or blocked or who blocked you"
                + (", with a video" if name.endswith("videos") else "")
            ),
            "order": "score descending, then newest first",
        }
        for name, weights in WEIGHTS.items()
    }
    chronological = {
        name: {
            "kind": "chronological",
            "candidates": (
                "posts of people you follow and your own, that you may see, not from muted or blocked "
                "people" + (", with a video" if name.endswith("videos") else "")
            ),
            "order": "newest first",
        }
        for name in ("following", "following_videos", "home")
    }
    return {
        "version": RULES_VERSION,
        "signals": SIGNALS,
        "feeds": {**ranked, **chronological},
        "visibility": (
            "public posts are visible to everyone, followers-only posts to the author's followers, "
            "private posts to the author; blocks hide people from each other everywhere"
        ),
        "paging": (
            f"ranked feeds are computed once per refresh (up to {SESSION_ITEMS} items) and paged from that "
            f"snapshot for {int(SESSION_TTL.total_seconds() // 3600)} h; chronological feeds page by time"
        ),
    }


def _ago(age: dt.timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"posted {max(minutes, 1)} min ago"
    if minutes < 48 * 60:
        return f"posted {minutes // 60} h ago"
    return f"posted {minutes // 1440} days ago"


def score(
    feed: str, *, age: dt.timedelta, likes_24h: int, comments_24h: int, follows: bool, video: bool, author_handle: str
) -> dict:
    """One post's score and the explanation of every part of it."""
    hours = max(age.total_seconds(), 0) / 3600
    values = {
        "recency": math.exp(-math.log(2) * hours / 24),
        "likes": min(1.0, math.log1p(likes_24h) / math.log(51)),
        "comments": min(1.0, math.log1p(2 * comments_24h) / math.log(51)),
        "follow": 1.0 if follows else 0.0,
        "video": 1.0 if video else 0.0,
        "base": 1.0,
    }
    labels = {
        "recency": _ago(age),
        "likes": f"{likes_24h} like{'' if likes_24h == 1 else 's'} in the last day",
        "comments": f"{comments_24h} comment{'' if comments_24h == 1 else 's'} in the last day",
        "follow": f"you follow @{author_handle}" if follows else f"you don't follow @{author_handle}",
        "video": "has a video" if video else "no video",
        "base": "every post",
    }
    weights = WEIGHTS[feed]
    signals = [
        {
            "signal": name,
            "label": labels[name],
            "value": round(values[name], 4),
            "weight": weights[name],
            "contribution": round(values[name] * weights[name], 4),
        }
        for name in weights
    ]
    total = round(sum(s["contribution"] for s in signals), 4)
    top = sorted(
        (s for s in signals if s["signal"] != "base" and s["contribution"] > 0), key=lambda s: -s["contribution"]
    )[:2]
    return {
        "rules_version": RULES_VERSION,
        "score": total,
        "signals": signals,
        "summary": "; ".join(s["label"] for s in top) or "recent post",
    }


@dataclass(frozen=True)
class FeedPage:
    items: list[PostView]
    next: str | None


def _ranked_session(viewer_id: int, feed: str, now: dt.datetime) -> FeedSession:
    audience = Audience.of(viewer_id, with_mutes=True)
    candidates = (
        visible_posts(audience)
        .exclude(author_id=viewer_id)
        .exclude(author_id__in=audience.muted)
        .filter(created_at__gte=now - MAX_AGE, created_at__lte=now)
    )
    if feed == "for_you_videos":
        candidates = candidates.filter(has_video=True)
    posts = list(
        candidates.order_by("-created_at", "-id").values("id", "author_id", "created_at", "has_video")[:CANDIDATES]
    )
    ids = [p["id"] for p in posts]
    since = now - dt.timedelta(hours=24)
    likes = dict(
        PostLike.objects.filter(post_id__in=ids, created_at__gte=since).values_list("post_id").annotate(n=Count("id"))
    )
    comments = dict(
        Comment.objects.filter(post_id__in=ids, created_at__gte=since).values_list("post_id").annotate(n=Count("id"))
    )
    handles = {uid: s.handle for uid, s in user_summaries(user_ids={p["author_id"] for p in posts}).items()}
    ranked = []
    for p in posts:
        if p["author_id"] not in handles:
            continue
        why = score(
            feed,
            age=now - p["created_at"],
            likes_24h=likes.get(p["id"], 0),
            comments_24h=comments.get(p["id"], 0),
            follows=p["author_id"] in audience.followees,
            video=p["has_video"],
            author_handle=handles[p["author_id"]],
        )
        ranked.append((why["score"], p["created_at"], p["id"], why))
    ranked.sort(key=lambda item: (-item[0], -item[1].timestamp(), -item[2]))
    items = [{"post_id": post_id, "why": why} for _, _, post_id, why in ranked[:SESSION_ITEMS]]
    return FeedSession.objects.create(
        id=uuid.uuid4(), viewer_id=viewer_id, feed=feed, rules_version=RULES_VERSION, items=items, created_at=now
    )


def ranked_feed(
    *, viewer_id: int, feed: str, cursor: str | None, limit: int, now: dt.datetime | None = None
) -> FeedPage:
    now = now or timezone.now()
    tag = f"feed:{feed}"
    if cursor:
        session_id, offset = decode_cursor(tag, cursor, 2)
        try:
            session = FeedSession.objects.filter(id=uuid.UUID(str(session_id)), viewer_id=viewer_id, feed=feed).first()
        except ValueError:
            session = None
        if session is None or not isinstance(offset, int) or offset < 0:
            raise CursorExpired()
        if session.created_at < now - SESSION_TTL:
            raise CursorExpired()
    else:
        session, offset = _ranked_session(viewer_id, feed, now), 0
    window = session.items[offset : offset + limit]
    # Visibility is checked again now: a post deleted, hidden or blocked since the refresh is left out.
    visible = {p.id: p for p in visible_posts(Audience.of(viewer_id)).filter(id__in=[i["post_id"] for i in window])}
    ordered = [visible[item["post_id"]] for item in window if item["post_id"] in visible]
    why = {item["post_id"]: item["why"] for item in window}
    next_offset = offset + limit
    next_cursor = encode_cursor(tag, [str(session.id), next_offset]) if next_offset < len(session.items) else None
    return FeedPage(items=post_views(ordered, viewer_id=viewer_id, why=why), next=next_cursor)


def chronological_feed(*, viewer_id: int, feed: str, cursor: str | None, limit: int) -> FeedPage:
    audience = Audience.of(viewer_id, with_mutes=True)
    authors = (audience.followees - audience.muted) | {viewer_id}
    queryset = visible_posts(audience).filter(author_id__in=authors)
    if feed == "following_videos":
        queryset = queryset.filter(has_video=True)
    page: Page = paginate_queryset(queryset, ordering=("-created_at", "-id"), cursor=cursor, limit=limit)
    why = {
        post.id: {
            "rules_version": RULES_VERSION,
            "score": None,
            "signals": [],
            "summary": "your post"
            if post.author_id == viewer_id
            else (
                "you follow the author" + (" (followers-only post)" if post.visibility == Visibility.FOLLOWERS else "")
            ),
        }
        for post in page.results
    }
    return FeedPage(items=post_views(page.results, viewer_id=viewer_id, why=why), next=page.next)


def feed_sessions_purge(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = FeedSession.objects.filter(created_at__lt=now - SESSION_TTL).delete()
    return deleted
