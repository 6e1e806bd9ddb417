"""Image bytes for upload tests, made with Pillow."""

from __future__ import annotations

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    *,
    gps: bool = False,
    color="teal",
    noise: bool = False,
) -> bytes:
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, color)
    output = io.BytesIO()
    options = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "SpyCam Inc."  # Make
        exif[0x0112] = 6  # Orientation: rotate 90° CW to display
        gps_ifd = {1: "N", 2: (41.0, 42.0, 55.0), 3: "E", 4: (44.0, 48.0, 5.0)}
        exif[0x8825] = gps_ifd
        options["exif"] = exif.tobytes()
    image.save(output, format=fmt, **options)
    return output.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
