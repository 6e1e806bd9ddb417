"""Decompression bombs: frames, total pixels and decode memory are checked from the headers before decoding,
decoding runs on a bounded pool of workers, and a decode that is allowed stays within its memory estimate.

Memory is measured in a subprocess (`ru_maxrss`, which counts Pillow's C buffers that tracemalloc cannot see),
with the bomb files written by this process beforehand so that building them is not measured.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from PIL import Image

from modules.core.public import ApiError
from modules.media import images as media_images
from modules.media.geometry import DamagedImage, image_geometry
from modules.media.models import MediaAsset
from modules.media.services import media_upload
from modules.media.workers import DecodePool, MediaBusy, decode_pool
from tests.media import bombs
from tests.media.images import animated_bytes, image_bytes, upload

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def refused(content: bytes, user) -> ApiError:
    with pytest.raises(ApiError) as caught:
        media_upload(upload("bomb", content), owner_id=user.id, kind="image", field="images")
    assert not MediaAsset.objects.exists()
    return caught.value


# --- what the headers declare ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (bombs.gif(100), ("GIF", 1000, 1000, 100)),
        (bombs.webp(100), ("WEBP", 1000, 1000, 100)),
        (bombs.apng(100), ("PNG", 1000, 1000, 100)),
        (bombs.gif_growing_canvas(), ("GIF", 8000, 8000, 2)),
        (bombs.webp(1, (16, 16), canvas=(16000, 16000)), ("WEBP", 16000, 16000, 1)),
        (bombs.png((16000, 16000)), ("PNG", 16000, 16000, 1)),
        (image_bytes("JPEG", (640, 480)), ("JPEG", 640, 480, 1)),
        (image_bytes("WEBP", (64, 48)), ("WEBP", 64, 48, 1)),
        (animated_bytes("GIF"), ("GIF", 600, 300, 3)),
        (animated_bytes("WEBP"), ("WEBP", 600, 300, 3)),
    ],
    ids=[
        "gif 100 frames",
        "webp 100 frames",
        "apng 100 frames",
        "gif canvas grown by a later frame",
        "webp huge canvas",
        "png huge canvas",
        "jpeg",
        "webp still",
        "gif from pillow",
        "webp from pillow",
    ],
)
def test_the_geometry_is_read_from_the_headers(content, expected):
    geometry = image_geometry(content)
    assert (geometry.format, geometry.width, geometry.height, geometry.frames) == expected
    if geometry.frames == 100:
        assert geometry.durations == (40,) * 100


def test_the_geometry_agrees_with_pillow_on_ordinary_files():
    for content in (animated_bytes("GIF"), animated_bytes("WEBP"), bombs.apng(3, (40, 30)), bombs.gif(5, (64, 32))):
        image = Image.open(io.BytesIO(content))
        geometry = image_geometry(content)
        assert (geometry.width, geometry.height, geometry.frames) == (*image.size, getattr(image, "n_frames", 1))


@pytest.mark.parametrize(
    "content",
    [
        bombs.gif(2, (10, 10))[:-1].replace(b"\x21\xf9", b"\x99\xf9", 1),  # a stray byte between blocks
        b"\x89PNG\r\n\x1a\n" + b"\0\0\0\0IEND",  # no header chunk
        b"\xff\xd8\xff\xd9",  # a JPEG without a frame header
        b"GIF89a\x0a\x00",  # cut off in the screen descriptor
    ],
    ids=["gif stray byte", "png without IHDR", "jpeg without SOF", "truncated gif"],
)
def test_headers_that_cannot_be_followed_are_damaged(content):
    with pytest.raises(DamagedImage):
        image_geometry(content)


def test_non_images_have_no_geometry():
    assert image_geometry(b"#!/bin/sh\n") is None
    assert image_geometry(image_bytes("BMP")) is None


# --- refusals, before decoding ------------------------------------------------------------------------------


def test_too_many_frames_is_refused(user, settings):
    settings.MEDIA_MAX_IMAGE_FRAMES = 50
    for content in (bombs.gif(51, (100, 100)), bombs.webp(51, (100, 100)), bombs.apng(51, (100, 100))):
        error = refused(content, user)
        assert (error.status, error.code) == (413, "too_many_frames")
        assert "51 frames" in error.detail and "50 allowed" in error.detail


def test_too_many_pixels_in_all_frames_is_refused(user, settings):
    settings.MEDIA_MAX_IMAGE_TOTAL_PIXELS = 50_000_000
    for content in (bombs.gif(51), bombs.webp(51), bombs.apng(51)):  # 51 frames of 1 MP each
        error = refused(content, user)
        assert (error.status, error.code) == (413, "animation_too_large")


def test_decode_memory_over_the_limit_is_refused(user, settings):
    settings.MEDIA_MAX_DECODE_BYTES = 64 * MB
    content = bombs.gif(60)  # within frames and total pixels, but Pillow's GIF encoder would hold 60 MP
    assert media_images.decode_memory_estimate(image_geometry(content), 2048) > 64 * MB
    error = refused(content, user)
    assert (error.status, error.code) == (413, "image_too_large")
    assert "MB" in error.detail


def test_a_canvas_grown_by_a_later_frame_is_refused(user):
    error = refused(bombs.gif_growing_canvas(), user)  # the header says 100×100; a later frame is 8000×8000
    assert (error.status, error.code) == (413, "image_too_large")
    assert "8000×8000" in error.detail


@pytest.mark.parametrize(
    "content",
    [
        bombs.webp(1, (16, 16), canvas=(16000, 16000)),
        bombs.png((16000, 16000)),
        bombs.gif(1, (10, 10), canvas=(65535, 65535)),
    ],
    ids=["webp", "png", "gif"],
)
def test_a_huge_declared_canvas_is_refused(user, content):
    error = refused(content, user)
    assert (error.status, error.code) == (413, "image_too_large")


def test_limits_are_checked_before_any_decoding(user, settings, monkeypatch):
    settings.MEDIA_MAX_IMAGE_FRAMES = 10

    def never(*args, **kwargs):
        raise AssertionError("the image reached Pillow")

    monkeypatch.setattr(media_images.Image, "open", never)
    assert refused(bombs.gif(11, (50, 50)), user).code == "too_many_frames"


def test_an_animation_within_the_limits_stays_animated(user, media_root):
    data = media_upload(upload("a.gif", bombs.gif(20, (300, 200))), owner_id=user.id, kind="image", field="f")
    stored = Image.open(media_root / data.path)
    assert (stored.format, stored.size, stored.n_frames) == ("GIF", (300, 200), 20)
    assert stored.info["duration"] == 40 and stored.info["loop"] == 0
    data = media_upload(upload("a.webp", bombs.webp(20, (300, 200))), owner_id=user.id, kind="image", field="f")
    stored = Image.open(media_root / data.path)
    assert (stored.format, stored.size, stored.n_frames) == ("WEBP", (300, 200), 20)


def test_a_large_animation_is_bounded_frame_by_frame(user, media_root):
    data = media_upload(upload("a.webp", bombs.webp(4, (3000, 1500))), owner_id=user.id, kind="image", field="f")
    stored = Image.open(media_root / data.path)
    assert (stored.size, stored.n_frames) == ((2048, 1024), 4)


def test_an_animated_png_keeps_its_first_frame(user, media_root):
    data = media_upload(upload("a.png", bombs.apng(5, (120, 80))), owner_id=user.id, kind="image", field="f")
    stored = Image.open(media_root / data.path)
    assert (stored.format, stored.size, getattr(stored, "n_frames", 1)) == ("PNG", (120, 80), 1)


def test_gif_comments_do_not_survive(user, media_root):
    frames = [Image.new("RGB", (40, 30), c) for c in ("red", "blue")]
    output = io.BytesIO()
    frames[0].save(output, "GIF", save_all=True, append_images=frames[1:], comment=b"shot at 41.7N 44.8E")
    data = media_upload(upload("a.gif", output.getvalue()), owner_id=user.id, kind="image", field="f")
    assert b"41.7N" not in (media_root / data.path).read_bytes()


# --- the decode pool -----------------------------------------------------------------------------------------


def test_images_are_decoded_on_the_pool_not_in_the_request_thread(user, monkeypatch):
    seen = []
    original = media_images._reencode_still

    def spy(*args, **kwargs):
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    monkeypatch.setattr(media_images, "_reencode_still", spy)
    media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    assert len(seen) == 1 and seen[0].startswith("media-decode")


class Blocker:
    """Occupies workers of a pool until released."""

    def __init__(self, pool: DecodePool, count: int):
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.futures = [pool.submit(self._job) for _ in range(count)]
        for _ in range(count):
            assert self.started.acquire(timeout=30)

    def _job(self) -> str:
        self.started.release()
        assert self.release.wait(timeout=30)
        return "done"

    def finish(self) -> None:
        self.release.set()
        assert [f.result(timeout=30) for f in self.futures] == ["done"] * len(self.futures)


def test_a_full_pool_answers_503_with_retry_after(user, settings):
    settings.MEDIA_DECODE_WORKERS = 2
    settings.MEDIA_DECODE_WAIT_SECONDS = 0
    blocker = Blocker(decode_pool(), 2)
    try:
        with pytest.raises(MediaBusy) as caught:
            media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    finally:
        blocker.finish()
    error = caught.value
    assert (error.status, error.code, error.headers) == (503, "media_busy", {"Retry-After": "5"})
    assert not MediaAsset.objects.exists()
    media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")  # free again


def test_a_waiting_request_gets_the_next_free_worker():
    pool = DecodePool(workers=1, wait_seconds=30)
    try:
        blocker = Blocker(pool, 1)
        results = []
        waiting = threading.Thread(target=lambda: results.append(pool.run(lambda: "mine")))
        waiting.start()
        blocker.finish()
        waiting.join(timeout=30)
        assert results == ["mine"]
    finally:
        pool.shutdown()


def test_the_pool_never_runs_more_jobs_than_workers():
    pool = DecodePool(workers=2, wait_seconds=0)
    try:
        blocker = Blocker(pool, 2)
        with pytest.raises(MediaBusy):
            pool.submit(lambda: None)
        blocker.finish()
        assert pool.run(lambda: 42) == 42  # slots come back when jobs end
    finally:
        pool.shutdown()


def test_the_api_answers_503_json_with_retry_after(api, settings):
    settings.MEDIA_DECODE_WORKERS = 1
    settings.MEDIA_DECODE_WAIT_SECONDS = 0
    blocker = Blocker(decode_pool(), 1)
    try:
        response = api.request("POST", "/posts/", data={"text": "hi", "images": [upload("a.jpg", image_bytes())]})
    finally:
        blocker.finish()
    assert response.status == 503
    assert response.json()["code"] == "media_busy"
    assert response.headers["Retry-After"] == "5"


def test_the_api_answers_413_for_a_bomb(api):
    response = api.request(
        "POST", "/posts/", data={"text": "hi", "images": [upload("a.gif", bombs.gif_growing_canvas())]}
    )
    assert response.status == 413
    assert response.json()["code"] == "image_too_large"


# --- peak memory, measured in a subprocess --------------------------------------------------------------------

MEASURE = r"""
import ctypes, gc, json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "selflink.settings"
os.environ["SELFLINK_ENV"] = "test"
os.environ["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/unused"  # never connected to
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from modules.media.images import image_clean
from PIL import Image, GifImagePlugin, PngImagePlugin, WebPImagePlugin  # imported before measuring

def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(field + ":"))

results = []
libc = ctypes.CDLL(None)
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    gc.collect()
    libc.malloc_trim(0)  # give freed memory back, so that the next file's peak is its own
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset this process's peak (VmHWM) to its current size
    try:
        clean = image_clean(SimpleUploadedFile("x", data), field="f")
        outcome = [clean.format, clean.width, clean.height]
    except Exception as error:
        outcome = [type(error).__name__, getattr(error, "code", None)]
    del data
    results.append({"outcome": outcome, "growth": status("VmHWM") - before})
print(json.dumps(results))
"""


def peak_growth(tmp_path, named: dict[str, bytes]) -> dict[str, dict]:
    """Run image_clean on each file in a fresh interpreter: the outcome, and how far above the resident size
    before it the process's peak went (the peak is reset before each file)."""
    paths = []
    for name, content in named.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "MEDIA_"))}
    # glibc: large blocks always mapped on their own and returned when freed (no adaptive threshold that
    # would keep one file's buffers in the heap and hide the next file's peak).
    env.update(MALLOC_MMAP_THRESHOLD_="131072", MALLOC_TRIM_THRESHOLD_="131072")
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *paths], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(zip(named, json.loads(done.stdout.strip().splitlines()[-1]), strict=True))


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="reads the peak RSS from Linux's /proc")
def test_peak_memory_stays_bounded(tmp_path):
    """With the default limits: the reported attack (100 frames of 1 MP took 478 MB in daphne) and its WebP
    twin decode within their estimates, which are within MEDIA_MAX_DECODE_BYTES; bigger bombs are refused
    for next to nothing; large still pictures stay within their estimates too."""
    files = {
        "grown.gif": bombs.gif_growing_canvas(),
        "thousand.gif": bombs.gif(1000),
        "thousand.webp": bombs.webp(1000),
        "huge.webp": bombs.webp(1, (16, 16), canvas=(16000, 16000)),
        "huge.png": bombs.png((16000, 16000)),
        "reported.gif": bombs.gif(100),
        "reported.webp": bombs.webp(100),
        "photo.jpg": bombs.jpeg((7000, 5000)),
        "flat.png": bombs.png((6000, 4000)),
    }
    measured = peak_growth(tmp_path, files)
    for name in ("grown.gif", "thousand.gif", "thousand.webp", "huge.webp", "huge.png"):
        assert measured[name]["outcome"][0] == "PayloadTooLarge", (name, measured[name])
        assert measured[name]["growth"] < 8 * MB, (name, measured[name])
    expected = {
        "reported.gif": ["GIF", 1000, 1000],
        "reported.webp": ["WEBP", 1000, 1000],
        "photo.jpg": ["JPEG", 2048, 1463],
        "flat.png": ["PNG", 2048, 1365],
    }
    for name, outcome in expected.items():
        estimate = media_images.decode_memory_estimate(image_geometry(files[name]), 2048)
        assert measured[name]["outcome"] == outcome, (name, measured[name])
        assert measured[name]["growth"] <= estimate <= django_settings.MEDIA_MAX_DECODE_BYTES, (name, measured[name])
