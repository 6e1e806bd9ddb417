"""Decompression bombs, assembled by hand so that building one costs almost nothing.

Each is a small, valid file that decodes to far more pixels than it has bytes: one frame is compressed once
(Pillow's encoder, a flat colour) and its compressed data repeated as many frames as wanted, two colours
alternating so that no encoder can merge neighbouring frames. `huge_canvas_*` declare a vast canvas around a
tiny picture.
"""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image

COLORS = ((220, 20, 60), (30, 144, 255))


# --- GIF ---------------------------------------------------------------------------------------------------


def _sub_blocks(data: bytes) -> bytes:
    return b"".join(bytes([len(data[i : i + 255])]) + data[i : i + 255] for i in range(0, len(data), 255)) + b"\0"


@cache
def _gif_frame_data(width: int, height: int, index: int) -> bytes:
    """The LZW code size byte and the data sub-blocks of a flat frame of palette colour `index`."""
    frame = Image.new("P", (width, height), index)
    frame.putpalette([c for color in COLORS for c in color] + [0] * (256 - len(COLORS)) * 3)
    output = io.BytesIO()
    frame.save(output, format="GIF", optimize=False)  # keep the palette: index 1 stays the second colour
    data = output.getvalue()
    pos = 13 + ((3 << ((data[10] & 7) + 1)) if data[10] & 0x80 else 0)
    while data[pos] == 0x21:  # extensions before the image descriptor: skip their sub-blocks
        pos += 2
        while data[pos]:
            pos += 1 + data[pos]
        pos += 1
    assert data[pos] == 0x2C, "no image descriptor"
    flags = data[pos + 9]
    pos += 10 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0)
    end = data.rindex(b";")
    return data[pos:end]


def gif(frames: int, size: tuple[int, int] = (1000, 1000), *, canvas: tuple[int, int] | None = None) -> bytes:
    """`frames` frames of `size`, 40 ms each, looping; the logical screen is `canvas` (default: `size`)."""
    width, height = size
    screen = canvas or size
    palette = bytes(c for color in COLORS for c in color) + b"\0" * 3 * (256 - len(COLORS))
    out = [b"GIF89a", struct.pack("<HHBBB", *screen, 0xF7, 0, 0), palette]
    out.append(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
    for i in range(frames):
        out.append(b"\x21\xf9\x04\x00" + struct.pack("<H", 4) + b"\x00\x00")  # 40 ms, no disposal
        out.append(b"," + struct.pack("<HHHHB", 0, 0, width, height, 0))
        out.append(_gif_frame_data(width, height, i % 2))
    out.append(b";")
    return b"".join(out)


def gif_growing_canvas(small: tuple[int, int] = (100, 100), large: tuple[int, int] = (8000, 8000)) -> bytes:
    """A small logical screen and first frame, then a frame far outside the screen: Pillow grows the canvas
    to the frame's extent when it reaches it, after the header's size looked harmless."""
    palette = bytes(c for color in COLORS for c in color) + b"\0" * 3 * (256 - len(COLORS))
    out = [b"GIF89a", struct.pack("<HHBBB", *small, 0xF7, 0, 0), palette]
    out.append(b"\x21\xf9\x04\x00\x04\x00\x00\x00")
    out.append(b"," + struct.pack("<HHHHB", 0, 0, *small, 0) + _gif_frame_data(*small, 0))
    out.append(b"\x21\xf9\x04\x00\x04\x00\x00\x00")
    out.append(b"," + struct.pack("<HHHHB", 0, 0, *large, 0) + _gif_frame_data(*large, 1))
    out.append(b";")
    return b"".join(out)


# --- WebP ----------------------------------------------------------------------------------------------------


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")


@cache
def _vp8l(width: int, height: int, index: int) -> bytes:
    """A lossless bitstream chunk (`VP8L`) of a flat frame."""
    output = io.BytesIO()
    Image.new("RGB", (width, height), COLORS[index]).save(output, format="WEBP", lossless=True)
    data = output.getvalue()
    pos = 12
    while pos < len(data):
        kind, length = struct.unpack_from("<4sI", data, pos)
        if kind == b"VP8L":
            return data[pos : pos + 8 + length + (length & 1)]
        pos += 8 + length + (length & 1)
    raise AssertionError("Pillow wrote no VP8L chunk")


def _u24(value: int) -> bytes:
    return struct.pack("<I", value)[:3]


def webp(frames: int, size: tuple[int, int] = (1000, 1000), *, canvas: tuple[int, int] | None = None) -> bytes:
    """An animated WebP: `frames` frames of `size`, 40 ms each, on a canvas of `canvas` (default: `size`)."""
    width, height = canvas or size
    body = [b"WEBP", _chunk(b"VP8X", bytes([0x02, 0, 0, 0]) + _u24(width - 1) + _u24(height - 1))]
    body.append(_chunk(b"ANIM", b"\xff\xff\xff\xff" + struct.pack("<H", 0)))
    for i in range(frames):
        header = _u24(0) + _u24(0) + _u24(size[0] - 1) + _u24(size[1] - 1) + _u24(40) + b"\x02"  # no blending
        body.append(_chunk(b"ANMF", header + _vp8l(*size, i % 2)))
    riff = b"".join(body)
    return b"RIFF" + struct.pack("<I", len(riff)) + riff


# --- PNG / APNG ----------------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


@cache
def _png_pixels(width: int, height: int, index: int) -> bytes:
    row = b"\0" + bytes(COLORS[index]) * width
    return zlib.compress(row * height, 9)


def apng(frames: int, size: tuple[int, int] = (1000, 1000)) -> bytes:
    """An animated PNG of `frames` frames of `size` (RGB, 40 ms each)."""
    width, height = size
    out = [b"\x89PNG\r\n\x1a\n", _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    out.append(_png_chunk(b"acTL", struct.pack(">II", frames, 0)))
    sequence = 0
    for i in range(frames):
        control = struct.pack(">IIIIIHHBB", sequence, width, height, 0, 0, 4, 100, 0, 0)
        out.append(_png_chunk(b"fcTL", control))
        sequence += 1
        if i == 0:
            out.append(_png_chunk(b"IDAT", _png_pixels(width, height, 0)))
        else:
            out.append(_png_chunk(b"fdAT", struct.pack(">I", sequence) + _png_pixels(width, height, i % 2)))
            sequence += 1
    out.append(_png_chunk(b"IEND", b""))
    return b"".join(out)


@cache
def png(size: tuple[int, int]) -> bytes:
    """A black still PNG of any size, compressed a band of rows at a time (never the whole picture in memory)."""
    width, height = size
    compressor = zlib.compressobj(9)
    band = (b"\0" + b"\0" * 3 * width) * 64
    parts = [compressor.compress(band) for _ in range(height // 64)]
    parts.append(compressor.compress((b"\0" + b"\0" * 3 * width) * (height % 64)) + compressor.flush())
    ihdr = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b"")


def jpeg(size: tuple[int, int]) -> bytes:
    """A flat JPEG of `size` (its decode costs what its size says, whatever the colours)."""
    output = io.BytesIO()
    Image.new("RGB", size, COLORS[0]).save(output, format="JPEG", quality=50)
    return output.getvalue()
