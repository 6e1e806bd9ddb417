"""Image bytes for media tests (the plain ones come from tests/profiles/images.py)."""

from __future__ import annotations

import io

from PIL import Image

from tests.profiles.images import image_bytes, upload

__all__ = ["animated_bytes", "image_bytes", "upload"]


def animated_bytes(fmt: str = "GIF", size: tuple[int, int] = (600, 300), colors=("red", "lime", "blue")) -> bytes:
    frames = [Image.new("RGB", size, color) for color in colors]
    output = io.BytesIO()
    frames[0].save(output, format=fmt, save_all=True, append_images=frames[1:], duration=80, loop=0)
    return output.getvalue()
