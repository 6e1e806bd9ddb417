"""Video uploads, recognised by their container structure (ISO base media file format: MP4 and QuickTime).

There is no decoder in the stack (no ffmpeg), so a video is judged by its container:

- it must start with an `ftyp` box (bytes 4..8 are `ftyp`) whose major or compatible brands name MP4 or
  QuickTime; anything else (a text file renamed `.mp4`, a 3GP or HEIF file, an AVI) is unsupported (415);
- its top-level boxes must tile the file exactly (each box header complete, no box running past the end),
  and a `moov` box (the index a player needs) must be among them; otherwise the file is damaged (422).

The parser reads box headers and the few small boxes it needs by seeking, so a 50 MB upload spooled to a
temporary file is never loaded into memory. From `moov` it reads `mvhd` (timescale and duration, versions 0
and 1) and, from the tracks, `tkhd` (width and height, 16.16 fixed point; display size, so a 90°/270°
rotation matrix swaps them). It cannot be re-encoded here; `remux.py` rewrites the container without its
metadata (location, device, dates, metadata tracks) before it is stored.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "}
)
QUICKTIME_BRAND = b"qt  "
VIDEO_EXTENSIONS = {"video/mp4": "mp4", "video/quicktime": "mov"}  # accepted MIME type → stored extension

# Upper bounds that keep a hostile file from making the parser loop or allocate: every box is at least
# 8 bytes, so a 50 MB file could otherwise declare millions of them.
MAX_BOXES = 100_000
MAX_FTYP_BYTES = 4096


class NotAVideo(Exception):
    """The bytes are not an MP4/QuickTime container (no `ftyp` box, or no brand we accept)."""


class DamagedVideo(Exception):
    """The container is recognised but broken: truncated, inconsistent, or without a `moov` box."""


@dataclass(frozen=True)
class Box:
    type: bytes
    start: int  # offset of the box header
    header_size: int  # 8, or 16 with a 64-bit `largesize`
    size: int  # whole box, header included

    @property
    def payload_start(self) -> int:
        return self.start + self.header_size

    @property
    def end(self) -> int:
        return self.start + self.size

    @property
    def name(self) -> str:
        return self.type.decode("latin-1")


@dataclass(frozen=True)
class VideoInfo:
    mime_type: str
    major_brand: str
    compatible_brands: tuple[str, ...]
    duration_seconds: float | None
    width: int | None
    height: int | None

    @property
    def extension(self) -> str:
        return VIDEO_EXTENSIONS[self.mime_type]


class _Reader:
    def __init__(self, file: BinaryIO, size: int):
        self.file = file
        self.size = size
        self.boxes_seen = 0

    def read_at(self, offset: int, length: int) -> bytes:
        self.file.seek(offset)
        return self.file.read(length)

    def boxes(self, start: int, end: int) -> Iterator[Box]:
        """The boxes that tile [start, end); a size of 0 means "to the end" (of the file or the parent)."""
        offset = start
        while offset < end:
            self.boxes_seen += 1
            if self.boxes_seen > MAX_BOXES:
                raise DamagedVideo(f"more than {MAX_BOXES:,} boxes")
            if end - offset < 8:
                raise DamagedVideo(f"truncated box header at offset {offset}")
            size, box_type = struct.unpack(">I4s", self.read_at(offset, 8))
            header_size = 8
            if size == 1:
                if end - offset < 16:
                    raise DamagedVideo(f"truncated 64-bit box header at offset {offset}")
                (size,) = struct.unpack(">Q", self.read_at(offset + 8, 8))
                header_size = 16
                if size < 16:
                    raise DamagedVideo(f"box {box_type!r} at offset {offset} declares {size} bytes")
            elif size == 0:
                size = end - offset
            elif size < 8:
                raise DamagedVideo(f"box {box_type!r} at offset {offset} declares {size} bytes")
            if offset + size > end:
                raise DamagedVideo(
                    f"box {box_type.decode('latin-1')!r} at offset {offset} declares {size} bytes "
                    f"but only {end - offset} remain (truncated file?)"
                )
            yield Box(box_type, offset, header_size, size)
            offset += size

    def payload(self, box: Box, length: int) -> bytes:
        return self.read_at(box.payload_start, min(length, box.size - box.header_size))

    def children(self, box: Box) -> Iterator[Box]:
        return self.boxes(box.payload_start, box.end)


def _brands(reader: _Reader, ftyp: Box) -> tuple[bytes, list[bytes]]:
    if ftyp.size - ftyp.header_size < 8:
        raise DamagedVideo("the ftyp box is too short for a major brand and version")
    if ftyp.size > MAX_FTYP_BYTES:
        raise DamagedVideo(f"the ftyp box declares {ftyp.size} bytes")
    payload = reader.payload(ftyp, ftyp.size)
    major = payload[:4]
    compatible = [payload[i : i + 4] for i in range(8, len(payload) - 3, 4)]
    return major, compatible


def _mime_type(major: bytes, compatible: list[bytes]) -> str:
    if major == QUICKTIME_BRAND:
        return "video/quicktime"
    if major in MP4_BRANDS or any(brand in MP4_BRANDS for brand in compatible):
        return "video/mp4"
    if QUICKTIME_BRAND in compatible:
        return "video/quicktime"
    shown = ", ".join(repr(b.decode("latin-1")) for b in [major, *compatible])
    raise NotAVideo(f"no MP4 or QuickTime brand among {shown}")


def parse_mvhd(payload: bytes) -> float | None:
    """Duration in seconds from an `mvhd` payload; None when the file does not say (unknown or no timescale)."""
    if not payload:
        raise DamagedVideo("the mvhd box is empty")
    version = payload[0]
    if version == 0:
        if len(payload) < 20:
            raise DamagedVideo("the mvhd box is truncated")
        timescale, duration = struct.unpack_from(">II", payload, 12)
        unknown = 0xFFFFFFFF
    elif version == 1:
        if len(payload) < 32:
            raise DamagedVideo("the mvhd box is truncated")
        timescale, duration = struct.unpack_from(">IQ", payload, 20)
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        raise DamagedVideo(f"unknown mvhd version {version}")
    if timescale == 0 or duration == unknown:
        return None
    return round(duration / timescale, 3)


def parse_tkhd(payload: bytes) -> tuple[int, int] | None:
    """Display width and height from a `tkhd` payload; None for tracks without a picture (audio)."""
    if not payload:
        raise DamagedVideo("the tkhd box is empty")
    version = payload[0]
    if version == 0:
        matrix_at = 40
    elif version == 1:
        matrix_at = 52
    else:
        raise DamagedVideo(f"unknown tkhd version {version}")
    if len(payload) < matrix_at + 44:
        raise DamagedVideo("the tkhd box is truncated")
    a, b, _u, c, d = struct.unpack_from(">iiiii", payload, matrix_at)
    width_fixed, height_fixed = struct.unpack_from(">II", payload, matrix_at + 36)
    width, height = round(width_fixed / 65536), round(height_fixed / 65536)
    if width <= 0 or height <= 0:
        return None
    if a == 0 and d == 0 and b != 0 and c != 0:
        # A quarter-turn rotation (phones record portrait video this way): the picture is shown on its side.
        width, height = height, width
    return width, height


def _track(reader: _Reader, trak: Box) -> tuple[tuple[int, int] | None, bytes | None]:
    dimensions, handler = None, None
    for child in reader.children(trak):
        if child.type == b"tkhd":
            dimensions = parse_tkhd(reader.payload(child, 96))
        elif child.type == b"mdia":
            for grandchild in reader.children(child):
                if grandchild.type == b"hdlr":
                    payload = reader.payload(grandchild, 12)
                    handler = payload[8:12] if len(payload) >= 12 else None
    return dimensions, handler


def _movie(reader: _Reader, moov: Box) -> tuple[float | None, tuple[int, int] | None]:
    duration = None
    video_track, any_track = None, None
    for child in reader.children(moov):
        if child.type == b"mvhd" and duration is None:
            duration = parse_mvhd(reader.payload(child, 32))
        elif child.type == b"trak":
            dimensions, handler = _track(reader, child)
            if dimensions and handler == b"vide" and video_track is None:
                video_track = dimensions
            if dimensions and any_track is None:
                any_track = dimensions
    return duration, video_track or any_track


def _starts_with_ftyp(head: bytes) -> bool:
    return len(head) >= 8 and head[4:8] == b"ftyp"


def is_video_container(file: BinaryIO) -> bool:
    """Whether the file starts like an MP4/QuickTime container (an `ftyp` box): how an upload that may be either
    kind is told apart. Only the first 8 bytes are read (and the position put back to the start);
    `video_inspect` then checks the whole container."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    return _starts_with_ftyp(head)


def video_inspect(file: BinaryIO, size: int) -> VideoInfo:
    """Check the container of `size` bytes in `file` (seekable) and read what it says about the video.

    Raises NotAVideo (not MP4/QuickTime at all) or DamagedVideo (recognised, but broken).
    """
    reader = _Reader(file, size)
    if not _starts_with_ftyp(reader.read_at(0, 8)):
        raise NotAVideo("the file does not start with an ftyp box")
    top_level = reader.boxes(0, size)
    ftyp = next(top_level)
    major, compatible = _brands(reader, ftyp)
    mime_type = _mime_type(major, compatible)
    moov = None
    for box in top_level:  # walks the whole file, so a truncation anywhere is found
        if box.type == b"moov" and moov is None:
            moov = box
    if moov is None:
        raise DamagedVideo("no moov box: the file is incomplete (recording cut off or upload truncated)")
    duration, dimensions = _movie(reader, moov)
    return VideoInfo(
        mime_type=mime_type,
        major_brand=major.decode("latin-1"),
        compatible_brands=tuple(b.decode("latin-1") for b in compatible),
        duration_seconds=duration,
        width=dimensions[0] if dimensions else None,
        height=dimensions[1] if dimensions else None,
    )
