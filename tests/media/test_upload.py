"""media_upload, media_get_many and media_delete_many on local storage (a temporary MEDIA_ROOT)."""

from __future__ import annotations

import hashlib
import io
import logging
import tracemalloc

import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from PIL import Image

from modules.core.public import ApiError
from modules.media.models import MediaAsset
from modules.media.public import MediaData, media_delete_many, media_get_many
from modules.media.services import media_upload
from tests.factories import UserFactory
from tests.media.factories import MediaAssetFactory
from tests.media.images import animated_bytes, image_bytes, upload
from tests.media.videos import box, ftyp, mp4, quicktime, video_upload

pytestmark = pytest.mark.django_db


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def refused(upload_file, *, kind: str, user, field: str = "media") -> ApiError:
    with pytest.raises(ApiError) as caught:
        media_upload(upload_file, owner_id=user.id, kind=kind, field=field)
    assert not MediaAsset.objects.exists()
    return caught.value


# --- images --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mime", "extension"),
    [
        ("JPEG", "image/jpeg", "jpg"),
        ("PNG", "image/png", "png"),
        ("WEBP", "image/webp", "webp"),
        ("GIF", "image/gif", "gif"),
    ],
)
def test_images_are_accepted_stored_and_recorded(user, media_root, fmt, mime, extension):
    data = media_upload(upload(f"x.{extension}", image_bytes(fmt, (64, 48))), owner_id=user.id, kind="image", field="f")
    assert isinstance(data, MediaData)
    assert (data.kind, data.mime_type, data.owner_id) == ("image", mime, user.id)
    assert (data.width, data.height, data.duration_seconds) == (64, 48, None)
    assert data.path.startswith("images/") and data.path.endswith(f".{extension}")
    assert data.thumbnail_path.startswith("thumbs/")
    # The thumbnail shares the file's name, so an operator can match them.
    assert data.thumbnail_path.rsplit("/", 1)[1].split(".")[0] == data.path.rsplit("/", 1)[1].split(".")[0]
    stored = (media_root / data.path).read_bytes()
    assert data.size_bytes == len(stored)
    asset = MediaAsset.objects.get(id=data.id)
    assert asset.sha256 == hashlib.sha256(stored).hexdigest()
    assert Image.open(io.BytesIO(stored)).format == fmt
    assert (media_root / data.thumbnail_path).exists()


def test_the_content_decides_the_type_not_the_name_or_declared_type(user):
    data = media_upload(
        upload("holiday.jpg", image_bytes("PNG"), content_type="image/jpeg"), owner_id=user.id, kind="image", field="f"
    )
    assert data.mime_type == "image/png" and data.path.endswith(".png")


@pytest.mark.parametrize(
    ("size", "stored_size", "thumb_size"),
    [
        ((1600, 900), (1600, 900), (400, 225)),
        ((3000, 1500), (2048, 1024), (400, 200)),
        ((300, 900), (300, 900), (133, 400)),
        ((120, 80), (120, 80), (120, 80)),
    ],
    ids=["landscape", "bounded to 2048", "portrait", "small: never enlarged"],
)
def test_thumbnail_is_400_pixels_on_the_long_side(user, size, stored_size, thumb_size):
    data = media_upload(upload("a.jpg", image_bytes("JPEG", size)), owner_id=user.id, kind="image", field="f")
    assert (data.width, data.height) == stored_size
    assert Image.open(default_storage.open(data.path)).size == stored_size
    thumb = Image.open(default_storage.open(data.thumbnail_path))
    assert thumb.size == thumb_size and thumb.format == "JPEG"


@pytest.mark.parametrize(("fmt", "thumb_format"), [("GIF", "PNG"), ("WEBP", "WEBP")])
def test_animations_keep_their_frames_and_the_thumbnail_is_the_first_frame(user, fmt, thumb_format):
    data = media_upload(upload("anim", animated_bytes(fmt)), owner_id=user.id, kind="image", field="f")
    stored = Image.open(default_storage.open(data.path))
    assert stored.format == fmt and stored.n_frames == 3
    thumb = Image.open(default_storage.open(data.thumbnail_path))
    assert thumb.format == thumb_format and thumb.size == (400, 200)
    assert getattr(thumb, "n_frames", 1) == 1
    red, green, blue = thumb.convert("RGB").getpixel((200, 100))
    assert red > 200 and green < 60 and blue < 60  # the first frame is red


def test_exif_and_gps_are_stripped_and_orientation_applied(user):
    original = image_bytes("JPEG", (80, 40), gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    data = media_upload(upload("gps.jpg", original), owner_id=user.id, kind="image", field="f")
    for path in (data.path, data.thumbnail_path):
        image = Image.open(default_storage.open(path))
        exif = image.getexif()
        assert 0x8825 not in exif and 0x010F not in exif and 0x0112 not in exif
        assert b"SpyCam" not in default_storage.open(path).read()
    assert (data.width, data.height) == (40, 80)  # rotated upright before the metadata went


def test_truncated_image_is_invalid(user, media_root):
    content = image_bytes("JPEG", (400, 300), noise=True)
    error = refused(upload("cut.jpg", content[: len(content) // 2]), kind="image", user=user, field="photo")
    assert (error.status, error.code) == (422, "invalid_image")
    assert error.errors == {"photo": ["The image is damaged or truncated."]}
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "content",
    [b"#!/bin/sh\necho hi\n", image_bytes("BMP"), image_bytes("TIFF"), mp4()],
    ids=["text renamed .jpg", "bmp", "tiff", "a video"],
)
def test_non_images_are_unsupported(user, media_root, content):
    error = refused(upload("evil.jpg", content), kind="image", user=user)
    assert (error.status, error.code) == (415, "unsupported_media_type")
    assert stored_files(media_root) == []


def test_empty_image_is_invalid(user):
    error = refused(upload("empty.jpg", b""), kind="image", user=user)
    assert (error.status, error.code) == (422, "invalid_image")


def test_oversize_image_is_refused(user, settings):
    settings.MEDIA_MAX_IMAGE_BYTES = 2_000
    error = refused(upload("big.png", image_bytes("PNG", (300, 300), noise=True)), kind="image", user=user)
    assert (error.status, error.code) == (413, "file_too_large")


def test_pixel_bomb_is_refused_before_decoding(user, settings):
    settings.MEDIA_MAX_IMAGE_PIXELS = 100_000
    bomb = image_bytes("PNG", (2000, 2000), color="white")
    assert len(bomb) < 50_000
    error = refused(upload("bomb.png", bomb), kind="image", user=user)
    assert (error.status, error.code) == (413, "image_too_large")


# --- videos --------------------------------------------------------------------------------------------------


def test_mp4_without_metadata_is_accepted_and_stored_byte_for_byte(user, media_root):
    content = mp4(duration=4_500, timescale=1000, width=1920, height=1080)
    data = media_upload(video_upload("clip.mp4", content), owner_id=user.id, kind="video", field="f")
    assert (data.kind, data.mime_type, data.thumbnail_path) == ("video", "video/mp4", "")
    assert (data.width, data.height, data.duration_seconds) == (1920, 1080, 4.5)
    assert data.path.startswith("videos/") and data.path.endswith(".mp4")
    assert data.size_bytes == len(content)
    assert (media_root / data.path).read_bytes() == content
    assert MediaAsset.objects.get(id=data.id).sha256 == hashlib.sha256(content).hexdigest()


def test_quicktime_is_accepted_whatever_the_name_says(user):
    data = media_upload(
        video_upload("clip.mp4", quicktime(), content_type="video/mp4"), owner_id=user.id, kind="video", field="f"
    )
    assert data.mime_type == "video/quicktime" and data.path.endswith(".mov")
    mp4_named_mov = media_upload(
        video_upload("clip.mov", mp4(), content_type="video/quicktime"), owner_id=user.id, kind="video", field="f"
    )
    assert mp4_named_mov.mime_type == "video/mp4" and mp4_named_mov.path.endswith(".mp4")


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"this is a text file renamed to .mp4\n" * 4, 415, "unsupported_media_type"),
        (image_bytes("JPEG"), 415, "unsupported_media_type"),
        (mp4(major=b"3gp4", compatible=(b"3gp4",)), 415, "unsupported_media_type"),
        (ftyp() + box(b"mdat", b"\0" * 512), 422, "invalid_video"),
        (mp4(moov_first=False)[:-40], 422, "invalid_video"),
        (mp4() + b"\0\0\0\x20mo", 422, "invalid_video"),
        (mp4()[:10], 422, "invalid_video"),
        (ftyp() + box(b"moov", box(b"mvhd", b"\0" * 8)), 422, "invalid_video"),
        (b"", 422, "invalid_video"),
    ],
    ids=[
        "text renamed .mp4",
        "jpeg",
        "unknown brand",
        "no moov",
        "moov cut off",
        "truncated box header",
        "truncated ftyp",
        "truncated mvhd",
        "empty",
    ],
)
def test_bad_videos_are_refused(user, media_root, content, status, code):
    error = refused(video_upload("clip.mp4", content), kind="video", user=user, field="video")
    assert (error.status, error.code) == (status, code)
    if status == 422:
        assert list(error.errors) == ["video"]
    assert stored_files(media_root) == []


def test_oversize_video_is_refused(user, settings):
    settings.MEDIA_MAX_VIDEO_BYTES = 2048
    error = refused(video_upload("big.mp4", mp4(mdat=b"\0" * 4096)), kind="video", user=user)
    assert (error.status, error.code) == (413, "file_too_large")


def test_the_real_size_counts_not_the_declared_one(user, settings):
    settings.MEDIA_MAX_VIDEO_BYTES = 2048
    content = mp4(mdat=b"\0" * 4096)
    lying = InMemoryUploadedFile(io.BytesIO(content), "video", "small.mp4", "video/mp4", 100, None)
    error = refused(lying, kind="video", user=user)
    assert (error.status, error.code) == (413, "file_too_large")


def test_a_large_video_is_streamed_not_loaded_into_memory(user, media_root):
    mdat = b"\x5a" * (24 * 1024 * 1024)
    content = mp4(mdat=mdat, large_mdat=True)
    digest = hashlib.sha256(content).hexdigest()
    spooled = TemporaryUploadedFile("big.mp4", "video/mp4", len(content), None)
    spooled.write(content)
    spooled.seek(0)
    del content, mdat
    tracemalloc.start()
    try:
        data = media_upload(spooled, owner_id=user.id, kind="video", field="f")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        spooled.close()
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes: the upload was read into memory"
    assert MediaAsset.objects.get(id=data.id).sha256 == digest
    assert hashlib.sha256((media_root / data.path).read_bytes()).hexdigest() == digest


def test_kind_must_be_image_or_video(user):
    with pytest.raises(ValueError, match="unknown media kind"):
        media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="audio", field="f")


def test_files_are_removed_when_the_row_cannot_be_written(user, media_root, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("database said no")

    monkeypatch.setattr(MediaAsset.objects, "create", fail)
    with pytest.raises(RuntimeError):
        media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    with pytest.raises(RuntimeError):
        media_upload(video_upload("a.mp4", mp4()), owner_id=user.id, kind="video", field="f")
    assert stored_files(media_root) == []


# --- reads and deletes ---------------------------------------------------------------------------------------


def test_get_many_returns_known_ids_in_one_query(user, django_assert_num_queries):
    image = MediaAssetFactory(owner=user)
    video = MediaAssetFactory(video=True)
    with django_assert_num_queries(1):
        found = media_get_many(ids=[image.id, video.id, 999_999_999])
    assert set(found) == {image.id, video.id}
    assert found[video.id] == MediaData(
        id=video.id,
        owner_id=video.owner_id,
        kind="video",
        path=video.path,
        thumbnail_path="",
        mime_type="video/mp4",
        width=1280,
        height=720,
        duration_seconds=12.5,
        size_bytes=1_048_576,
    )
    with django_assert_num_queries(0):
        assert media_get_many(ids=[]) == {}
    assert media_get_many(ids=(i for i in [image.id])) == {image.id: found[image.id]}


def test_delete_many_deletes_rows_now_and_files_after_commit(user, media_root, django_capture_on_commit_callbacks):
    image = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    video = media_upload(video_upload("a.mp4", mp4()), owner_id=user.id, kind="video", field="f")
    kept = media_upload(upload("b.png", image_bytes("PNG")), owner_id=user.id, kind="image", field="f")
    paths = [image.path, image.thumbnail_path, video.path]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        media_delete_many(ids=[image.id, video.id, 123_456_789])
    assert set(MediaAsset.objects.values_list("id", flat=True)) == {kept.id}
    assert all(default_storage.exists(p) for p in paths), "files must survive until the deletion commits"
    assert callbacks
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(p) for p in paths)
    assert default_storage.exists(kept.path) and default_storage.exists(kept.thumbnail_path)


def test_delete_many_with_nothing_to_delete(django_assert_num_queries):
    with django_assert_num_queries(0):
        media_delete_many(ids=[])


def test_deleting_the_owner_removes_their_files(media_root, django_capture_on_commit_callbacks):
    owner = UserFactory()
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=owner.id, kind="image", field="f")
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()
    assert not MediaAsset.objects.exists()
    assert not default_storage.exists(data.path) and not default_storage.exists(data.thumbnail_path)


def test_a_failing_file_delete_is_logged_not_raised(user, monkeypatch, caplog, django_capture_on_commit_callbacks):
    asset = MediaAssetFactory(owner=user)

    def broken(path):
        raise OSError("storage unavailable")

    monkeypatch.setattr(storages["default"], "delete", broken)
    with (
        caplog.at_level(logging.ERROR, logger="modules.media.storage"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        media_delete_many(ids=[asset.id])
    assert not MediaAsset.objects.exists()
    assert asset.path in caplog.text and asset.thumbnail_path in caplog.text
