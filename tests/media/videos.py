"""Small synthetic MP4/QuickTime files, built box by box, for the container parser and upload tests.

They carry no real picture (there is no decoder on either side): only the boxes the parser reads
(`ftyp`, `moov` with `mvhd` and `trak`/`tkhd`/`mdia`/`hdlr`) and an `mdat` of filler bytes.
"""

from __future__ import annotations

import struct

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
