"""The media module's HTTP surface for other modules' schemas: the one way a stored file appears in a response.

URLs are absolute: from the request's host in a response (Ninja passes the request in the validation
context), from `PUBLIC_BASE_URL` without one (realtime payloads). Private media get signed, expiring URLs.
"""

from __future__ import annotations

from ninja import Schema

from modules.media.contracts import MediaData
from modules.media.storage import media_url


def schema_media_url(obj, context, attribute: str = "photo_path") -> str | None:
    """For Ninja `resolve_*` methods: the absolute URL of `obj.<attribute>` (obj may be a dict or an object)."""
    path = obj.get(attribute) if isinstance(obj, dict) else getattr(obj, attribute, None)
    return media_url(path, context["request"] if context else None)


class MediaOut(Schema):
    """An uploaded image or video. `url` and `thumbnail_url` are absolute; those of private media are signed and
    expire (fetch the post or message again for fresh ones)."""

    # Reads a MediaData. Endpoints that show more of it (a video's duration, an attachment's kind) extend it.

    id: int
    url: str
    thumbnail_url: str | None
    width: int | None
    height: int | None
    mime_type: str

    @staticmethod
    def resolve_url(obj: MediaData, context) -> str | None:
        return schema_media_url(obj, context, "path")

    @staticmethod
    def resolve_thumbnail_url(obj: MediaData, context) -> str | None:
        return schema_media_url(obj, context, "thumbnail_path")
