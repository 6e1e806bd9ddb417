"""Reads of uploaded media."""

from __future__ import annotations

from collections.abc import Iterable

from modules.media.contracts import MediaData
from modules.media.models import MediaAsset


def media_data(asset: MediaAsset) -> MediaData:
    return MediaData(
        id=asset.id,
        owner_id=asset.owner_id,
        kind=asset.kind,
        path=asset.path,
        thumbnail_path=asset.thumbnail_path,
        mime_type=asset.mime_type,
        width=asset.width,
        height=asset.height,
        duration_seconds=asset.duration_seconds,
        size_bytes=asset.size_bytes,
    )


def media_get_many(*, ids: Iterable[int]) -> dict[int, MediaData]:
    """The assets with these ids, by id; unknown ids are simply absent (one query, none for no ids)."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return {}
    return {asset.id: media_data(asset) for asset in MediaAsset.objects.filter(id__in=wanted)}
