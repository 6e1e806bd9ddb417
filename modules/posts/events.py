"""Realtime events of posts and comments: live counts on the `post:<id>` and `comment:<id>` channels.

A client follows those channels with `/ws?channels=post:12,comment:40` (allowed to whoever may see the post or
comment, see `apps.py`). Each event carries the counts as they are after the change, not a delta, and is
published in the transaction that makes the change; the transactions that change one post's counts lock
that post first, so its events arrive in the order they were committed and the last one is the current count.
Counts only: whether *you* like something is yours alone and comes with REST reads and your own like calls.
"""

from __future__ import annotations

from ninja import Field

from modules.realtime.public import RealtimeEvent, realtime_event


def post_topic(post_id: int) -> str:
    return f"post:{post_id}"


def comment_topic(comment_id: int) -> str:
    return f"comment:{comment_id}"


@realtime_event("post:counts")
class PostCountsEvent(RealtimeEvent):
    """A post's like or comment count changed (on `post:<id>`)."""

    post_id: int
    like_count: int = Field(description="Likes now.")
    comment_count: int = Field(description="Comments now, replies included.")


@realtime_event("comment:counts")
class CommentCountsEvent(RealtimeEvent):
    """A comment's like count changed (on `comment:<id>`)."""

    comment_id: int
    post_id: int
    like_count: int = Field(description="Likes now.")
