"""Reads of posts and comments. Every query that can reveal a post goes through `visible_posts`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db.models import F, Lookup, Q, QuerySet

from modules.accounts.public import UserSummary, inactive_user_ids, is_private_account, user_summaries
from modules.core.public import NotFound, Page, encode_cursor, paginate_queryset
from modules.media.public import MediaData, media_grouped
from modules.posts.models import Comment, CommentLike, CommentMedia, Post, PostLike, PostMedia, Visibility
from modules.social.public import UserCard, following_among, user_cards, viewer_graph


@dataclass(frozen=True)
class Audience:
    """What a viewer may see, resolved once per request (a few small id sets)."""

    viewer_id: int
    followees: frozenset[int]
    hidden: frozenset[int]  # blocked either way, or deactivated
    muted: frozenset[int] = frozenset()

    @classmethod
    def of(cls, viewer_id: int, *, with_mutes: bool = False) -> Audience:
        graph = viewer_graph(user_id=viewer_id, with_mutes=with_mutes)  # one statement for the three sets
        return cls(
            viewer_id=viewer_id,
            followees=graph.followees,
            hidden=graph.blocked | frozenset(inactive_user_ids()),
            muted=graph.muted,
        )


class _AnyOf(Lookup):
    """`column = ANY(%s::bigint[])`, the ids sent as one array parameter."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, sorted(self.rhs)]


def id_in(column: str, ids: Iterable[int]) -> _AnyOf:
    """`column` is one of `ids`, for id sets that can be large (the people someone follows, hidden people).
    Same rows and plan as `column__in=ids` (PostgreSQL turns an IN list into `= ANY(array)` itself), but the SQL
    text stays short and constant: `__in` writes one placeholder per id, which Django prepares one by one and
    the driver has to split anew for every distinct length."""
    return _AnyOf(F(column), list(ids))


def visible_posts(audience: Audience) -> QuerySet[Post]:
    """Posts the viewer may see: their own; public ones of public accounts; public and followers-only ones of
    people they follow (a private account's posts are all for its followers: a pending follow request shows
    nothing). Never posts of someone blocked either way or deactivated."""
    allowed = (
        Q(author_id=audience.viewer_id)
        | Q(id_in("author_id", audience.followees), visibility__in=(Visibility.PUBLIC, Visibility.FOLLOWERS))
        | (Q(visibility=Visibility.PUBLIC) & ~Q(is_private_account("author_id")))
    )
    return Post.objects.filter(allowed).exclude(id_in("author_id", audience.hidden))


@dataclass(frozen=True)
class PostView:
    """A post as one viewer sees it (the author's card says whether they follow the author)."""

    id: int
    author: UserCard
    text: str
    visibility: str
    language: str
    media: list[MediaData]
    like_count: int
    comment_count: int
    liked: bool
    created_at: dt.datetime
    edited_at: dt.datetime | None
    why: dict | None = None  # feeds: why the post is in the feed (`feeds.score`)


def _card(summary: UserSummary, followed: Collection[int]) -> UserCard:
    """The author as every user card in the API shows them."""
    return UserCard(
        id=summary.id,
        handle=summary.handle,
        name=summary.name,
        photo_path=summary.photo_path,
        is_following=summary.id in followed,
        account_key=summary.account_key,
    )


def _followed(viewer_id: int, author_ids: set[int], followees: Collection[int] | None) -> Collection[int]:
    """Which of the authors the viewer follows: from `followees` when the caller already has them (an
    Audience), else one query for these authors only."""
    if followees is not None:
        return followees
    return following_among(viewer_id=viewer_id, user_ids=author_ids - {viewer_id}) if author_ids else set()


def post_views(
    posts: Iterable[Post],
    *,
    viewer_id: int,
    why: dict[int, dict] | None = None,
    authors: dict | None = None,
    followees: Collection[int] | None = None,
) -> list[PostView]:
    """Typed views of posts, in order, with authors, media, the viewer's like and whether the viewer follows
    each author (5 queries for any count, 4 with `followees`). `authors`: the active authors' summaries by id,
    when the caller read them in the same request (posts of anyone not in it are left out, as deactivated).
    `followees`: everyone the viewer follows, when the caller read them in the same request."""
    posts = list(posts)
    if not posts:
        return []
    ids = [post.id for post in posts]
    if authors is None:
        authors = user_summaries(user_ids={post.author_id for post in posts})
    followed = _followed(viewer_id, {post.author_id for post in posts}, followees)
    media = media_grouped(
        links=PostMedia.objects.filter(id_in("post_id", ids))
        .order_by("post_id", "position")
        .values_list("post_id", "asset_id")
    )
    liked = set(PostLike.objects.filter(id_in("post_id", ids), user_id=viewer_id).values_list("post_id", flat=True))
    return [
        PostView(
            id=post.id,
            author=_card(authors[post.author_id], followed),
            text=post.text,
            visibility=post.visibility,
            language=post.language,
            media=media.get(post.id, []),
            like_count=post.like_count,
            comment_count=post.comment_count,
            liked=post.id in liked,
            created_at=post.created_at,
            edited_at=post.edited_at,
            why=(why or {}).get(post.id),
        )
        for post in posts
        if post.author_id in authors
    ]


def post_get(*, viewer_id: int, post_id: int) -> Post:
    post = visible_posts(Audience.of(viewer_id)).filter(id=post_id).first()
    if post is None:
        raise NotFound("Post not found.")
    return post


def post_view(*, viewer_id: int, post_id: int) -> PostView:
    return post_views([post_get(viewer_id=viewer_id, post_id=post_id)], viewer_id=viewer_id)[0]


def own_post_view(*, author_id: int, post_id: int) -> PostView:
    """`post_view` of a post by the viewer themself (the answer to publishing it): an author always sees their own
    post, so none of the visibility rules' reads are needed, nor whom they follow (nobody follows themself).
    404 when it is not theirs or their account is no longer active."""
    post = Post.objects.filter(id=post_id, author_id=author_id).defer("search_vector").first()
    views = post_views([post], viewer_id=author_id, followees=frozenset()) if post is not None else []
    if not views:
        raise NotFound("Post not found.")
    return views[0]


def posts_of_author(*, viewer_id: int, author_id: int, cursor: str | None, limit: int) -> Page[PostView]:
    audience = Audience.of(viewer_id)
    queryset = visible_posts(audience).filter(author_id=author_id)
    page = paginate_queryset(queryset, ordering=("-created_at", "-id"), cursor=cursor, limit=limit)
    return Page(results=post_views(page.results, viewer_id=viewer_id, followees=audience.followees), next=page.next)


def post_likers(*, viewer_id: int, post_id: int, cursor: str | None, limit: int) -> Page[UserCard]:
    """Who liked a post the viewer may see, latest first, as the viewer sees them (nobody blocked either way)."""
    post_get(viewer_id=viewer_id, post_id=post_id)
    hidden = Audience.of(viewer_id).hidden
    queryset = PostLike.objects.filter(post_id=post_id).exclude(user_id__in=hidden)
    page = paginate_queryset(queryset, ordering=("-created_at", "-id"), cursor=cursor, limit=limit)
    return Page(
        results=user_cards(viewer_id=viewer_id, user_ids=[like.user_id for like in page.results]), next=page.next
    )


# --- comments -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentView:
    """A comment as one viewer sees it."""

    id: int
    post_id: int
    parent_id: int | None
    author: UserCard
    text: str
    media: list[MediaData] = field(default_factory=list)
    like_count: int = 0
    liked: bool = False
    created_at: dt.datetime | None = None
    edited_at: dt.datetime | None = None


def comment_views(comments: Iterable[Comment], *, viewer_id: int) -> list[CommentView]:
    comments = list(comments)
    if not comments:
        return []
    ids = [c.id for c in comments]
    authors = user_summaries(user_ids={c.author_id for c in comments})
    followed = _followed(viewer_id, {c.author_id for c in comments}, None)
    media = media_grouped(
        links=CommentMedia.objects.filter(comment_id__in=ids)
        .order_by("comment_id", "position")
        .values_list("comment_id", "asset_id")
    )
    liked = set(CommentLike.objects.filter(user_id=viewer_id, comment_id__in=ids).values_list("comment_id", flat=True))
    return [
        CommentView(
            id=c.id,
            post_id=c.post_id,
            parent_id=c.parent_id,
            author=_card(authors[c.author_id], followed),
            text=c.text,
            media=media.get(c.id, []),
            like_count=c.like_count,
            liked=c.id in liked,
            created_at=c.created_at,
            edited_at=c.edited_at,
        )
        for c in comments
        if c.author_id in authors
    ]


COMMENT_ORDER = ("created_at", "id")


def comments_of_post(
    *, viewer_id: int, post_id: int, cursor: str | None, limit: int, page: int | None = None
) -> Page[CommentView]:
    """A visible post's comments, oldest first (conversation order), without people blocked either way.

    By cursor, or by page number (`page`, for the mobile app): the rows from (page − 1) × limit on. Oldest first,
    new comments land after every page already read, so numbered pages never repeat or skip because of them.
    The next page of a numbered one is given as a cursor, so a client may switch to `next` at any point. An
    offset costs at most the post's own comments (one index range), whatever the page number."""
    post_get(viewer_id=viewer_id, post_id=post_id)
    hidden = Audience.of(viewer_id).hidden
    queryset = Comment.objects.filter(post_id=post_id).exclude(id_in("author_id", hidden))
    if page is None:
        result = paginate_queryset(queryset, ordering=COMMENT_ORDER, cursor=cursor, limit=limit)
    else:
        offset = (page - 1) * limit
        rows = list(queryset.order_by(*COMMENT_ORDER)[offset : offset + limit + 1])
        rows, more = rows[:limit], len(rows) > limit
        # The same cursor paginate_queryset writes for this ordering, so `next` continues by keyset.
        after = encode_cursor(",".join(COMMENT_ORDER), [rows[-1].created_at, rows[-1].id]) if more else None
        result = Page(results=rows, next=after)
    return Page(results=comment_views(result.results, viewer_id=viewer_id), next=result.next)


def comment_get(*, viewer_id: int, comment_id: int) -> Comment:
    """A comment the viewer may see: on a post they may see, by someone not blocked either way."""
    comment = Comment.objects.filter(id=comment_id).first()
    if comment is None:
        raise NotFound("Comment not found.")
    audience = Audience.of(viewer_id)
    if comment.author_id in audience.hidden or not visible_posts(audience).filter(id=comment.post_id).exists():
        raise NotFound("Comment not found.")
    return comment


def comment_view(*, viewer_id: int, comment_id: int) -> CommentView:
    return comment_views([comment_get(viewer_id=viewer_id, comment_id=comment_id)], viewer_id=viewer_id)[0]


def can_follow_post(user_id: int, post_id: int) -> bool:
    """Realtime: a `post:<id>` topic is open to whoever may see the post."""
    return visible_posts(Audience.of(user_id)).filter(id=post_id).exists()


def can_follow_comment(user_id: int, comment_id: int) -> bool:
    try:
        comment_get(viewer_id=user_id, comment_id=comment_id)
    except NotFound:
        return False
    return True
