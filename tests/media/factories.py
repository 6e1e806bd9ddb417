"""factory-boy factories for the media module (rows only: no file is written)."""

from __future__ import annotations

import hashlib

import factory
from factory.django import DjangoModelFactory

from modules.media.models import MediaAsset
from tests.factories import UserFactory


class MediaAssetFactory(DjangoModelFactory):
    class Meta:
        model = MediaAsset

    class Params:
        video = factory.Trait(
            kind="video",
            mime_type="video/mp4",
            path=factory.Sequence(lambda n: f"videos/2026/01/{n:032x}.mp4"),
            thumbnail_path="",
            width=1280,
            height=720,
            duration_seconds=12.5,
            size_bytes=1_048_576,
        )

    owner = factory.SubFactory(UserFactory)
    kind = "image"
    mime_type = "image/jpeg"
    path = factory.Sequence(lambda n: f"images/2026/01/{n:032x}.jpg")
    thumbnail_path = factory.LazyAttribute(lambda o: o.path.replace("images/", "thumbs/", 1) if o.path else "")
    width = 640
    height = 480
    duration_seconds = None
    size_bytes = 20_480
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.path.encode()).hexdigest())
