"""Feeds that explain themselves.

Chronological feeds (`following`, `following_videos`, `home`) page by keyset on (created_at, id), so new posts
never shift a page. Ranked feeds (`for_you`, `for_you_videos`) score recent candidates with the published,
versioned formula in RULES, and every item carries `why`: each input, its weight and its contribution. A
ranked feed is computed once into a FeedSession that the cursor pages through, so pages stay stable while new
posts and likes arrive; a refresh (no cursor) computes a new one.

A refresh is on the request path, so it is kept cheap (see docs/BENCHMARKS.md, "Feeds"): one statement selects
the candidates with their likes and comments of the last 24 h, ranks them in PostgreSQL and stores the session
(`INSERT … SELECT`), which holds only each ranked post's inputs; Python scores nothing. The full explanation of an
item is built from those inputs when its page is served, with `score`, so it is exactly the one the formula gives.

Ranking in SQL is exact, not an approximation of the formula. `score` sums contributions each rounded to 4
decimals, so a score is an integer number of 0.0001 units and ranking by the integer sum ranks exactly as the
rounded floats do. The units of the likes and comments signals (each saturates, so there are a few dozen) and of
the constant signals are computed here by the formula itself and written into the statement. Recency is computed
in the statement with the same IEEE operations in the same order as `_values`; where its value × 10⁴ lies within
10⁻⁶ of a rounding boundary (so close that a different `exp` in the server's C library could round it the other
way; about one candidate in 500,000), that refresh is ranked in Python instead (`_rank_in_python`, the reference
implementation that `tests/posts/test_feed_ranking_sql.py` compares the statement with).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from modules.accounts.public import active_handle, user_summaries
from modules.core.public import ApiError, Page, decode_cursor, encode_cursor, paginate_queryset
from modules.posts.models import Comment, FeedSession, PostLike, Visibility
from modules.posts.selectors import Audience, PostView, id_in, post_views, visible_posts

RULES_VERSION = 1
CANDIDATES = 500
MAX_AGE = dt.timedelta(days=14)
SESSION_ITEMS = 300
SESSION_TTL = dt.timedelta(hours=6)
# A refresh this soon after the viewer's previous one of the same feed serves that snapshot again instead of
# ranking and storing a new one: repeated pull-to-refresh (or a client or script looping on the first page) costs
# one indexed read, and a viewer stores at most one session per feed in this window.
SESSION_REUSE = dt.timedelta(seconds=30)
FEED_REFRESH_LOCK = 0x66656564  # "feed": one viewer's refreshes of a feed run one at a time
MICROSECOND = dt.timedelta(microseconds=1)

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
            "private posts to the author; every post of a private account is for its followers only; "
            "blocks hide people from each other everywhere"
        ),
        "paging": (
            f"ranked feeds are computed once per refresh (up to {SESSION_ITEMS} items) and paged from that "
            f"snapshot for {int(SESSION_TTL.total_seconds() // 3600)} h; a refresh within "
            f"{int(SESSION_REUSE.total_seconds())} s of the previous one shows the same snapshot; chronological "
            "feeds page by time"
        ),
    }


def _ago(age: dt.timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"posted {max(minutes, 1)} min ago"
    if minutes < 48 * 60:
        return f"posted {minutes // 60} h ago"
    return f"posted {minutes // 1440} days ago"


def _values(*, age: dt.timedelta, likes_24h: int, comments_24h: int, follows: bool, video: bool) -> dict[str, float]:
    hours = max(age.total_seconds(), 0) / 3600
    return {
        "recency": math.exp(-math.log(2) * hours / 24),
        "likes": min(1.0, math.log1p(likes_24h) / math.log(51)),
        "comments": min(1.0, math.log1p(2 * comments_24h) / math.log(51)),
        "follow": 1.0 if follows else 0.0,
        "video": 1.0 if video else 0.0,
        "base": 1.0,
    }


def _total(values: dict[str, float], weights: dict[str, float]) -> float:
    """The score: the sum of the rounded contributions, rounded (exactly what `score` reports)."""
    return round(sum(round(values[name] * weights[name], 4) for name in weights), 4)


def score(
    feed: str, *, age: dt.timedelta, likes_24h: int, comments_24h: int, follows: bool, video: bool, author_handle: str
) -> dict:
    """One post's score and the explanation of every part of it."""
    values = _values(age=age, likes_24h=likes_24h, comments_24h=comments_24h, follows=follows, video=video)
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
    total = _total(values, weights)
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


def _count_since(model, since: dt.datetime) -> Coalesce:
    """A correlated count of `model` rows on the outer post created at or after `since` (0 when none)."""
    rows = model.objects.filter(post_id=OuterRef("id"), created_at__gte=since).order_by().values("post_id")
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n"), output_field=IntegerField()), 0)


# A session item, stored compactly: [post id, age in microseconds, likes in the last 24 h, comments in the last
# 24 h, 1 if the viewer follows the author, 1 if the post has a video, the author's handle], each as at refresh
# time.


def _item_why(feed: str, item: list) -> dict:
    _, age, likes_24h, comments_24h, follows, video, handle = item
    return score(
        feed,
        age=dt.timedelta(microseconds=age),
        likes_24h=likes_24h,
        comments_24h=comments_24h,
        follows=bool(follows),
        video=bool(video),
        author_handle=handle,
    )


def _candidates(viewer_id: int, feed: str, now: dt.datetime, audience: Audience):
    """The candidate posts of a ranked feed (see `rules()`), newest first, with the inputs of their score."""
    since = now - dt.timedelta(hours=24)
    candidates = (
        visible_posts(audience)
        .exclude(author_id=viewer_id)
        .exclude(id_in("author_id", audience.muted))
        .filter(created_at__gte=now - MAX_AGE, created_at__lte=now)
    )
    if feed == "for_you_videos":
        candidates = candidates.filter(has_video=True)
    # The likes and comments of the last 24 h are counted by the same statement, for the candidates only
    # (an index-only probe of postlike_post_recent_idx per candidate), instead of two more queries that
    # would each carry the list of candidate ids.
    return candidates.order_by("-created_at", "-id").annotate(
        likes_24h=_count_since(PostLike, since), comments_24h=_count_since(Comment, since)
    )


def _rank_in_python(viewer_id: int, feed: str, now: dt.datetime, audience: Audience) -> tuple[list[list], dict]:
    """The session items of a refresh, ranked by `score` in Python, and the summaries of their authors (read for
    the handles): the reference that the statement of `_feed_session_create` reproduces, and its fallback."""
    posts = list(
        _candidates(viewer_id, feed, now, audience).values_list(
            "id", "author_id", "created_at", "has_video", "likes_24h", "comments_24h"
        )[:CANDIDATES]
    )
    weights = WEIGHTS[feed]
    followees = audience.followees
    ranked = []
    for post_id, author_id, created_at, video, likes_24h, comments_24h in posts:
        age = now - created_at
        follows = author_id in followees
        values = _values(age=age, likes_24h=likes_24h, comments_24h=comments_24h, follows=follows, video=video)
        item = [post_id, age // MICROSECOND, likes_24h, comments_24h, int(follows), int(video)]
        ranked.append((-_total(values, weights), -created_at.timestamp(), -post_id, author_id, item))
    ranked.sort(key=itemgetter(0, 1, 2))  # score descending, then newest first
    # Posts of deactivated authors are left out (visible_posts already excludes them; this also covers an
    # account deactivated meanwhile). The order of the others does not depend on them, so the authors' handles
    # are fetched for the top of the ranking only, and further down only if some of those authors are gone.
    items: list[list] = []
    authors: dict = {}
    looked_up: set[int] = set()
    position = 0
    while len(items) < SESSION_ITEMS and position < len(ranked):
        chunk = ranked[position : position + SESSION_ITEMS - len(items)]
        position += len(chunk)
        unknown = {entry[3] for entry in chunk} - looked_up
        if unknown:
            authors.update(user_summaries(user_ids=unknown))
            looked_up |= unknown
        items += [[*item, authors[author_id].handle] for *_, author_id, item in chunk if author_id in authors]
    return items, authors


# --- the same ranking as one statement -------------------------------------------------------------------------

UNIT = 10_000  # a contribution is rounded to 4 decimals: an integer number of 0.0001
LIKES_SATURATED = 51  # min(1, ln(1 + n) / ln 51) is 1 from n = 51 likes on (ln 52 > ln 51)
COMMENTS_SATURATED = 26  # min(1, ln(1 + 2n) / ln 51) is 1 from n = 26 comments on (ln 53 > ln 51)
AMBIGUOUS = 1e-6  # recency × 10⁴ this close to a rounding boundary: ranked in Python (see the module docstring)


def _units(value: float, weight: float) -> int:
    """A contribution as `score` rounds it, in units of 0.0001 (exact: the rounded float times 10⁴ is within
    10⁻¹² of an integer)."""
    return round(round(value * weight, 4) * UNIT)


def _signal_units(feed: str, signal: str, **inputs) -> int:
    base = {"age": dt.timedelta(0), "likes_24h": 0, "comments_24h": 0, "follows": False, "video": False}
    return _units(_values(**{**base, **inputs})[signal], WEIGHTS[feed][signal])


def _sql_float(value: float) -> str:
    """A float as an SQL float8 literal that PostgreSQL reads back as exactly the same double."""
    return f"{value!r}::float8"


@cache
def _ranking_sql(feed: str) -> str:
    """The statement that ranks a refresh and stores it (one per feed, built once: its constants come from the
    formula). `{candidates}` is left for the candidates' SQL, which Django compiles per request."""
    weights = WEIGHTS[feed]
    likes = [_signal_units(feed, "likes", likes_24h=n) for n in range(LIKES_SATURATED + 1)]
    comments = [_signal_units(feed, "comments", comments_24h=n) for n in range(COMMENTS_SATURATED + 1)]
    follow, video = _signal_units(feed, "follow", follows=True), _signal_units(feed, "video", video=True)
    base = _signal_units(feed, "base")
    # recency × weight × 10⁴, as `_values` and `_units` compute it: hours = max(age in seconds, 0) / 3600, then
    # exp(−ln 2 × hours / 24), every operation a float8 one in the same order.
    recency = (
        f"exp(-ln(2::float8) * (greatest(c.age_us, 0)::float8 / 1000000::float8 / 3600::float8) / 24::float8)"
        f" * {_sql_float(weights['recency'])} * {UNIT}::float8"
    )
    table = "(ARRAY[{}]::int[])"
    return f"""
        WITH candidates (id, author_id, created_at, has_video, likes_24h, comments_24h, handle) AS ({{candidates}}),
        inputs AS (
            SELECT c.*, {recency} AS recency
            FROM (
                SELECT k.*, (extract(epoch FROM %(now)s::timestamptz - k.created_at) * 1000000)::bigint AS age_us,
                       (k.author_id = ANY(%(followees)s::bigint[]))::int AS follows, k.has_video::int AS video
                FROM candidates k
            ) c
        ),
        scored AS (
            SELECT i.*,
                   floor(i.recency + 0.5)::int
                   + {table.format(", ".join(map(str, likes)))}[least(i.likes_24h, {LIKES_SATURATED}) + 1]
                   + {table.format(", ".join(map(str, comments)))}[least(i.comments_24h, {COMMENTS_SATURATED}) + 1]
                   + {follow} * i.follows + {video} * i.video + {base} AS score
            FROM inputs i
        ),
        ranked AS (
            SELECT * FROM scored WHERE handle IS NOT NULL
            ORDER BY score DESC, created_at DESC, id DESC LIMIT {SESSION_ITEMS}
        )
        INSERT INTO {FeedSession._meta.db_table} (id, viewer_id, feed, rules_version, items, created_at)
        SELECT %(id)s, %(viewer)s, %(feed)s, %(version)s, coalesce(
            (SELECT jsonb_agg(jsonb_build_array(id, age_us, likes_24h, comments_24h, follows, video, handle)
                              ORDER BY score DESC, created_at DESC, id DESC) FROM ranked),
            '[]'::jsonb), %(now)s
        WHERE NOT EXISTS (SELECT FROM scored WHERE abs(recency - floor(recency) - 0.5) < {AMBIGUOUS})
        RETURNING items
    """  # noqa: S608 - constants of the formula and a model's table name


def _feed_session_create(viewer_id: int, feed: str, now: dt.datetime, audience: Audience) -> tuple[FeedSession, dict]:
    """Rank the viewer's feed and store it as a new FeedSession (a write), in one statement; the session and the
    summaries of its authors when they were read (only when the refresh had to be ranked in Python)."""
    candidates = _candidates(viewer_id, feed, now, audience).annotate(handle=active_handle("author_id"))
    columns = ("id", "author_id", "created_at", "has_video", "likes_24h", "comments_24h", "handle")
    candidate_sql, candidate_params = candidates.values_list(*columns)[:CANDIDATES].query.sql_with_params()
    session_id = uuid.uuid4()
    # Django's SQL has positional placeholders; ours are named: number the candidates' parameters by name.
    names = [f"c{n}" for n in range(len(candidate_params))]
    params = {
        **dict(zip(names, candidate_params, strict=True)),
        "now": now,
        "followees": sorted(audience.followees),
        "id": session_id,
        "viewer": viewer_id,
        "feed": feed,
        "version": RULES_VERSION,
    }
    sql = _ranking_sql(feed).replace(
        "{candidates}", candidate_sql.replace("%%", "%%%%") % tuple(f"%({name})s" for name in names)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # a recency on a rounding boundary: the reference ranking decides
        items, authors = _rank_in_python(viewer_id, feed, now, audience)
        session = FeedSession.objects.create(
            id=session_id, viewer_id=viewer_id, feed=feed, rules_version=RULES_VERSION, items=items, created_at=now
        )
        return session, authors
    items = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    session = FeedSession(
        id=session_id, viewer_id=viewer_id, feed=feed, rules_version=RULES_VERSION, items=items, created_at=now
    )
    return session, None


def _feed_session_reuse_or_create(
    viewer_id: int, feed: str, now: dt.datetime, audience: Audience
) -> tuple[FeedSession, dict | None]:
    """The session a refresh serves: the viewer's own from the last SESSION_REUSE if there is one, else a new one
    (stored: the write a refresh's GET makes). Concurrent refreshes of one viewer's feed wait for each other, so
    a burst of them stores one session."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [FEED_REFRESH_LOCK, viewer_id % 2**31])
        recent = (
            FeedSession.objects.filter(
                viewer_id=viewer_id,
                feed=feed,
                rules_version=RULES_VERSION,
                created_at__gt=now - SESSION_REUSE,
                created_at__lte=now,
            )
            .order_by("-created_at")
            .first()
        )
        if recent is not None:
            return recent, None
        return _feed_session_create(viewer_id, feed, now, audience)


def feed_page(*, viewer_id: int, feed: str, cursor: str | None, limit: int) -> FeedPage:
    """A page of one of the feeds (`WEIGHTS` names the ranked ones; the others are chronological). A ranked
    feed's first page (no cursor) stores a FeedSession unless a recent one is reused: see `ranked_feed`."""
    if feed in WEIGHTS:
        return ranked_feed(viewer_id=viewer_id, feed=feed, cursor=cursor, limit=limit)
    return chronological_feed(viewer_id=viewer_id, feed=feed, cursor=cursor, limit=limit)


def ranked_feed(
    *, viewer_id: int, feed: str, cursor: str | None, limit: int, now: dt.datetime | None = None
) -> FeedPage:
    """A page of a ranked feed. With a cursor, read from the session it names; without one (a refresh), from the
    viewer's session of the last SESSION_REUSE, or a new session ranked and stored now: a GET that writes."""
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
        if session.rules_version != RULES_VERSION:
            raise CursorExpired()  # stored inputs are explained by the rules they were ranked with
        audience = Audience.of(viewer_id)
        authors = None
    else:
        audience = Audience.of(viewer_id, with_mutes=True)
        session, authors = _feed_session_reuse_or_create(viewer_id, feed, now, audience)
        offset = 0
    # Visibility is checked again now: a post deleted, hidden or blocked since the refresh is left out, and the
    # page is filled from the items after it, so a page before the end is never empty (a client that loads the
    # next page when the list grows would otherwise stop there).
    ordered: list = []
    why: dict[int, dict] = {}
    position = offset
    while len(ordered) < limit and position < len(session.items):
        window = session.items[position : position + limit - len(ordered)]
        position += len(window)
        ids = [item[0] for item in window]
        candidates = visible_posts(audience).filter(id__in=ids).defer("search_vector")
        if audience.muted:  # a reused snapshot may predate a mute
            candidates = candidates.exclude(id_in("author_id", audience.muted))
        visible = {p.id: p for p in candidates}
        ordered += [visible[post_id] for post_id in ids if post_id in visible]
        why |= {item[0]: _item_why(feed, item) for item in window if item[0] in visible}
    next_cursor = encode_cursor(tag, [str(session.id), position]) if position < len(session.items) else None
    views = post_views(ordered, viewer_id=viewer_id, why=why, authors=authors, followees=audience.followees)
    return FeedPage(items=views, next=next_cursor)


def chronological_feed(*, viewer_id: int, feed: str, cursor: str | None, limit: int) -> FeedPage:
    audience = Audience.of(viewer_id, with_mutes=True)
    authors = (audience.followees - audience.muted) | {viewer_id}
    queryset = visible_posts(audience).filter(id_in("author_id", authors)).defer("search_vector")
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
    views = post_views(page.results, viewer_id=viewer_id, why=why, followees=audience.followees)
    return FeedPage(items=views, next=page.next)


def feed_sessions_purge(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    deleted, _ = FeedSession.objects.filter(created_at__lt=now - SESSION_TTL).delete()
    return deleted
