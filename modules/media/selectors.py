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


def media_grouped(*, links: Iterable[tuple[int, int]]) -> dict[int, list[MediaData]]:
    """Media joined to the rows that carry them: `links` are (row id, asset id) pairs in display order; the
    result maps each row id to its assets in that order (one query). Assets deleted meanwhile are left out."""
    links = list(links)
    assets = media_get_many(ids=[asset_id for _, asset_id in links])
    grouped: dict[int, list[MediaData]] = {}
    for row_id, asset_id in links:
        if asset_id in assets:
            grouped.setdefault(row_id, []).append(assets[asset_id])
    return grouped
