"""What an image file declares about its size, read from its headers before anything is decoded.

Decoding is where an image costs memory: every frame of an animation becomes a full canvas of pixels, so a
10 MB GIF of tiny, well-compressed frames can expand to tens of gigabytes. These parsers walk the container
(GIF blocks, PNG chunks, RIFF/WebP chunks, JPEG markers) with the standard library and report the canvas the
decoder will allocate, the number of frames it will produce and their durations, without decompressing a
single pixel. `images.py` refuses what is over the limits and only then hands the bytes to Pillow.

The canvas is the one the decoder really uses: Pillow enlarges a GIF's canvas when a later frame lies outside
the logical screen, so the extent of every frame counts, not only the header's. Frame counts are the larger of
what the file declares (APNG `acTL`) and what it contains. A structure these parsers cannot follow is reported
as damaged, never skipped, so what Pillow later decodes is what was measured here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

GIF_SIGNATURES = (b"GIF87a", b"GIF89a")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Every image chunk or block is at least this many bytes, so a file's size bounds the loops below.
MAX_CHUNKS = 2_000_000


class DamagedImage(Exception):
    """The headers are inconsistent or cut off before the picture's size is known."""


@dataclass(frozen=True)
class Geometry:
    format: str  # Pillow's name: "JPEG", "PNG", "WEBP" or "GIF"
    width: int  # the canvas the decoder allocates for every frame
    height: int
    frames: int
    durations: tuple[int, ...] = ()  # per frame, in milliseconds (animations only)
    bands: int = 4  # bytes per decoded pixel (JPEG: its components; the others decode to RGBA at worst)

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def total_pixels(self) -> int:
        """Pixels a full decode produces: the canvas once per frame."""
        return self.pixels * self.frames


def image_geometry(data: bytes) -> Geometry | None:
    """The geometry of a JPEG, PNG/APNG, WebP or GIF file; None when the bytes are none of these."""
    if data[:6] in GIF_SIGNATURES:
        return _gif(data)
    if data[:8] == PNG_SIGNATURE:
        return _png(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    if data[:3] == b"\xff\xd8\xff":
        return _jpeg(data)
    return None


def _need(data: bytes, end: int, what: str) -> None:
    if end > len(data):
        raise DamagedImage(f"the file ends inside {what}")


# --- GIF: header, logical screen, then blocks introduced by "!" (extension), "," (image) or ";" (end) ----------


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """Position after a chain of data sub-blocks (a length byte, that many bytes, …, a zero length)."""
    size = len(data)
    while pos < size:
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos
    return size  # cut off: Pillow stops here too (a missing trailer is common and tolerated)


def _gif(data: bytes) -> Geometry:
    _need(data, 13, "the GIF header")
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    pos = 13
    if flags & 0x80:
        pos += 3 << ((flags & 7) + 1)
    frames, durations, delay = 0, [], 0
    size = len(data)
    while pos < size:
        introducer = data[pos]
        if introducer == 0x3B:  # ";" trailer
            break
        if introducer == 0x21:  # "!" extension
            _need(data, pos + 2, "a GIF extension")
            label = data[pos + 1]
            pos += 2
            if label == 0xF9 and pos + 5 <= size and data[pos] >= 4:  # graphic control: the next frame's delay
                delay = struct.unpack_from("<H", data, pos + 2)[0] * 10
            pos = _skip_sub_blocks(data, pos)
        elif introducer == 0x2C:  # "," image descriptor
            _need(data, pos + 10, "a GIF image descriptor")
            left, top, frame_width, frame_height, frame_flags = struct.unpack_from("<HHHHB", data, pos + 1)
            # Pillow grows the canvas to hold a frame that lies outside it, and decodes into the grown canvas.
            width, height = max(width, left + frame_width), max(height, top + frame_height)
            pos += 10
            if frame_flags & 0x80:
                pos += 3 << ((frame_flags & 7) + 1)
            pos = _skip_sub_blocks(data, pos + 1)  # the LZW code size byte, then the image data
            frames += 1
            durations.append(delay)
            delay = 0
            if frames > MAX_CHUNKS:
                raise DamagedImage("too many GIF frames to count")
        else:
            # Pillow would skip stray bytes one by one and keep looking for frames: refuse instead, so
            # nothing can hide frames from this count.
            raise DamagedImage(f"unexpected byte 0x{introducer:02x} between GIF blocks")
    if frames == 0:
        raise DamagedImage("the GIF has no image")
    return Geometry("GIF", width, height, frames, tuple(durations) if frames > 1 else ())


# --- PNG / APNG: length, type, data, CRC ------------------------------------------------------------------------


def _png(data: bytes) -> Geometry:
    pos, width, height = 8, None, None
    declared, controls, durations = 1, 0, []
    size = len(data)
    chunks = 0
    while pos + 8 <= size:
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = pos + 8
        chunks += 1
        if chunks > MAX_CHUNKS:
            raise DamagedImage("too many PNG chunks")
        if kind == b"IHDR":
            _need(data, body + 8, "the PNG header")
            width, height = struct.unpack_from(">II", data, body)
        elif kind == b"acTL":
            _need(data, body + 4, "the APNG animation control")
            declared = max(1, struct.unpack_from(">I", data, body)[0])
        elif kind == b"fcTL":
            _need(data, body + 26, "an APNG frame control")
            frame_width, frame_height, left, top, numerator, denominator = struct.unpack_from(">IIIIHH", data, body + 4)
            if width is not None:
                width, height = max(width, left + frame_width), max(height, top + frame_height)
            controls += 1
            durations.append(round(1000 * numerator / (denominator or 100)))
        elif kind == b"IEND":
            break
        pos = body + length + 4
    if width is None or height is None:
        raise DamagedImage("the PNG has no header chunk")
    frames = max(declared, controls, 1)
    return Geometry("PNG", width, height, frames, tuple(durations) if frames > 1 else ())


# --- WebP: RIFF chunks (VP8 lossy, VP8L lossless, or VP8X extended with ANMF animation frames) -----------------


def _u24(data: bytes, at: int) -> int:
    return data[at] | data[at + 1] << 8 | data[at + 2] << 16


def _bitstream_size(kind: bytes, data: bytes, body: int) -> tuple[int, int]:
    if kind == b"VP8 ":
        _need(data, body + 10, "the VP8 frame header")
        if data[body + 3 : body + 6] != b"\x9d\x01\x2a":
            raise DamagedImage("the VP8 frame has no start code")
        width, height = struct.unpack_from("<HH", data, body + 6)
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L":
        _need(data, body + 5, "the VP8L header")
        if data[body] != 0x2F:
            raise DamagedImage("the VP8L bitstream has no signature")
        bits = struct.unpack_from("<I", data, body + 1)[0]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise DamagedImage(f"unexpected WebP chunk {kind!r}")


def _webp(data: bytes) -> Geometry:
    size = min(len(data), 8 + struct.unpack_from("<I", data, 4)[0])
    pos = 12
    canvas, still, frames, durations = None, None, 0, []
    chunks = 0
    while pos + 8 <= size:
        kind, length = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        chunks += 1
        if chunks > MAX_CHUNKS:
            raise DamagedImage("too many WebP chunks")
        if kind == b"VP8X":
            _need(data, body + 10, "the WebP extended header")
            canvas = (_u24(data, body + 4) + 1, _u24(data, body + 7) + 1)
        elif kind == b"ANMF":
            _need(data, body + 16, "a WebP animation frame")
            left, top = _u24(data, body) * 2, _u24(data, body + 3) * 2
            frame_width, frame_height = _u24(data, body + 6) + 1, _u24(data, body + 9) + 1
            if canvas is None:
                raise DamagedImage("a WebP animation frame without an extended header")
            canvas = (max(canvas[0], left + frame_width), max(canvas[1], top + frame_height))
            frames += 1
            durations.append(_u24(data, body + 12))
        elif kind in {b"VP8 ", b"VP8L"} and still is None:
            still = _bitstream_size(kind, data, body)
        pos = body + length + (length & 1)
    if frames:
        return Geometry("WEBP", *canvas, frames, tuple(durations) if frames > 1 else ())
    if canvas is None and still is None:
        raise DamagedImage("the WebP file has no image")
    width, height = canvas or still
    return Geometry("WEBP", width, height, 1)


# --- JPEG: markers up to the first start-of-frame -------------------------------------------------------------

# SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


def _jpeg(data: bytes) -> Geometry:
    pos, size = 2, len(data)
    while pos < size:
        if data[pos] != 0xFF:
            raise DamagedImage(f"expected a JPEG marker at offset {pos}")
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        _need(data, pos + 1, "a JPEG marker")
        marker = data[pos]
        pos += 1
        if marker in _STANDALONE:
            continue
        if marker in {0xD9, 0xDA}:  # end of image, or the scan began before any frame header
            break
        _need(data, pos + 2, "a JPEG segment length")
        length = struct.unpack_from(">H", data, pos)[0]
        if marker in _SOF_MARKERS:
            _need(data, pos + 8, "the JPEG frame header")
            height, width, components = struct.unpack_from(">HHB", data, pos + 3)
            return Geometry("JPEG", width, height, 1, bands=max(1, min(components, 4)))
        if length < 2:
            raise DamagedImage(f"a JPEG segment at offset {pos} declares {length} bytes")
        pos += length
    raise DamagedImage("the JPEG has no frame header")
