"""Data the media module hands to other modules (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile


@dataclass(frozen=True)
class MediaData:
    id: int
    owner_id: int
    kind: str  # "image" | "video"
    path: str  # storage path of the stored (clean) file
    thumbnail_path: str  # storage path of the thumbnail ("" for videos: there is no decoder)
    mime_type: str  # image/jpeg, image/png, image/webp, image/gif, video/mp4, video/quicktime
    width: int | None
    height: int | None
    duration_seconds: float | None  # videos, from the container's mvhd box when present
    size_bytes: int


@dataclass(frozen=True)
class Upload:
    """One file of an upload set (`media_upload_set`)."""

    file: UploadedFile
    field: str  # the form field it came in: named in its errors
    kind: str | None = None  # "image" | "video" when the field says so; None: recognised by its content


@dataclass(frozen=True)
class UploadRefusal:
    """One way an upload set breaks the rule, in the words of the endpoint that refuses it (the error's field,
    message and code are part of that endpoint's API)."""

    field: str
    message: str
    code: str


@dataclass(frozen=True)
class UploadRefusals:
    """How an endpoint words each way an upload set breaks "up to N images or M videos, never both"."""

    mixed: UploadRefusal  # images and videos together
    too_many_images: UploadRefusal
    too_many_videos: UploadRefusal
    too_many_files: UploadRefusal | None = None  # when given, checked first: more files than any allowed set
