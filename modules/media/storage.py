"""Where media bytes live: django-storages' default storage (local disk or any S3-compatible store)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest

from modules.media.images import CleanImage


def storage_save(content: bytes, *, folder: str, extension: str) -> str:
    """Store bytes under a fresh unguessable name; returns the storage path."""
    today = dt.datetime.now(dt.UTC)
    name = f"{folder}/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"
    return default_storage.save(name, ContentFile(content))


def storage_save_image(image: CleanImage, *, folder: str) -> str:
    return storage_save(image.content, folder=folder, extension=image.extension)


def storage_delete(path: str) -> None:
    if path:
        default_storage.delete(path)


def media_url(path: str | None, request: HttpRequest | None = None) -> str | None:
    """Absolute URL of a stored file (API responses never carry relative URLs)."""
    if not path:
        return None
    url = default_storage.url(path)
    if url.startswith(("http://", "https://")):
        return url
    if request is not None:
        return request.build_absolute_uri(url)
    return f"{settings.PUBLIC_BASE_URL}{url}"


def schema_media_url(obj, context, attribute: str = "photo_path") -> str | None:
    """For Ninja `resolve_*` methods: the absolute URL of `obj.<attribute>` (obj may be a dict or an object)."""
    path = obj.get(attribute) if isinstance(obj, dict) else getattr(obj, attribute, None)
    return media_url(path, context["request"] if context else None)
