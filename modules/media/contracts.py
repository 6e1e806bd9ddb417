"""Data the media module hands to other modules (never ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass


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
