"""Writes: uploads become stored files plus a `MediaAsset` row; deletions remove both."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from modules.core.public import PayloadTooLarge, ValidationFailed
from modules.media.contracts import MediaData
from modules.media.images import UnsupportedMediaType, image_process
from modules.media.models import MediaAsset, MediaKind
from modules.media.remux import video_strip_metadata
from modules.media.selectors import media_data
from modules.media.storage import storage_delete_quietly, storage_save_image, storage_save_stream
from modules.media.videos import DamagedVideo, NotAVideo, video_inspect

IMAGE_MAX_SIDE = 2048  # stored images are bounded to this many pixels on their long side
THUMBNAIL_SIDE = 400  # thumbnails: this many pixels on the long side (never enlarged)
_CHUNK = 1024 * 1024


def media_upload(upload: UploadedFile, *, owner_id: int, kind: str, field: str) -> MediaData:
    """Validate an upload by its content, store it (and, for images, a thumbnail) and record it.

    `kind` is "image" or "video" (anything else is a programming error: ValueError). The file name and the
    declared content type are never trusted. Raises 413 `file_too_large`/`image_too_large`,
    415 `unsupported_media_type`, 422 `invalid_image`/`invalid_video` (with `errors[field]` on 422).
    Stored files whose row cannot be written are deleted again.
    """
    if kind not in MediaKind.values:
        raise ValueError(f"unknown media kind {kind!r}; expected one of {MediaKind.values}")
    stored = _store_image(upload, field) if kind == MediaKind.IMAGE else _store_video(upload, field)
    try:
        asset = MediaAsset.objects.create(owner_id=owner_id, kind=kind, **stored)
    except BaseException:
        storage_delete_quietly([stored["path"], stored["thumbnail_path"]])
        raise
    return media_data(asset)


def _store_image(upload: UploadedFile, field: str) -> dict[str, Any]:
    upload.seek(0)
    clean, thumbnail = image_process(upload, field=field, max_side=IMAGE_MAX_SIDE, thumbnail_side=THUMBNAIL_SIDE)
    assert thumbnail is not None
    stem = uuid.uuid4().hex
    path = storage_save_image(clean, folder="images", stem=stem)
    try:
        thumbnail_path = storage_save_image(thumbnail, folder="thumbs", stem=stem)
    except BaseException:
        storage_delete_quietly([path])
        raise
    return {
        "path": path,
        "thumbnail_path": thumbnail_path,
        "mime_type": clean.content_type,
        "width": clean.width,
        "height": clean.height,
        "duration_seconds": None,
        "size_bytes": len(clean.content),
        "sha256": hashlib.sha256(clean.content).hexdigest(),
    }


def _too_large(field: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"{field}: the video is larger than {limit // (1024 * 1024)} MB.", code="file_too_large")


def _store_video(upload: UploadedFile, field: str) -> dict[str, Any]:
    limit = settings.MEDIA_MAX_VIDEO_BYTES
    if upload.size is not None and upload.size > limit:
        raise _too_large(field, limit)
    # The real size, not the declared one. Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are temporary files;
    # from here on they are only read by seeking to box headers and in chunks, never whole into memory.
    upload.seek(0, 2)
    size = upload.tell()
    if size > limit:
        raise _too_large(field, limit)
    if size == 0:
        raise ValidationFailed.for_field(field, "The file is empty.", code="invalid_video")
    try:
        info = video_inspect(upload, size)
    except NotAVideo as exc:
        raise UnsupportedMediaType(f"{field}: only MP4 and QuickTime (.mov) videos are accepted ({exc}).") from exc
    except DamagedVideo as exc:
        raise ValidationFailed.for_field(
            field, f"The video is damaged or truncated: {exc}.", code="invalid_video"
        ) from exc
    # The stored file is a copy without the container's metadata (GPS position, device, dates: `remux.py`),
    # written to a temporary file and described again from what is stored.
    with tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as clean:
        try:
            video_strip_metadata(upload, size, clean)
            size = clean.tell()
            info = video_inspect(clean, size)
        except DamagedVideo as exc:
            raise ValidationFailed.for_field(
                field, f"The video's structure cannot be processed: {exc}.", code="invalid_video"
            ) from exc
        digest = hashlib.sha256()
        clean.seek(0)
        while chunk := clean.read(_CHUNK):
            digest.update(chunk)
        path = storage_save_stream(clean, folder="videos", extension=info.extension, content_type=info.mime_type)
    return {
        "path": path,
        "thumbnail_path": "",
        "mime_type": info.mime_type,
        "width": info.width,
        "height": info.height,
        "duration_seconds": info.duration_seconds,
        "size_bytes": size,
        "sha256": digest.hexdigest(),
    }


def media_delete_many(*, ids: Iterable[int]) -> None:
    """Delete these assets now; their files go after the surrounding transaction commits.

    The files are removed by the `post_delete` receiver in `signals.py`, so every way a row disappears
    (this function, the admin, the owner's account being deleted) cleans storage the same way, and a
    rolled-back deletion leaves the files in place. Unknown ids are ignored.
    """
    wanted = {int(i) for i in ids}
    if wanted:
        MediaAsset.objects.filter(id__in=wanted).delete()
