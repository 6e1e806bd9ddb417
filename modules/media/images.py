"""Image uploads, validated by their content and re-encoded without metadata.

The file name and the declared content type are ignored: Pillow must decode the
bytes as one of the accepted formats, fully (a truncated file fails), within the
byte and pixel limits (decompression bombs are refused before decoding). The
stored copy is re-encoded from pixels, so EXIF (camera, GPS position) and other
metadata never reach storage; EXIF orientation is applied first so photos stay
upright.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from modules.core.public import ApiError, PayloadTooLarge, ValidationFailed

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    detail = "Only JPEG, PNG, WebP and GIF images are accepted."


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return ACCEPTED_FORMATS[self.format]

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


def _read_limited(upload: UploadedFile, limit: int, field: str) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise PayloadTooLarge(f"{field}: the image is larger than {limit // (1024 * 1024)} MB.", code="file_too_large")
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"{field}: the image is larger than {limit // (1024 * 1024)} MB.", code="file_too_large")
    if not data:
        raise ValidationFailed.for_field(field, "The file is empty.", code="invalid_image")
    return data


def image_clean(upload: UploadedFile, *, field: str = "image", max_side: int = 2048) -> CleanImage:
    """Decode, check and re-encode an uploaded image (bounded to `max_side` pixels on its long side)."""
    data = _read_limited(upload, settings.MEDIA_MAX_IMAGE_BYTES, field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            width, height = probe.size
            if fmt not in ACCEPTED_FORMATS:
                raise UnsupportedMediaType(
                    f"{field}: {fmt or 'this'} files are not accepted; send JPEG, PNG, WebP or GIF."
                )
            if width * height > settings.MEDIA_MAX_IMAGE_PIXELS:
                raise PayloadTooLarge(
                    f"{field}: {width}×{height} pixels is more than the {settings.MEDIA_MAX_IMAGE_PIXELS:,} allowed.",
                    code="image_too_large",
                )
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ApiError:
        raise
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaType(f"{field}: the file is not an image we can read (JPEG, PNG, WebP or GIF).") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PayloadTooLarge(f"{field}: the image has too many pixels.", code="image_too_large") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed.for_field(field, "The image is damaged or truncated.", code="invalid_image") from exc
    return _reencode(image, fmt, max_side)


def _reencode(image: Image.Image, fmt: str, max_side: int) -> CleanImage:
    animated = fmt in {"GIF", "WEBP"} and getattr(image, "is_animated", False)
    if animated:
        # Keep animation; frames are re-encoded from pixels, which drops metadata chunks as well.
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
        if max(image.size) > max_side:
            for frame in frames:
                frame.thumbnail((max_side, max_side))
        first = frames[0]
        output = io.BytesIO()
        first.save(
            output,
            format=fmt,
            save_all=True,
            append_images=frames[1:],
            loop=image.info.get("loop", 0),
            duration=image.info.get("duration", 100),
        )
        return CleanImage(output.getvalue(), fmt, first.width, first.height)

    image = ImageOps.exif_transpose(image)
    if image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if fmt == "JPEG" and image.mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    image.thumbnail((max_side, max_side))
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        clean.putpalette(image.getpalette())
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    output = io.BytesIO()
    options = {"JPEG": {"quality": 88, "optimize": True}, "WEBP": {"quality": 85}, "PNG": {"optimize": True}}
    clean.save(output, format=fmt, **options.get(fmt, {}))
    return CleanImage(output.getvalue(), fmt, clean.width, clean.height)


def image_thumbnail(clean: CleanImage, *, side: int) -> CleanImage:
    """A smaller copy (first frame for animations), in the same format."""
    image = Image.open(io.BytesIO(clean.content))
    image.seek(0)
    frame = image.convert("RGBA" if clean.format in {"PNG", "WEBP", "GIF"} else "RGB")
    frame.thumbnail((side, side))
    fmt = "PNG" if clean.format == "GIF" else clean.format
    output = io.BytesIO()
    frame.save(output, format=fmt, **({"quality": 82} if fmt in {"JPEG", "WEBP"} else {}))
    return CleanImage(output.getvalue(), fmt, frame.width, frame.height)
