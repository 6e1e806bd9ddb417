"""Public interface of the media module."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

from modules.media.contracts import MediaData
from modules.media.images import ACCEPTED_FORMATS, CleanImage, UnsupportedMediaType, image_clean
from modules.media.models import IMAGE_MIME_TYPES, VIDEO_MIME_TYPES, MediaKind
from modules.media.selectors import media_get_many
from modules.media.services import media_delete_many, media_set_private, media_upload
from modules.media.storage import media_url, schema_media_url, storage_delete, storage_save_image
from modules.media.views import private_media as private_media_view

MEDIA_KINDS: tuple[str, ...] = tuple(MediaKind.values)  # ("image", "video")


@dataclass(frozen=True)
class StoredImage:
    path: str
    width: int
    height: int
    content_type: str


def image_store(upload: UploadedFile, *, folder: str, field: str = "image", max_side: int = 2048) -> StoredImage:
    """Validate an uploaded image by content, strip its metadata, and store it (no row: avatars)."""
    clean = image_clean(upload, field=field, max_side=max_side)
    path = storage_save_image(clean, folder=folder)
    return StoredImage(path=path, width=clean.width, height=clean.height, content_type=clean.content_type)


def media_delete(path: str) -> None:
    """Delete one stored file by path (for files stored with `image_store`; assets use `media_delete_many`)."""
    storage_delete(path)


__all__ = [
    "ACCEPTED_FORMATS",
    "IMAGE_MIME_TYPES",
    "MEDIA_KINDS",
    "VIDEO_MIME_TYPES",
    "CleanImage",
    "MediaData",
    "StoredImage",
    "UnsupportedMediaType",
    "image_store",
    "media_delete",
    "media_delete_many",
    "media_get_many",
    "media_set_private",
    "media_upload",
    "media_url",
    "private_media_view",
    "schema_media_url",
]
