"""The ISO BMFF container parser, on synthetic files (no database, no storage)."""

from __future__ import annotations

import io
import struct

import pytest

from modules.media import videos
from modules.media.videos import DamagedVideo, NotAVideo, parse_mvhd, parse_tkhd, video_inspect
from tests.media.videos import ROTATE_90, box, ftyp, mp4, mvhd, quicktime, tkhd, trak
from tests.profiles.images import image_bytes


def inspect(content: bytes):
    return video_inspect(io.BytesIO(content), len(content))


def test_mp4_is_recognised_with_duration_and_video_track_size():
    info = inspect(mp4(timescale=1000, duration=12_345, width=1280, height=720))
    assert info.mime_type == "video/mp4" and info.extension == "mp4"
    assert info.major_brand == "isom" and "avc1" in info.compatible_brands
    assert info.duration_seconds == pytest.approx(12.345)
    # The audio track (0×0, handler `soun`) comes first and is skipped.
    assert (info.width, info.height) == (1280, 720)


def test_quicktime_is_recognised():
    info = inspect(quicktime(duration=90_000, timescale=600, width=1920, height=1080))
    assert info.mime_type == "video/quicktime" and info.extension == "mov"
    assert info.duration_seconds == pytest.approx(150.0)
    assert (info.width, info.height) == (1920, 1080)


@pytest.mark.parametrize(
    "brand", [b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "]
)
def test_every_mp4_major_brand_is_accepted(brand):
    assert inspect(mp4(major=brand, compatible=())).mime_type == "video/mp4"


def test_a_compatible_brand_is_enough():
    assert inspect(mp4(major=b"XAVC", compatible=(b"XAVC", b"mp42"))).mime_type == "video/mp4"
    assert inspect(mp4(major=b"abcd", compatible=(b"qt  ",))).mime_type == "video/quicktime"


@pytest.mark.parametrize("brand", [b"3gp4", b"heic", b"mif1", b"M4A ", b"crx ", b"\0\0\0\0"])
def test_unknown_brands_are_not_videos(brand):
    with pytest.raises(NotAVideo, match="no MP4 or QuickTime brand"):
        inspect(mp4(major=brand, compatible=(brand,)))


@pytest.mark.parametrize(
    "content",
    [
        b"#!/bin/sh\necho this is not a video\n",
        b"",
        b"\0\0\0",
        image_bytes("JPEG"),
        b"RIFF\x24\0\0\0AVI LIST",
        b"\x1aE\xdf\xa3" + b"\0" * 40,  # Matroska/WebM
    ],
    ids=["text", "empty", "3 bytes", "jpeg", "avi", "webm"],
)
def test_files_without_ftyp_are_not_videos(content):
    with pytest.raises(NotAVideo, match="ftyp"):
        inspect(content)


def test_mvhd_version_0_and_1():
    v0 = mvhd(timescale=90_000, duration=45_000, version=0)[8:]
    assert parse_mvhd(v0) == pytest.approx(0.5)
    # Version 1 carries 64-bit durations: here more than 2**32 ticks.
    v1 = mvhd(timescale=1_000_000, duration=7_200_000_000, version=1)[8:]
    assert parse_mvhd(v1) == pytest.approx(7200.0)
    info = inspect(mp4(mvhd_version=1, timescale=48_000, duration=48_000 * 3 + 24_000))
    assert info.duration_seconds == pytest.approx(3.5)


@pytest.mark.parametrize(
    ("timescale", "duration", "version"),
    [(0, 1000, 0), (1000, 0xFFFFFFFF, 0), (1000, 0xFFFFFFFFFFFFFFFF, 1)],
    ids=["no timescale", "unknown v0", "unknown v1"],
)
def test_unknown_duration_is_none(timescale, duration, version):
    assert parse_mvhd(mvhd(timescale=timescale, duration=duration, version=version)[8:]) is None


def test_zero_duration_is_zero():
    assert inspect(mp4(duration=0)).duration_seconds == 0


def test_tkhd_version_0_and_1_fixed_point():
    assert parse_tkhd(tkhd(640, 360, version=0)[8:]) == (640, 360)
    assert parse_tkhd(tkhd(3840, 2160, version=1)[8:]) == (3840, 2160)
    assert parse_tkhd(tkhd(853.3333, 480)[8:]) == (853, 480)  # 16.16 fractions round
    assert parse_tkhd(tkhd(0, 0)[8:]) is None  # an audio track
    info = inspect(mp4(tkhd_version=1, width=720, height=1280))
    assert (info.width, info.height) == (720, 1280)


def test_a_quarter_turn_matrix_gives_the_displayed_size():
    info = inspect(mp4(width=1920, height=1080, matrix=ROTATE_90))
    assert (info.width, info.height) == (1080, 1920)


def test_without_a_video_handler_the_first_sized_track_is_used():
    content = ftyp() + box(b"moov", mvhd() + box(b"trak", tkhd(320, 240))) + box(b"mdat", b"x")
    info = inspect(content)
    assert (info.width, info.height) == (320, 240)


def test_a_movie_without_tracks_has_no_dimensions():
    info = inspect(ftyp() + box(b"moov", mvhd()) + box(b"mdat", b"x"))
    assert info.width is None and info.height is None and info.duration_seconds == pytest.approx(12.345)


def test_a_moov_without_mvhd_has_no_duration():
    info = inspect(ftyp() + box(b"moov", trak(640, 480)))
    assert info.duration_seconds is None and (info.width, info.height) == (640, 480)


def test_moov_after_mdat_64_bit_sizes_and_size_zero_are_understood():
    assert inspect(mp4(moov_first=False)).duration_seconds == pytest.approx(12.345)
    assert inspect(mp4(large_mdat=True)).width == 1280
    assert inspect(mp4(mdat_to_end=True, mdat=b"\1" * 1000)).height == 720
    assert inspect(ftyp() + box(b"moov", mvhd(), large=True)).duration_seconds == pytest.approx(12.345)


def test_a_file_without_moov_is_damaged():
    with pytest.raises(DamagedVideo, match="no moov box"):
        inspect(ftyp() + box(b"mdat", b"\0" * 100))
    with pytest.raises(DamagedVideo, match="no moov box"):
        inspect(ftyp())


def test_a_moov_cut_off_is_damaged():
    content = mp4(moov_first=False)
    with pytest.raises(DamagedVideo, match="truncated"):
        inspect(content[:-20])


def test_a_cut_in_the_middle_of_mdat_is_damaged():
    content = mp4(moov_first=True, mdat=b"\0" * 5000)
    with pytest.raises(DamagedVideo, match=r"'mdat'.*truncated"):
        inspect(content[:-100])


@pytest.mark.parametrize("tail", [b"\0", b"\0\0\0\x10", b"\0\0\0\x10fre"], ids=["1 byte", "size only", "7 bytes"])
def test_a_truncated_box_header_is_damaged(tail):
    with pytest.raises(DamagedVideo, match="truncated box header"):
        inspect(mp4() + tail)


def test_a_truncated_64_bit_header_is_damaged():
    with pytest.raises(DamagedVideo, match="truncated 64-bit box header"):
        inspect(mp4() + struct.pack(">I4s", 1, b"mdat") + b"\0\0\0")


@pytest.mark.parametrize(
    "bad_box",
    [struct.pack(">I4s", 4, b"free"), struct.pack(">I4sQ", 1, b"free", 8)],
    ids=["size below 8", "largesize below 16"],
)
def test_impossible_box_sizes_are_damaged(bad_box):
    with pytest.raises(DamagedVideo, match="declares"):
        inspect(mp4() + bad_box + b"\0" * 16)


def test_a_child_box_running_past_its_parent_is_damaged():
    broken_trak = struct.pack(">I4s", 16, b"trak") + struct.pack(">I4s", 500, b"tkhd")
    with pytest.raises(DamagedVideo, match=r"'tkhd' at offset \d+ declares 500 bytes"):
        inspect(ftyp() + box(b"moov", mvhd() + broken_trak))


def test_truncated_or_unknown_version_mvhd_and_tkhd_are_damaged():
    with pytest.raises(DamagedVideo, match="mvhd box is truncated"):
        inspect(ftyp() + box(b"moov", box(b"mvhd", b"\0" * 12)))
    with pytest.raises(DamagedVideo, match="unknown mvhd version"):
        inspect(ftyp() + box(b"moov", box(b"mvhd", b"\x02" + b"\0" * 40)))
    with pytest.raises(DamagedVideo, match="mvhd box is empty"):
        inspect(ftyp() + box(b"moov", box(b"mvhd")))
    with pytest.raises(DamagedVideo, match="tkhd box is truncated"):
        inspect(ftyp() + box(b"moov", mvhd() + box(b"trak", box(b"tkhd", tkhd(640, 480)[8:60]))))
    with pytest.raises(DamagedVideo, match="unknown tkhd version"):
        inspect(ftyp() + box(b"moov", mvhd() + box(b"trak", box(b"tkhd", b"\x07" + b"\0" * 90))))


def test_a_too_short_or_huge_ftyp_is_damaged():
    with pytest.raises(DamagedVideo, match="too short"):
        inspect(box(b"ftyp", b"isom") + box(b"moov", mvhd()))
    with pytest.raises(DamagedVideo, match="ftyp box declares"):
        inspect(box(b"ftyp", b"isom\0\0\0\0" + b"mp42" * 2000) + box(b"moov", mvhd()))
    with pytest.raises(DamagedVideo, match="truncated"):
        inspect(mp4()[:12])  # the ftyp box itself is cut


def test_box_count_is_bounded(monkeypatch):
    monkeypatch.setattr(videos, "MAX_BOXES", 50)
    with pytest.raises(DamagedVideo, match="more than 50 boxes"):
        inspect(mp4() + box(b"free") * 100)


class CountingReader(io.BytesIO):
    def __init__(self, content: bytes):
        super().__init__(content)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_the_parser_seeks_past_media_data_instead_of_reading_it():
    content = mp4(mdat=b"\0" * (8 * 1024 * 1024), large_mdat=True)
    reader = CountingReader(content)
    info = video_inspect(reader, len(content))
    assert info.width == 1280
    assert reader.bytes_read < 2048
