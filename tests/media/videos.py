"""Small synthetic MP4/QuickTime files, built box by box, for the container parser and upload tests.

They carry no real picture (there is no decoder on either side): only the boxes the parser reads
(`ftyp`, `moov` with `mvhd` and `trak`/`tkhd`/`mdia`/`hdlr`) and an `mdat` of filler bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

IDENTITY = (0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)
ROTATE_90 = (0, 0x00010000, 0, -0x00010000, 0, 0, 0, 0, 0x40000000)


def box(kind: bytes, payload: bytes = b"", *, large: bool = False, to_end: bool = False) -> bytes:
    """One box: 32-bit size, or size 1 plus a 64-bit `largesize`, or size 0 ("to the end of the file")."""
    assert len(kind) == 4
    if to_end:
        return struct.pack(">I4s", 0, kind) + payload
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def ftyp(major: bytes = b"isom", compatible: tuple[bytes, ...] = (b"isom", b"iso2", b"avc1", b"mp41")) -> bytes:
    return box(b"ftyp", major + struct.pack(">I", 512) + b"".join(compatible))


def mvhd(*, timescale: int = 1000, duration: int = 12_345, version: int = 0) -> bytes:
    if version == 0:
        head = struct.pack(">B3xIIII", 0, 0, 0, timescale, duration)
    else:
        head = struct.pack(">B3xQQIQ", 1, 0, 0, timescale, duration)
    rest = struct.pack(">IH10x9i24xI", 0x00010000, 0x0100, *IDENTITY, 2)
    return box(b"mvhd", head + rest)


def tkhd(width: float, height: float, *, version: int = 0, matrix: tuple[int, ...] = IDENTITY) -> bytes:
    if version == 0:
        head = struct.pack(">B3xIIIII", 0, 0, 0, 1, 0, 1000)
    else:
        head = struct.pack(">B3xQQIIQ", 1, 0, 0, 1, 0, 1000)
    rest = struct.pack(">8xhhh2x9iII", 0, 0, 0, *matrix, round(width * 65536), round(height * 65536))
    return box(b"tkhd", head + rest)


def hdlr(handler: bytes = b"vide") -> bytes:
    return box(b"hdlr", struct.pack(">I4s4s12x", 0, b"\0\0\0\0", handler) + b"VideoHandler\0")


def trak(width: float, height: float, *, handler: bytes = b"vide", version: int = 0, matrix=IDENTITY) -> bytes:
    return box(b"trak", tkhd(width, height, version=version, matrix=matrix) + box(b"mdia", hdlr(handler)))


def mp4(
    *,
    major: bytes = b"isom",
    compatible: tuple[bytes, ...] = (b"isom", b"iso2", b"avc1", b"mp41"),
    timescale: int = 1000,
    duration: int = 12_345,
    mvhd_version: int = 0,
    width: float = 1280,
    height: float = 720,
    tkhd_version: int = 0,
    matrix: tuple[int, ...] = IDENTITY,
    audio_first: bool = True,
    moov_first: bool = True,
    mdat: bytes = b"\0" * 256,
    large_mdat: bool = False,
    mdat_to_end: bool = False,
) -> bytes:
    """A structurally valid file: ftyp, moov (mvhd, an audio trak, a video trak), mdat."""
    video = trak(width, height, version=tkhd_version, matrix=matrix)
    audio = trak(0, 0, handler=b"soun")
    tracks = audio + video if audio_first else video + audio
    movie = box(b"moov", mvhd(timescale=timescale, duration=duration, version=mvhd_version) + tracks)
    media = box(b"mdat", mdat, large=large_mdat, to_end=mdat_to_end)
    head = ftyp(major, compatible)
    if mdat_to_end:
        return head + movie + media
    return head + movie + media if moov_first else head + media + movie


def quicktime(**kwargs) -> bytes:
    return mp4(major=b"qt  ", compatible=(b"qt  ",), **kwargs)


def video_upload(name: str, content: bytes, content_type: str = "video/mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- a camera's file: real sample tables, interleaved media, and metadata everywhere ---------------------------

LOCATION = b"+41.7151+044.8271/"  # ISO 6709, as phones write it
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>41,42.9N</exif:GPSLatitude></x:xmpmeta>'
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
CREATED = 3_800_000_000  # seconds since 1904: when the phone says the video was shot


def full_box(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return box(kind, struct.pack(">I", version << 24 | flags) + payload)


def _udta_location() -> bytes:
    """QuickTime user data: `©xyz` (position), `©mak`/`©mod` (the phone), `©day`, and an XMP packet."""

    def text(kind: bytes, value: bytes) -> bytes:
        return box(kind, struct.pack(">HH", len(value), 0x15C7) + value)

    return box(
        b"udta",
        text(b"\xa9xyz", LOCATION)
        + text(b"\xa9mak", b"SpyPhone")
        + text(b"\xa9mod", b"SpyPhone 15 Pro")
        + text(b"\xa9day", b"2026-01-02T10:11:12+0400")
        + box(b"XMP_", XMP),
    )


def _apple_meta() -> bytes:
    """Apple's metadata: `meta` with `hdlr` mdta, `keys` and `ilst` (the location as a key/value pair)."""
    key = b"com.apple.quicktime.location.ISO6709"
    keys = full_box(b"keys", 0, 0, struct.pack(">I", 1) + box(b"mdta", key))
    value = box(b"data", struct.pack(">II", 1, 0) + LOCATION)
    ilst = box(b"ilst", box(struct.pack(">I", 1), value))
    handler = full_box(b"hdlr", 0, 0, b"\0\0\0\0mdta" + b"\0" * 12 + b"\0")
    return box(b"meta", handler + keys + ilst)


def _stbl(entry: bytes, sizes: list[int], offsets: list[int], per_chunk: int, *, co64: bool) -> bytes:
    stsd = full_box(b"stsd", 0, 0, struct.pack(">I", 1) + box(entry, b"\0" * 6 + struct.pack(">H", 1) + b"\0" * 8))
    stts = full_box(b"stts", 0, 0, struct.pack(">III", 1, len(sizes), 1000))
    stss = full_box(b"stss", 0, 0, struct.pack(">II", 1, 1))
    stsc = full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, per_chunk, 1))
    stsz = full_box(b"stsz", 0, 0, struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes))
    if co64:
        chunks = full_box(b"co64", 0, 0, struct.pack(f">I{len(offsets)}Q", len(offsets), *offsets))
    else:
        chunks = full_box(b"stco", 0, 0, struct.pack(f">I{len(offsets)}I", len(offsets), *offsets))
    return box(b"stbl", stsd + stts + stss + stsc + stsz + chunks)


def _camera_trak(track_id, handler, entry, sizes, offsets, per_chunk, *, co64, matrix, width, height, extra=b""):
    tk = struct.pack(">B3xIIIII", 0, CREATED, CREATED, track_id, 0, 1000 * len(sizes))
    tk += struct.pack(">8xhhh2x9iII", 0, 0, 0, *matrix, round(width * 65536), round(height * 65536))
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", CREATED, CREATED, 1000, 1000 * len(sizes), 0x55C4, 0))
    hdlr_box = full_box(b"hdlr", 0, 0, b"\0\0\0\0" + handler + b"\0" * 12 + b"Core Media\0")
    minf = box(
        b"minf",
        box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1) + full_box(b"url ", 0, 1, b"")))
        + _stbl(entry, sizes, offsets, per_chunk, co64=co64),
    )
    edts = box(b"edts", full_box(b"elst", 0, 0, struct.pack(">IIiHH", 1, 1000 * len(sizes), 0, 1, 0)))
    return box(b"trak", box(b"tkhd", tk) + edts + extra + box(b"mdia", mdhd + hdlr_box + minf) + _udta_location())


@dataclass(frozen=True)
class CameraTrack:
    handler: bytes
    samples: list[bytes]  # the bytes of each sample, in order


def camera_video(
    *,
    moov_first: bool = True,
    co64: bool = False,
    large_mdat: bool = False,
    matrix: tuple[int, ...] = ROTATE_90,
    chunks: int = 6,
    with_gps_track: bool = True,
) -> tuple[bytes, list[CameraTrack]]:
    """A small valid MP4 as a phone writes it: a video track (rotated portrait by its matrix), an audio track,
    a timed GPS metadata track, interleaved chunk by chunk in one `mdat`; location, make and model in `udta`
    (movie and tracks), Apple `meta`, an XMP `uuid`, and a `free` box holding leftovers. Returns the file and
    the samples of each track (what a player would read through the sample tables)."""
    video = [bytes([0x65, i]) * 300 for i in range(chunks * 2)]  # 2 samples per chunk
    audio = [bytes([0xA0 | (i & 0xF), i]) * 40 for i in range(chunks * 3)]  # 3 samples per chunk
    gps = [b"GPS" + LOCATION + bytes([i]) * 13 for i in range(chunks)]  # 1 sample per chunk
    tracks = [CameraTrack(b"vide", video), CameraTrack(b"soun", audio)]
    if with_gps_track:
        tracks.append(CameraTrack(b"meta", gps))
    per_chunk = {b"vide": 2, b"soun": 3, b"meta": 1}

    payload = b"".join(
        b"".join(t.samples[c * per_chunk[t.handler] : (c + 1) * per_chunk[t.handler]])
        for c in range(chunks)
        for t in tracks
    )

    def build_moov(mdat_payload_at: int) -> bytes:
        offsets = {t.handler: [] for t in tracks}
        position = mdat_payload_at
        for c in range(chunks):
            for t in tracks:
                offsets[t.handler].append(position)
                position += sum(len(s) for s in t.samples[c * per_chunk[t.handler] : (c + 1) * per_chunk[t.handler]])
        traks = b""
        for number, t in enumerate(tracks, start=1):
            entry = {b"vide": b"avc1", b"soun": b"mp4a", b"meta": b"mebx"}[t.handler]
            is_video = t.handler == b"vide"
            extra = box(b"tref", box(b"cdsc", struct.pack(">I", 1))) if t.handler == b"meta" else b""
            if is_video and with_gps_track:
                extra = box(b"tref", box(b"cdsc", struct.pack(">I", 3)) + box(b"tmcd", struct.pack(">I", 1)))
            traks += _camera_trak(
                number, t.handler, entry, [len(s) for s in t.samples], offsets[t.handler], per_chunk[t.handler],
                co64=co64, matrix=matrix if is_video else IDENTITY,
                width=1920 if is_video else 0, height=1080 if is_video else 0, extra=extra,
            )  # fmt: skip
        head = struct.pack(">B3xIIII", 0, CREATED, CREATED, 1000, 1000 * chunks * 2)
        head += struct.pack(">IH10x9i24xI", 0x00010000, 0x0100, *IDENTITY, len(tracks) + 1)
        return box(b"moov", box(b"mvhd", head) + traks + _udta_location() + _apple_meta())

    start = ftyp(b"qt  ", (b"qt  ",)) + box(b"wide") + box(b"free", b"old udta: " + LOCATION)
    xmp = box(b"uuid", XMP_UUID + XMP)
    mdat_header = 16 if large_mdat else 8
    if moov_first:
        moov_size = len(build_moov(0))
        moov = build_moov(len(start) + moov_size + len(xmp) + mdat_header)
        content = start + moov + xmp + box(b"mdat", payload, large=large_mdat)
    else:
        moov = build_moov(len(start) + len(xmp) + mdat_header)
        content = start + xmp + box(b"mdat", payload, large=large_mdat) + moov
    return content, tracks
