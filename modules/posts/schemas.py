from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from modules.core.public import MAX_SAFE_ID, CursorPageOut, CursorParams, InputSchema

VisibilityValue = Literal["public", "followers", "private"]


class AuthorOut(Schema):
    id: int
    name: str
    handle: str
    photo: str | None


class ImageOut(Schema):
    id: int
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None
    mime_type: str


class VideoOut(Schema):
    id: int
    url: str
    thumbnail_url: str | None = Field(description="Not generated yet for videos (null).")
    duration: float | None = Field(description="Seconds, from the container when it records it.")
    width: int | None
    height: int | None
    mime_type: str


class PostOut(Schema):
    id: int
    author: AuthorOut
    text: str
    visibility: VisibilityValue
    language: str
    images: list[ImageOut]
    video: VideoOut | None
    like_count: int
    comment_count: int
    liked: bool = Field(description="Whether you like it.")
    created_at: dt.datetime
    edited_at: dt.datetime | None


class PostPageOut(CursorPageOut):
    results: list[PostOut]


class PostCreateIn(InputSchema):
    """Send as JSON, or as multipart form data with up to 4 `images` files or one `video` file."""

    text: str = Field("", max_length=5000)
    visibility: VisibilityValue = "public"
    language: str | None = Field(None, min_length=2, max_length=2, description="ISO 639-1, e.g. en, ru, ka")


class PostPatch(InputSchema):
    text: str | None = Field(None, max_length=5000)
    visibility: VisibilityValue | None = None
    language: str | None = Field(None, min_length=2, max_length=2)


class LikeStateOut(Schema):
    liked: bool
    like_count: int


class WhySignalOut(Schema):
    signal: str
    label: str = Field(examples=["23 likes in the last day"])
    value: float
    weight: float
    contribution: float = Field(description="value × weight")


class WhyOut(Schema):
    rules_version: int
    score: float | None = Field(description="The item's score in a ranked feed; null in chronological feeds.")
    summary: str = Field(examples=["you follow @ana; posted 2 h ago"])
    signals: list[WhySignalOut]


class FeedItemOut(Schema):
    type: Literal["post"]
    id: int
    post: PostOut
    why: WhyOut


class FeedOut(CursorPageOut):
    items: list[FeedItemOut]


class FeedParams(CursorParams):
    limit: int | None = Field(None, ge=1, le=50, description="Page size (1–50; default 20).")
    page_size: int | None = Field(None, ge=1, le=50, description="Another name for `limit`.")


class CommentOut(Schema):
    id: int
    post: int
    parent: int | None
    author: AuthorOut
    text: str
    images: list[ImageOut]
    like_count: int
    liked: bool
    created_at: dt.datetime
    edited_at: dt.datetime | None


class CommentPageOut(CursorPageOut):
    results: list[CommentOut]


class CommentCreateIn(InputSchema):
    """JSON, or multipart with up to 4 `images` files."""

    post: int = Field(ge=1, le=MAX_SAFE_ID)
    text: str = Field("", max_length=2000)
    parent: int | None = Field(None, ge=1, le=MAX_SAFE_ID, description="A comment on the same post to reply to.")


class CommentPatch(InputSchema):
    text: str = Field(max_length=2000)


class CommentListParams(CursorParams):
    post: int = Field(ge=1, le=MAX_SAFE_ID)


class FeedRuleOut(Schema):
    kind: Literal["ranked", "chronological"]
    formula: str | None = None
    weights: dict[str, float] | None = None
    candidates: str
    order: str


class FeedRulesOut(Schema):
    version: int
    signals: dict[str, str] = Field(description="Every input a ranked feed may use, and its definition.")
    feeds: dict[str, FeedRuleOut]
    visibility: str
    paging: str
