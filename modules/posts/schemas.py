from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator, model_validator

from modules.core.http import CursorPageOut, CursorParams, InputSchema
from modules.core.public import MAX_SAFE_ID
from modules.media.http import MediaOut
from modules.posts.selectors import CommentView, PostView
from modules.social.http import UserCardOut

VisibilityValue = Literal["public", "followers", "private"]


class VideoOut(MediaOut):
    thumbnail_url: str | None = Field(description="Not generated yet for videos (null).")
    duration: float | None = Field(description="Seconds, from the container when it records it.")

    @staticmethod
    def resolve_duration(obj) -> float | None:
        return obj.duration_seconds


class PostOut(Schema):  # reads a PostView: its media split into `images` and `video`
    id: int
    author: UserCardOut = Field(description="`is_following` / `flags.following`: whether you follow the author.")
    text: str
    visibility: VisibilityValue
    language: str
    images: list[MediaOut]
    video: VideoOut | None
    like_count: int
    comment_count: int
    liked: bool = Field(description="Whether you like it.")
    created_at: dt.datetime
    edited_at: dt.datetime | None

    @staticmethod
    def resolve_images(obj: PostView) -> list:
        return [m for m in obj.media if m.kind == "image"]

    @staticmethod
    def resolve_video(obj: PostView):
        return next((m for m in obj.media if m.kind == "video"), None)


class PostPageOut(CursorPageOut):
    results: list[PostOut]


class PostCreateIn(InputSchema):
    """Send as JSON, or as multipart form data with up to 4 `images` files or one `video` file."""

    text: str | None = Field(
        "", max_length=5000, description="May be empty (or null) when the post carries images or a video."
    )
    visibility: VisibilityValue = "public"
    language: str | None = Field(None, min_length=2, max_length=2, description="ISO 639-1, e.g. en, ru, ka")

    @field_validator("text")
    @classmethod
    def _null_is_empty(cls, value: str | None) -> str:
        # Multipart turns an empty field into null, and the app sends `text=""` with image-only posts.
        return value or ""


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


class FeedItemOut(Schema):  # reads a feed's PostView (with its `why`)
    type: Literal["post"]
    id: int
    post: PostOut
    why: WhyOut

    @staticmethod
    def resolve_type(obj: PostView) -> str:
        return "post"  # the one kind of item so far

    @staticmethod
    def resolve_post(obj: PostView) -> PostView:
        return obj


class FeedOut(CursorPageOut):
    items: list[FeedItemOut]


class FeedParams(CursorParams):
    limit: int | None = Field(None, ge=1, le=50, description="Page size (1–50; default 20).")
    page_size: int | None = Field(None, ge=1, le=50, description="Another name for `limit`.")


class CommentOut(Schema):  # reads a CommentView
    id: int
    post: int
    parent: int | None
    author: UserCardOut = Field(description="`is_following` / `flags.following`: whether you follow the author.")
    text: str
    images: list[MediaOut]
    like_count: int
    liked: bool
    created_at: dt.datetime
    edited_at: dt.datetime | None

    @staticmethod
    def resolve_post(obj: CommentView) -> int:
        return obj.post_id

    @staticmethod
    def resolve_parent(obj: CommentView) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_images(obj: CommentView) -> list:
        return obj.media


class CommentPageOut(CursorPageOut):
    results: list[CommentOut]


class CommentCreateIn(InputSchema):
    """JSON, or multipart with up to 4 `images` files. `body` is another name for `text` (the mobile app sends
    both, with the same text): send either, or both with the same text."""

    post: int = Field(ge=1, le=MAX_SAFE_ID)
    text: str | None = Field("", max_length=2000, description="May be empty when the comment carries images.")
    body: str | None = Field(
        None, max_length=2000, description="Another name for `text`; when both are sent they must be the same text."
    )
    parent: int | None = Field(None, ge=1, le=MAX_SAFE_ID, description="A comment on the same post to reply to.")

    @field_validator("text")
    @classmethod
    def _null_is_empty(cls, value: str | None) -> str:
        return value or ""  # multipart: the app sends `text=""` and `body=""` with image-only comments

    @field_validator("body")
    @classmethod
    def _body_is_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        text = (info.data.get("text") or "").strip()
        if value and text and value.strip() != text:
            raise ValueError("body and text are two names for the comment's text: send one, or the same text twice.")
        return value

    @model_validator(mode="after")
    def _text_from_body(self):
        if not (self.text or "").strip() and self.body:
            self.text = self.body
        return self


class CommentPatch(InputSchema):
    text: str = Field(max_length=2000)


MAX_COMMENT_PAGE = 10_000


class CommentListParams(CursorParams):
    """Page with `cursor` (the `next` URL), or by page number: `page=N` is the N-th page of `limit` comments,
    oldest first (the mobile app asks for pages 1, 2, 3 … until one adds nothing)."""

    post: int = Field(ge=1, le=MAX_SAFE_ID)
    page: int | None = Field(
        None,
        ge=1,
        le=MAX_COMMENT_PAGE,
        description=(
            "Page number (1 is the oldest comments), instead of `cursor`. New comments never move a page "
            "(they come last); a deleted one moves later pages by one. Its `next` is the cursor URL of the "
            "following page."
        ),
    )

    @model_validator(mode="after")
    def _one_position(self):
        if self.page is not None and self.cursor:
            raise ValueError("page and cursor both say where to start: send one of them.")
        return self


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
