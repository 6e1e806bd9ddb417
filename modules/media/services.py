"""Writes: uploads become stored files plus a `MediaAsset` row; deletions remove both."""

from __future__ import annotations

import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from modules.core.public import PayloadTooLarge, ValidationFailed
from modules.media.contracts import MediaData, Upload, UploadRefusal, UploadRefusals
from modules.media.images import UnsupportedMediaType, image_clean, image_process
from modules.media.models import MediaAsset, MediaKind
from modules.media.remux import video_strip_metadata
from modules.media.selectors import media_data
from modules.media.storage import (
    storage_copy,
    storage_delete,
    storage_delete_quietly,
    storage_is_private,
    storage_moved_name,
    storage_save_image,
    storage_save_stream,
)
from modules.media.videos import DamagedVideo, NotAVideo, is_video_container, video_inspect

logger = logging.getLogger(__name__)

IMAGE_MAX_SIDE = 2048  # stored images are bounded to this many pixels on their long side
THUMBNAIL_SIDE = 400  # thumbnails: this many pixels on the long side (never enlarged)
_CHUNK = 1024 * 1024


def media_upload(upload: UploadedFile, *, owner_id: int, kind: str, field: str, private: bool = False) -> MediaData:
    """Validate an upload by its content, store it (and, for images, a thumbnail) and record it.

    `kind` is "image" or "video" (anything else is a programming error: ValueError). The file name and the
    declared content type are never trusted. `private` stores it in the private area, whose URLs are signed
    and expire (DM attachments, media of followers-only posts and of private accounts; see `storage.py`).
    Raises 413 `file_too_large`/`image_too_large`/`too_many_frames`/`animation_too_large`,
    415 `unsupported_media_type`, 422 `invalid_image`/`invalid_video` (with `errors[field]` on 422),
    503 `media_busy`. Stored files whose row cannot be written are deleted again.
    """
    if kind not in MediaKind.values:
        raise ValueError(f"unknown media kind {kind!r}; expected one of {MediaKind.values}")
    store = _store_image if kind == MediaKind.IMAGE else _store_video
    stored = store(upload, field, private)
    try:
        asset = MediaAsset.objects.create(owner_id=owner_id, kind=kind, **stored)
    except BaseException:
        storage_delete_quietly([stored["path"], stored["thumbnail_path"]])
        raise
    return media_data(asset)


def _kind_of(upload: Upload) -> str:
    """The kind the upload's field says, else its content's: a video container starts with an `ftyp` box, and
    anything else is taken for an image. A wrong guess is refused by the validation of that kind."""
    if upload.kind is not None:
        return upload.kind
    return MediaKind.VIDEO if is_video_container(upload.file) else MediaKind.IMAGE


def _refusal(kinds: list[str], refusals: UploadRefusals, max_images: int, max_videos: int) -> UploadRefusal | None:
    """Which way (if any) the set breaks the rule, in a fixed order so each endpoint keeps its answer."""
    images, videos = kinds.count(MediaKind.IMAGE), kinds.count(MediaKind.VIDEO)
    if refusals.too_many_files is not None and len(kinds) > max(max_images, max_videos):
        return refusals.too_many_files
    if images and videos:
        return refusals.mixed
    if images > max_images:
        return refusals.too_many_images
    if videos > max_videos:
        return refusals.too_many_videos
    return None


@contextmanager
def media_upload_set(
    uploads: Iterable[Upload],
    *,
    owner_id: int,
    private: bool,
    refusals: UploadRefusals,
    max_images: int = 4,
    max_videos: int = 1,
) -> Iterator[list[MediaData]]:
    """The attachments of one post, comment or message: up to `max_images` images or up to `max_videos` videos,
    never both. Each file's kind is its field's, or recognised by content (`Upload.kind`); a set that breaks
    the rule is a 422 worded by `refusals`, before any file is stored. Then every file is validated and stored
    (`media_upload`) and the stored assets are yielded, in order:

        with media_upload_set(uploads, owner_id=…, private=…, refusals=…) as media:
            with transaction.atomic():
                …  # link `media` to the new row

    Whatever fails, a later file or the caller's block, everything the set stored is deleted again before the
    error goes on: nothing is left without a row pointing at it.
    """
    uploads = list(uploads)
    kinds = [_kind_of(upload) for upload in uploads]
    refusal = _refusal(kinds, refusals, max_images, max_videos)
    if refusal is not None:
        raise ValidationFailed.for_field(refusal.field, refusal.message, code=refusal.code)
    stored: list[MediaData] = []
    try:
        for upload, kind in zip(uploads, kinds, strict=True):
            stored.append(media_upload(upload.file, owner_id=owner_id, kind=kind, field=upload.field, private=private))
        yield stored
    except BaseException:
        media_delete_many(ids=[m.id for m in stored])
        raise


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


def _store_image(upload: UploadedFile, field: str, private: bool) -> dict[str, Any]:
    upload.seek(0)
    clean, thumbnail = image_process(upload, field=field, max_side=IMAGE_MAX_SIDE, thumbnail_side=THUMBNAIL_SIDE)
    assert thumbnail is not None
    stem = uuid.uuid4().hex
    path = storage_save_image(clean, folder="images", stem=stem, private=private)
    try:
        thumbnail_path = storage_save_image(thumbnail, folder="thumbs", stem=stem, private=private)
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


def _store_video(upload: UploadedFile, field: str, private: bool) -> dict[str, Any]:
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
        path = storage_save_stream(
            clean, folder="videos", extension=info.extension, content_type=info.mime_type, private=private
        )
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


def media_set_private(*, ids: Iterable[int], private: bool) -> None:
    """Move these assets' files into the private area (or back to the public one) once the surrounding
    transaction commits: when a post's audience narrows, the public URLs handed out before stop working (404),
    and from then on only signed, expiring ones are given; when it widens, its media become cacheable again.

    Each asset is copied to its new name (inside the bucket on S3, a hard link on local disk), its row is
    switched only if it still points at the old name, then the old file is deleted. A failure leaves that
    asset where it was and is logged; unknown ids and assets already in place are skipped.
    """
    wanted = {int(i) for i in ids}
    if wanted:
        transaction.on_commit(partial(_move_assets, wanted, private))


def _move_assets(ids: set[int], private: bool) -> None:
    for asset in MediaAsset.objects.filter(id__in=ids).order_by("id"):
        if storage_is_private(asset.path) == private:
            continue
        old = [p for p in (asset.path, asset.thumbnail_path) if p]
        new = {p: storage_moved_name(p, private=private) for p in old}
        copied: list[str] = []
        try:
            for path in old:
                storage_copy(path, new[path])
                copied.append(new[path])
            switched = MediaAsset.objects.filter(id=asset.id, path=asset.path).update(
                path=new[asset.path], thumbnail_path=new.get(asset.thumbnail_path, "")
            )
        except Exception:
            logger.exception(
                "media: could not move asset %s to the %s area", asset.id, "private" if private else "public"
            )
            storage_delete_quietly(copied)
            continue
        storage_delete_quietly(old if switched else copied)  # deleted or moved meanwhile: drop the copies
