"""Writes for posts, comments and likes.

Likes are idempotent and counted exactly under concurrency: a like is an
`INSERT … ON CONFLICT DO NOTHING RETURNING`, and only the request that really
inserted (or deleted) the row moves the counter, in the same transaction. A like
racing a delete of its post fails the foreign key and becomes a 404.

Every change of a post's or comment's counters publishes the new counts on its realtime channel
(`events.py`), in the same transaction, and realtime delivers events in the order of their transactions' ids.
PostgreSQL gives a transaction its id at its first write (or row lock), which is not the order in which
transactions changing the same counter commit: so such a transaction first takes a transaction-level advisory
lock on the post (or comment), before it writes anything. The next one waits there without an id yet, and its
id is larger: the events of one post are delivered in commit order, and the last one has the current counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from modules.accounts.public import accounts_get, user_ids_by_handles
from modules.core.public import BadRequest, NotFound, PermissionDenied, ValidationFailed
from modules.media.public import (
    Upload,
    UploadRefusal,
    UploadRefusals,
    media_delete_many,
    media_set_private,
    media_upload_set,
)
from modules.notifications.public import content_removed as notifications_content_removed
from modules.notifications.public import extract_mentions, notify, notify_many
from modules.posts.events import CommentCountsEvent, PostCountsEvent, comment_topic, post_topic
from modules.posts.models import Comment, CommentLike, CommentMedia, Post, PostLike, PostMedia
from modules.posts.selectors import Audience, comment_get, post_get, visible_posts
from modules.realtime.public import publish
from modules.social.public import user_posts_count_add

MAX_IMAGES = 4
MAX_MENTIONS = 20  # per post or comment: more @handles than this are text, not notifications
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class LikeState:
    liked: bool
    like_count: int


def _media_private(author_id: int, visibility: str) -> bool:
    """Whether a post's media go to the private media area (signed, expiring URLs): unless everyone may see
    the post, which takes a public post by a public account."""
    if visibility != "public":
        return True
    account = accounts_get(user_ids=[author_id]).get(author_id)
    return account is None or account.settings.privacy != "public"


def author_media_privacy_sync(*, author_id: int) -> int:
    """After the author's account changed privacy: move the media of their public posts (and of the comments on
    them) to where the account's audience now puts them (the media of other posts are private either way).
    Idempotent: assets already in place are left alone. The number of assets considered."""
    private = _media_private(author_id, "public")
    posts = Post.objects.filter(author_id=author_id, visibility="public")
    with transaction.atomic():
        ids = list(PostMedia.objects.filter(post__in=posts).values_list("asset_id", flat=True))
        ids += CommentMedia.objects.filter(comment__post__in=posts).values_list("asset_id", flat=True)
        media_set_private(ids=ids, private=private)  # moved when this transaction commits
    return len(ids)


# A post carries up to 4 images (the `images` field) or one video (`video`), never both; a comment only images.
# Each file is validated as the kind its field names.
UPLOAD_REFUSALS = UploadRefusals(
    mixed=UploadRefusal(field="video", message="Attach images or one video, not both.", code="mixed_media"),
    too_many_images=UploadRefusal(field="images", message=f"At most {MAX_IMAGES} images.", code="too_many_images"),
    too_many_videos=UploadRefusal(field="video", message="At most one video.", code="too_many_videos"),
)


def _uploads(images: Iterable[UploadedFile], videos: Iterable[UploadedFile] = ()) -> list[Upload]:
    return [Upload(file=f, field="images", kind="image") for f in images] + [
        Upload(file=f, field="video", kind="video") for f in videos
    ]


def _language(value: str | None) -> str:
    language = (value or "en").strip().lower()
    if not LANGUAGE_RE.match(language):
        raise ValidationFailed.for_field(
            "language", "Use a two-letter ISO 639-1 code such as en, ru or ka.", code="invalid_language"
        )
    return language


def post_create(
    *,
    author_id: int,
    text: str,
    visibility: str = "public",
    language: str | None = None,
    images: Iterable[UploadedFile] = (),
    videos: Iterable[UploadedFile] = (),
) -> int:
    """Publish a post (text and/or media); its id."""
    text = text.strip()
    language = _language(language)
    uploads = _uploads(images, videos)
    if not text and not uploads:
        raise ValidationFailed.for_field("text", "Write something or attach media.", code="empty_post")
    with (
        media_upload_set(
            uploads,
            owner_id=author_id,
            private=_media_private(author_id, visibility) if uploads else False,  # nothing to place: no read
            refusals=UPLOAD_REFUSALS,
            max_images=MAX_IMAGES,
        ) as media,
        transaction.atomic(),
    ):
        post = Post.objects.create(
            author_id=author_id,
            text=text,
            visibility=visibility,
            language=language,
            has_video=any(m.kind == "video" for m in media),
            media_count=len(media),
        )
        PostMedia.objects.bulk_create(
            [PostMedia(post=post, asset_id=m.id, position=index) for index, m in enumerate(media)]
        )
        user_posts_count_add(user_id=author_id, delta=1)
        _notify_post_mentions(post, extract_mentions(post.text))
    return post.id


def _own_post(author_id: int, post_id: int) -> Post:
    post = post_get(viewer_id=author_id, post_id=post_id)
    if post.author_id != author_id:
        raise PermissionDenied("Only the author can change this post.", code="not_author")
    return post


def post_update(*, author_id: int, post_id: int, changes: dict) -> Post:
    with transaction.atomic():
        post = _own_post(author_id, post_id)
        post = Post.objects.select_for_update().get(id=post.id)
        mentioned_before = extract_mentions(post.text)
        if "text" in changes:
            post.text = (changes["text"] or "").strip()
            if not post.text and not post.media_count:
                raise ValidationFailed.for_field("text", "A post without media needs text.", code="empty_post")
        if changes.get("visibility") and changes["visibility"] != post.visibility:
            private_before = _media_private(post.author_id, post.visibility)
            post.visibility = changes["visibility"]
            if _media_private(post.author_id, post.visibility) != private_before:
                # Moved after commit: public URLs handed out before stop working once the audience narrows.
                asset_ids = list(PostMedia.objects.filter(post=post).values_list("asset_id", flat=True))
                asset_ids += CommentMedia.objects.filter(comment__post=post).values_list("asset_id", flat=True)
                media_set_private(ids=asset_ids, private=not private_before)
        if changes.get("language"):
            post.language = _language(changes["language"])
        post.edited_at = timezone.now()
        post.save(update_fields=["text", "visibility", "language", "edited_at"])
        _notify_post_mentions(post, extract_mentions(post.text) - mentioned_before)
    post.refresh_from_db()
    return post


def post_delete(*, author_id: int, post_id: int) -> None:
    """Delete your post with its comments, likes and media (files removed after commit)."""
    with transaction.atomic():
        _remove(_own_post(author_id, post_id))


def posts_remove_by_moderator(*, post_ids: list[int]) -> int:
    """Staff removal (admin): the same clean-up as an author's delete."""
    removed = 0
    with transaction.atomic():
        for post in Post.objects.filter(id__in=post_ids).select_for_update():
            _remove(post)
            removed += 1
    return removed


def _remove(post: Post) -> None:
    # Lock the post first: likes and comments racing this delete wait, then find it gone (404), instead of
    # slipping in after the cascade collected its rows.
    Post.objects.select_for_update().filter(id=post.id).first()
    asset_ids = list(PostMedia.objects.filter(post=post).values_list("asset_id", flat=True))
    asset_ids += list(CommentMedia.objects.filter(comment__post=post).values_list("asset_id", flat=True))
    # Notifications quoting the post or its comments lose the quote with them.
    notifications_content_removed(kind="post", ids=[post.id])
    notifications_content_removed(kind="comment", ids=Comment.objects.filter(post=post).values_list("id", flat=True))
    Post.objects.filter(id=post.id).delete()
    media_delete_many(ids=asset_ids)
    user_posts_count_add(user_id=post.author_id, delta=-1)


# Advisory lock keys (the two-int form, a key space apart from the one-bigint locks used elsewhere): the kind,
# then the id folded into 31 bits (two posts sharing a key only wait for each other, which is harmless).
POST_COUNTS_LOCK = 0x706F7374  # "post"
COMMENT_COUNTS_LOCK = 0x636D6E74  # "cmnt"


def _counts_lock(kind: int, object_id: int) -> None:
    """Wait for the other transactions changing these counters; before any write (see the module docstring).
    Held until commit. Every such transaction takes at most one post's lock, or several in post order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [kind, object_id % 2**31])


def _publish_post_counts(post_id: int) -> None:
    counts = Post.objects.filter(id=post_id).values_list("like_count", "comment_count").first()
    if counts is not None:
        like_count, comment_count = counts
        publish(
            [post_topic(post_id)],
            PostCountsEvent(post_id=post_id, like_count=like_count, comment_count=comment_count),
        )


def _like(
    table: str, target_table: str, column: str, target_id: int, user_id: int, like: bool
) -> tuple[LikeState, bool]:
    """(state, changed): `changed` is False when the like (or unlike) was already in place."""
    with transaction.atomic(), connection.cursor() as cursor:
        _counts_lock(POST_COUNTS_LOCK if target_table == Post._meta.db_table else COMMENT_COUNTS_LOCK, target_id)
        # Hold the target (a concurrent delete waits for this transaction) or learn it is already gone.
        cursor.execute(f"SELECT 1 FROM {target_table} WHERE id = %s FOR KEY SHARE", [target_id])  # noqa: S608
        if cursor.fetchone() is None:
            raise NotFound("Not found.")
        if like:
            cursor.execute(
                f"INSERT INTO {table} ({column}, user_id, created_at) VALUES (%s, %s, now()) "  # noqa: S608
                "ON CONFLICT DO NOTHING RETURNING id",
                [target_id, user_id],
            )
            changed = cursor.fetchone() is not None
        else:
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} = %s AND user_id = %s RETURNING id",  # noqa: S608
                [target_id, user_id],
            )
            changed = cursor.fetchone() is not None
        if changed:
            cursor.execute(
                f"UPDATE {target_table} SET like_count = GREATEST(like_count + %s, 0) "  # noqa: S608
                "WHERE id = %s RETURNING like_count",
                [1 if like else -1, target_id],
            )
        else:
            cursor.execute(f"SELECT like_count FROM {target_table} WHERE id = %s", [target_id])  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        raise NotFound("Not found.")
    return LikeState(liked=like, like_count=row[0]), changed


def post_like(*, user_id: int, post_id: int, like: bool) -> LikeState:
    """Like or unlike a post the user may see (idempotent). A new like notifies the author."""
    post = post_get(viewer_id=user_id, post_id=post_id)
    with transaction.atomic():
        state, changed = _like(PostLike._meta.db_table, Post._meta.db_table, "post_id", post.id, user_id, like)
        if changed:
            _publish_post_counts(post.id)
        if changed and like:
            notify(
                recipient_id=post.author_id,
                type="like",
                actor_id=user_id,
                target_type="post",
                target_id=post.id,
                text=post.text,
            )
    return state


def comment_like(*, user_id: int, comment_id: int, like: bool) -> LikeState:
    comment = comment_get(viewer_id=user_id, comment_id=comment_id)
    with transaction.atomic():
        state, changed = _like(
            CommentLike._meta.db_table, Comment._meta.db_table, "comment_id", comment.id, user_id, like
        )
        if changed:
            publish(
                [comment_topic(comment.id)],
                CommentCountsEvent(comment_id=comment.id, post_id=comment.post_id, like_count=state.like_count),
            )
        if changed and like:
            notify(
                recipient_id=comment.author_id,
                type="like",
                actor_id=user_id,
                target_type="comment",
                target_id=comment.id,
                text=comment.text,
                data={"post_id": comment.post_id},
            )
    return state


# --- comments -------------------------------------------------------------------------------------


def comment_create(
    *,
    author_id: int,
    post_id: int,
    text: str,
    parent_id: int | None = None,
    images: Iterable[UploadedFile] = (),
) -> int:
    """Comment on a post the author may see (text and/or up to 4 images); its id."""
    post = post_get(viewer_id=author_id, post_id=post_id)
    text = text.strip()
    uploads = _uploads(images)
    if not text and not uploads:
        raise ValidationFailed.for_field("text", "Write something or attach an image.", code="empty_comment")
    if parent_id is not None:
        if not Comment.objects.filter(id=parent_id, post_id=post.id).exists():
            raise BadRequest("The parent comment is not on this post.", code="parent_on_other_post")
        # A reply is addressed to the parent's author: not to someone blocked either way (their comment does not
        # exist for you, as everywhere else), nor to a deactivated account.
        comment_get(viewer_id=author_id, comment_id=parent_id)
    with media_upload_set(
        uploads,
        owner_id=author_id,
        private=_media_private(post.author_id, post.visibility),
        refusals=UPLOAD_REFUSALS,
        max_images=MAX_IMAGES,
    ) as media:
        try:
            with transaction.atomic():
                _counts_lock(POST_COUNTS_LOCK, post.id)
                comment = Comment.objects.create(
                    post_id=post.id, author_id=author_id, parent_id=parent_id, text=text, media_count=len(media)
                )
                CommentMedia.objects.bulk_create(
                    [CommentMedia(comment=comment, asset_id=m.id, position=index) for index, m in enumerate(media)]
                )
                Post.objects.filter(id=post.id).update(comment_count=F("comment_count") + 1)
                _publish_post_counts(post.id)
                _notify_comment(post, comment)
                _notify_comment_mentions(comment, extract_mentions(comment.text))
        except IntegrityError as exc:  # the post was deleted meanwhile
            raise NotFound("Post not found.") from exc
    return comment.id


def _own_comment(author_id: int, comment_id: int) -> Comment:
    comment = comment_get(viewer_id=author_id, comment_id=comment_id)
    if comment.author_id != author_id:
        raise PermissionDenied("Only the author can change this comment.", code="not_author")
    return comment


def comment_update(*, author_id: int, comment_id: int, text: str) -> Comment:
    comment = _own_comment(author_id, comment_id)
    text = text.strip()
    if not text and not comment.media_count:
        raise ValidationFailed.for_field("text", "A comment without images needs text.", code="empty_comment")
    mentioned_before = extract_mentions(comment.text)
    with transaction.atomic():
        Comment.objects.filter(id=comment.id).update(text=text, edited_at=timezone.now())
        comment.refresh_from_db()
        _notify_comment_mentions(comment, extract_mentions(comment.text) - mentioned_before)
    return comment


def comment_delete(*, author_id: int, comment_id: int) -> None:
    """Delete your comment and its replies; the post's counter drops by all of them."""
    with transaction.atomic():
        _remove_comment(_own_comment(author_id, comment_id))


def comments_remove_by_moderator(*, comment_ids: list[int]) -> int:
    removed = 0
    with transaction.atomic():
        # In post order: each removal takes its post's counts lock (`_remove_comment`).
        for comment in Comment.objects.filter(id__in=comment_ids).order_by("post_id", "id"):
            if Comment.objects.filter(id=comment.id).exists():  # may be gone as a reply of an earlier one
                _remove_comment(comment)
                removed += 1
    return removed


def _remove_comment(comment: Comment) -> None:
    _counts_lock(POST_COUNTS_LOCK, comment.post_id)
    subtree = _subtree_ids(comment.id)
    asset_ids = list(CommentMedia.objects.filter(comment_id__in=subtree).values_list("asset_id", flat=True))
    notifications_content_removed(kind="comment", ids=subtree)  # the quotes go with the comments
    deleted = Comment.objects.filter(id__in=subtree).delete()[1].get(Comment._meta.label, 0)
    Post.objects.filter(id=comment.post_id).update(comment_count=Greatest(F("comment_count") - deleted, 0))
    if deleted:
        _publish_post_counts(comment.post_id)
    media_delete_many(ids=asset_ids)


def _subtree_ids(root_id: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE tree(id) AS (
                SELECT %s::bigint
                UNION ALL
                SELECT c.id FROM {Comment._meta.db_table} c JOIN tree ON c.parent_id = tree.id
            ) SELECT id FROM tree
            """,  # noqa: S608 - own table
            [root_id],
        )
        return [row[0] for row in cursor.fetchall()]


# --- notifications ----------------------------------------------------------------------------------
# Called inside the transaction that makes the change; `notify` itself skips self-notifications, mutes, blocks
# and types the recipient turned off.


def _notify_comment(post: Post, comment: Comment) -> None:
    """A top-level comment tells the post's author; a reply tells the parent's author, and the post's author
    too unless they wrote the parent (one notification per person)."""
    parent_author_id = None
    if comment.parent_id is not None:
        parent_author_id = Comment.objects.filter(id=comment.parent_id).values_list("author_id", flat=True).first()
    if parent_author_id is not None:
        notify(
            recipient_id=parent_author_id,
            type="reply",
            actor_id=comment.author_id,
            target_type="comment",
            target_id=comment.parent_id,
            text=comment.text,
            data={"post_id": post.id, "comment_id": comment.id},
        )
    if post.author_id != parent_author_id:
        notify(
            recipient_id=post.author_id,
            type="comment",
            actor_id=comment.author_id,
            target_type="post",
            target_id=post.id,
            text=comment.text,
            data={"comment_id": comment.id},
        )


def _mentioned_ids(handles: set[str], author_id: int) -> list[int]:
    found = user_ids_by_handles(handles=sorted(handles)[:MAX_MENTIONS]) if handles else {}
    return sorted(user_id for user_id in found.values() if user_id != author_id)


def _notify_post_mentions(post: Post, handles: set[str]) -> None:
    """Mentioned people hear of it only if they may see the post (a private post mentions nobody)."""
    notify_many(
        recipient_ids=[
            user_id
            for user_id in _mentioned_ids(handles, post.author_id)
            if visible_posts(Audience.of(user_id)).filter(id=post.id).exists()
        ],
        type="mention",
        actor_id=post.author_id,
        target_type="post",
        target_id=post.id,
        text=post.text,
    )


def _notify_comment_mentions(comment: Comment, handles: set[str]) -> None:
    seen_by = []
    for user_id in _mentioned_ids(handles, comment.author_id):
        try:
            comment_get(viewer_id=user_id, comment_id=comment.id)
        except NotFound:
            continue
        seen_by.append(user_id)
    notify_many(
        recipient_ids=seen_by,
        type="mention",
        actor_id=comment.author_id,
        target_type="comment",
        target_id=comment.id,
        text=comment.text,
        data={"post_id": comment.post_id},
    )
