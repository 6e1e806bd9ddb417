"""Typed views → response dicts with absolute media URLs (the one place where URLs are built for posts)."""

from __future__ import annotations

from django.http import HttpRequest

from modules.media.public import MediaData, media_url
from modules.posts.selectors import CommentView, PostView
from modules.social.public import UserCard


def _author(summary, following: bool) -> UserCard:
    """The author as every user card in the API shows them (`UserCardOut` adds `flags` and the photo URL)."""
    return UserCard(
        id=summary.id,
        handle=summary.handle,
        name=summary.name,
        photo_path=summary.photo_path,
        is_following=following,
        account_key=summary.account_key,
    )


def _image(m: MediaData, request: HttpRequest) -> dict:
    return {
        "id": m.id,
        "url": media_url(m.path, request),
        "thumbnail_url": media_url(m.thumbnail_path, request),
        "width": m.width,
        "height": m.height,
        "mime_type": m.mime_type,
    }


def _video(m: MediaData, request: HttpRequest) -> dict:
    return {
        "id": m.id,
        "url": media_url(m.path, request),
        "thumbnail_url": media_url(m.thumbnail_path, request),
        "duration": m.duration_seconds,
        "width": m.width,
        "height": m.height,
        "mime_type": m.mime_type,
    }


def post_out(view: PostView, request: HttpRequest) -> dict:
    videos = [m for m in view.media if m.kind == "video"]
    return {
        "id": view.id,
        "author": _author(view.author, view.author_followed),
        "text": view.text,
        "visibility": view.visibility,
        "language": view.language,
        "images": [_image(m, request) for m in view.media if m.kind == "image"],
        "video": _video(videos[0], request) if videos else None,
        "like_count": view.like_count,
        "comment_count": view.comment_count,
        "liked": view.liked,
        "created_at": view.created_at,
        "edited_at": view.edited_at,
    }


def feed_item_out(view: PostView, request: HttpRequest) -> dict:
    return {"type": "post", "id": view.id, "post": post_out(view, request), "why": view.why}


def comment_out(view: CommentView, request: HttpRequest) -> dict:
    return {
        "id": view.id,
        "post": view.post_id,
        "parent": view.parent_id,
        "author": _author(view.author, view.author_followed),
        "text": view.text,
        "images": [_image(m, request) for m in view.media],
        "like_count": view.like_count,
        "liked": view.liked,
        "created_at": view.created_at,
        "edited_at": view.edited_at,
    }
