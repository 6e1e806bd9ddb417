"""Video metadata removal (`remux.py`) on a phone-like file built here: the location and every other piece of
metadata are gone, and the file still plays structurally (same tracks, durations, orientation, and every
sample's bytes where its sample table says they are)."""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass

import pytest

from modules.media.models import MediaAsset
from modules.media.remux import video_strip_metadata
from modules.media.services import media_upload
from modules.media.videos import DamagedVideo, video_inspect
from tests.media.videos import (
    CREATED,
    IDENTITY,
    LOCATION,
    ROTATE_90,
    XMP,
    box,
    camera_video,
    ftyp,
    mp4,
    mvhd,
    video_upload,
)

# --- an independent reader for the checks (it shares no code with remux.py) ------------------------------------


def boxes(data: bytes, start: int = 0, end: int | None = None):
    pos, end = start, len(data) if end is None else end
    while pos < end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        assert size >= header and pos + size <= end, f"{kind!r} at {pos} does not fit"
        yield kind, pos, pos + header, pos + size
        pos += size


def child(data: bytes, parent: tuple, *path: bytes):
    _, _, start, end = parent
    for found in boxes(data, start, end):
        if found[0] == path[0]:
            return found if len(path) == 1 else child(data, found, *path[1:])
    return None


def payload(data: bytes, found) -> bytes:
    return data[found[2] : found[3]]


@dataclass
class Track:
    handler: bytes
    track_id: int
    matrix: tuple[int, ...]
    times: tuple[int, ...]  # creation/modification of tkhd and mdhd
    duration: int
    samples: list[bytes]


def tracks_of(data: bytes) -> tuple[list[Track], tuple[int, int], int]:
    """The tracks with their samples read through stsc/stsz/stco|co64, mvhd's times, and its duration."""
    moov = next(b for b in boxes(data) if b[0] == b"moov")
    mvhd_payload = payload(data, child(data, moov, b"mvhd"))
    found = []
    for trak in (b for b in boxes(data, moov[2], moov[3]) if b[0] == b"trak"):
        tkhd = payload(data, child(data, trak, b"tkhd"))
        mdhd = payload(data, child(data, trak, b"mdia", b"mdhd"))
        handler = payload(data, child(data, trak, b"mdia", b"hdlr"))[8:12]
        stbl = child(data, trak, b"mdia", b"minf", b"stbl")
        stsz = payload(data, child(data, stbl, b"stsz"))
        count = struct.unpack_from(">I", stsz, 8)[0]
        sizes = struct.unpack_from(f">{count}I", stsz, 12)
        stsc = payload(data, child(data, stbl, b"stsc"))
        runs = [struct.unpack_from(">III", stsc, 8 + 12 * i) for i in range(struct.unpack_from(">I", stsc, 4)[0])]
        co64 = child(data, stbl, b"co64")
        if co64:
            table = payload(data, co64)
            offsets = struct.unpack_from(f">{struct.unpack_from('>I', table, 4)[0]}Q", table, 8)
        else:
            table = payload(data, child(data, stbl, b"stco"))
            offsets = struct.unpack_from(f">{struct.unpack_from('>I', table, 4)[0]}I", table, 8)
        samples, index = [], 0
        for number, offset in enumerate(offsets, start=1):
            per_chunk = next(r[1] for r in reversed(runs) if r[0] <= number)
            for size in sizes[index : index + per_chunk]:
                samples.append(data[offset : offset + size])
                offset += size
            index += per_chunk
        found.append(
            Track(
                handler=handler,
                track_id=struct.unpack_from(">I", tkhd, 12)[0],
                matrix=struct.unpack_from(">9i", tkhd, 40),
                times=struct.unpack_from(">II", tkhd, 4) + struct.unpack_from(">II", mdhd, 4),
                duration=struct.unpack_from(">I", mdhd, 16)[0],
                samples=samples,
            )
        )
    return found, struct.unpack_from(">II", mvhd_payload, 4), struct.unpack_from(">I", mvhd_payload, 16)[0]


def strip(content: bytes) -> bytes:
    out = io.BytesIO()
    report = video_strip_metadata(io.BytesIO(content), len(content), out)
    assert report.size == len(out.getvalue())
    return out.getvalue()


def box_types(data: bytes, start: int = 0, end: int | None = None) -> set[bytes]:
    """Every box type in the tree (descending into the containers a player reads)."""
    found = set()
    for kind, _, inner, stop in boxes(data, start, end):
        found.add(kind)
        if kind in {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta", b"tref"}:
            found |= box_types(data, inner, stop)
    return found


VARIANTS = [
    {"moov_first": True},
    {"moov_first": False},
    {"moov_first": True, "co64": True},
    {"moov_first": False, "co64": True, "large_mdat": True},
]
VARIANT_IDS = ["moov first", "moov last", "co64", "moov last, co64, 64-bit mdat"]


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_the_location_and_all_metadata_are_gone(variant):
    original, _ = camera_video(**variant)
    assert original.count(LOCATION) >= 6 and XMP in original and b"SpyPhone" in original  # the fixture has them
    clean = strip(original)
    for secret in (LOCATION, b"41.71", b"xmpmeta", b"SpyPhone", b"com.apple.quicktime", b"2026-01-02"):
        assert secret not in clean, secret
    types = box_types(clean)
    for kind in (b"udta", b"meta", b"uuid", b"free", b"wide", b"\xa9xyz", b"XMP_", b"keys", b"ilst"):
        assert kind not in types, kind
    assert [b[0] for b in boxes(clean)] == (
        [b"ftyp", b"moov", b"mdat"] if variant["moov_first"] else [b"ftyp", b"mdat", b"moov"]
    )


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_the_file_still_plays_structurally(variant):
    original, built = camera_video(**variant)
    before, _, duration_before = tracks_of(original)
    assert [t.samples for t in before] == [t.samples for t in built]  # the reader agrees with the builder
    clean = strip(original)
    after, movie_times, duration_after = tracks_of(clean)
    # Video and audio stay, with every sample's bytes where the tables say; the GPS track goes.
    assert [t.handler for t in after] == [b"vide", b"soun"]
    for kept, old in zip(after, before[:2], strict=True):
        assert kept.samples == old.samples
        assert (kept.track_id, kept.duration, kept.matrix) == (old.track_id, old.duration, old.matrix)
    assert after[0].matrix == ROTATE_90 and after[1].matrix == IDENTITY  # orientation kept
    assert duration_after == duration_before
    # When it was shot goes as well.
    assert movie_times == (0, 0) and all(t.times == (0, 0, 0, 0) for t in after)
    assert all(t.times == (CREATED,) * 4 for t in before)
    # The container parser reads it as before.
    info_before = video_inspect(io.BytesIO(original), len(original))
    info_after = video_inspect(io.BytesIO(clean), len(clean))
    assert (info_after.width, info_after.height, info_after.duration_seconds) == (1080, 1920, 12.0)
    assert (info_after.width, info_after.height, info_after.duration_seconds, info_after.mime_type) == (
        info_before.width,
        info_before.height,
        info_before.duration_seconds,
        info_before.mime_type,
    )


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
def test_the_gps_track_samples_are_zeroed_not_left_behind(variant):
    original, built = camera_video(**variant)
    gps = next(t for t in built if t.handler == b"meta")
    clean = strip(original)
    assert all(sample not in clean for sample in gps.samples)
    mdat = next(b for b in boxes(clean) if b[0] == b"mdat")
    assert mdat[3] - mdat[2] == sum(len(s) for t in built for s in t.samples)  # media data keeps its size


def test_references_to_the_dropped_track_are_removed():
    clean = strip(camera_video()[0])
    moov = next(b for b in boxes(clean) if b[0] == b"moov")
    video_trak = next(b for b in boxes(clean, moov[2], moov[3]) if b[0] == b"trak")
    tref = child(clean, video_trak, b"tref")
    assert [b[0] for b in boxes(clean, tref[2], tref[3])] == [b"tmcd"]  # cdsc → the GPS track is gone


def test_stripping_twice_changes_nothing_more():
    once = strip(camera_video(moov_first=False)[0])
    assert strip(once) == once


def test_a_file_without_metadata_is_unchanged():
    for content in (mp4(), mp4(moov_first=False), mp4(large_mdat=True), mp4(mdat_to_end=True)):
        assert strip(content) == content


def test_a_chunk_outside_the_media_data_is_refused():
    original, _ = camera_video(moov_first=True)
    # Point the first video chunk into the XMP uuid box, which goes.
    at = original.index(b"stco") + 12  # type, version/flags, count: the first offset
    tampered = original[:at] + struct.pack(">I", original.index(XMP)) + original[at + 4 :]
    with pytest.raises(DamagedVideo, match="outside the media data"):
        strip(tampered)


def test_a_file_of_only_metadata_tracks_is_refused():
    content, _ = camera_video()
    clean_tracks = content.replace(b"vide", b"text").replace(b"soun", b"subt")
    with pytest.raises(DamagedVideo, match="no audio or video track"):
        strip(clean_tracks)


def test_fragmented_files_keep_their_fragments_in_place():
    """A fragmented file (moov with mvex, then moof/mdat pairs): metadata before the fragments is removed,
    after the first fragment it is blanked (same size), and an absolute tfhd base offset follows the data."""
    trex = box(b"mvex", box(b"trex", b"\0" * 24))
    head = ftyp() + box(b"moov", mvhd() + box(b"trak", box(b"tkhd", b"\0" * 84)) + trex + box(b"udta", LOCATION))
    data = b"\x11" * 64

    # tfhd with base-data-offset-present (flag 1): version/flags, track id, 64-bit absolute offset.
    def fragment(base: int) -> bytes:
        tfhd = box(b"tfhd", struct.pack(">IIQ", 0x000001, 1, base))
        return box(b"moof", box(b"mfhd", b"\0" * 8) + box(b"traf", tfhd))

    junk = box(b"uuid", b"\0" * 16 + XMP)
    moof_size = len(fragment(0))
    content = (
        head + junk + fragment(len(head) + len(junk) + moof_size + 8) + box(b"mdat", data) + box(b"udta", LOCATION)
    )
    clean = strip(content)
    assert LOCATION not in clean and XMP not in clean
    kinds = [b[0] for b in boxes(clean)]
    assert kinds == [b"ftyp", b"moov", b"moof", b"mdat", b"free"]  # the trailing udta became padding
    moof = next(b for b in boxes(clean) if b[0] == b"moof")
    tfhd = child(clean, moof, b"traf", b"tfhd")
    base = struct.unpack_from(">Q", clean, tfhd[2] + 8)[0]
    assert clean[base : base + 64] == data


# --- uploads --------------------------------------------------------------------------------------------------


def test_an_uploaded_video_is_stored_without_its_location(user, media_root):
    original, built = camera_video(moov_first=False)
    data = media_upload(
        video_upload("trip.mov", original, "video/quicktime"), owner_id=user.id, kind="video", field="f"
    )
    stored = (media_root / data.path).read_bytes()
    assert LOCATION not in stored and b"SpyPhone" not in stored and XMP not in stored
    assert data.size_bytes == len(stored) < len(original)
    assert MediaAsset.objects.get(id=data.id).sha256 == hashlib.sha256(stored).hexdigest()
    assert (data.width, data.height, data.duration_seconds, data.mime_type) == (1080, 1920, 12.0, "video/quicktime")
    kept, _, _ = tracks_of(stored)
    assert [t.samples for t in kept] == [t.samples for t in built[:2]]


def test_an_upload_whose_structure_cannot_be_rewritten_is_refused(user, media_root):
    original, _ = camera_video(moov_first=True)
    at = original.index(b"stco") + 12  # type, version/flags, count: the first offset
    tampered = original[:at] + struct.pack(">I", original.index(XMP)) + original[at + 4 :]
    with pytest.raises(Exception) as caught:
        media_upload(video_upload("x.mp4", tampered), owner_id=user.id, kind="video", field="video")
    assert (caught.value.status, caught.value.code) == (422, "invalid_video")
    assert not MediaAsset.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*")) if media_root.exists() else True


def test_the_moov_is_a_bounded_read(monkeypatch):
    from modules.media import remux

    monkeypatch.setattr(remux, "MAX_MOOV_BYTES", 100)
    with pytest.raises(DamagedVideo, match="moov box has"):
        strip(ftyp() + box(b"moov", mvhd() + b"\0" * 200) + box(b"mdat", b"x"))
