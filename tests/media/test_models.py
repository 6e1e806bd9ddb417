"""MediaAsset's invariants live in the database."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from modules.media.images import ACCEPTED_FORMATS
from modules.media.models import IMAGE_MIME_TYPES, VIDEO_MIME_TYPES, MediaAsset
from modules.media.videos import VIDEO_EXTENSIONS
from tests.media.factories import MediaAssetFactory

pytestmark = pytest.mark.django_db


def test_factory_makes_valid_rows():
    assert MediaAssetFactory().kind == "image"
    video = MediaAssetFactory(video=True)
    assert (video.kind, video.thumbnail_path, video.mime_type) == ("video", "", "video/mp4")


def test_known_types_follow_the_validators():
    assert set(IMAGE_MIME_TYPES) == set(ACCEPTED_FORMATS.values())
    assert set(VIDEO_MIME_TYPES) == set(VIDEO_EXTENSIONS) == {"video/mp4", "video/quicktime"}


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"kind": "audio"}, "media_asset_kind_known"),
        ({"mime_type": "image/bmp"}, "media_asset_mime_matches_kind"),
        ({"mime_type": "video/mp4"}, "media_asset_mime_matches_kind"),
        ({"size_bytes": 0}, "media_asset_size_positive"),
        ({"path": ""}, "media_asset_path_present"),
        ({"thumbnail_path": ""}, "media_asset_image_has_thumbnail"),
        ({"sha256": "not-a-digest"}, "media_asset_sha256_hex"),
        ({"width": None}, "media_asset_dimensions_pair"),
        ({"width": 0}, "media_asset_dimensions_pair"),
        ({"duration_seconds": -1.0}, "media_asset_duration_non_negative"),
    ],
)
def test_constraints(changes, constraint):
    asset = MediaAssetFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        MediaAsset.objects.filter(id=asset.id).update(**changes)


def test_paths_are_unique():
    asset = MediaAssetFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MediaAssetFactory(path=asset.path)
