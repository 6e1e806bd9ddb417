"""Image uploads, validated by their content and re-encoded without metadata.

The file name and the declared content type are ignored: the bytes must be one of the accepted formats,
decodable in full (a truncated file fails), within these limits, all checked from the headers *before* a pixel
is decoded (`geometry.py`), so a decompression bomb costs a few header reads:

- the file's bytes (`MEDIA_MAX_IMAGE_BYTES`, 413 `file_too_large`);
- the canvas, width × height, including frames that lie outside it (`MEDIA_MAX_IMAGE_PIXELS`, 413
  `image_too_large`);
- the frames (`MEDIA_MAX_IMAGE_FRAMES`, 413 `too_many_frames`) and the pixels a full decode produces, canvas ×
  frames (`MEDIA_MAX_IMAGE_TOTAL_PIXELS`, 413 `animation_too_large`);
- the memory the decode and re-encode will need, estimated from the above (`decode_memory_estimate`,
  `MEDIA_MAX_DECODE_BYTES`, 413 `image_too_large`).

Then the work runs on the process's bounded decode pool (`workers.py`: a few at a time, 503 `media_busy` when
they stay busy). The stored copy is re-encoded from pixels, so EXIF (camera, GPS position), XMP, comments and
other metadata never reach storage; EXIF orientation is applied first so photos stay upright. Animated GIF and
WebP stay animated (frames are decoded one at a time and streamed into the encoder, bounded to `max_side`);
PNG is stored as a still picture, so an animated PNG keeps its first frame.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from modules.core.public import ApiError, PayloadTooLarge, ValidationFailed
from modules.media.geometry import DamagedImage, Geometry, image_geometry
from modules.media.workers import decode_pool

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ANIMATED_FORMATS = frozenset({"GIF", "WEBP"})  # stored animated; PNG keeps its first frame


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


# --- limits, from the headers -------------------------------------------------------------------------------


def _jpeg_scale(geometry: Geometry, max_side: int) -> int:
    """The DCT scaling libjpeg applies for `draft` (as Pillow chooses it): decoding at 1/2, 1/4 or 1/8."""
    fit = min(geometry.width // max_side, geometry.height // max_side)
    return next((s for s in (8, 4, 2) if fit >= s), 1)


def decode_memory_estimate(geometry: Geometry, max_side: int) -> int:
    """An upper bound, in bytes, of the pixel buffers decoding and re-encoding this image holds at once.

    Stills: the decoded picture (JPEG decoded at reduced scale when it is larger than needed) and, while it is
    being reduced, one more of its size; then output-sized copies. Animations: the decoder's canvas and its
    disposal copy, one converted frame, output-sized frames in flight, and for GIF every output frame at one
    byte per pixel, which Pillow's GIF encoder keeps until it writes the file (WebP's encoder does not).
    The constants come from measuring (`tests/media/test_bombs.py` checks the estimate against the peak).
    """
    out_side = min(max_side, max(geometry.width, geometry.height))
    scale = max(geometry.width, geometry.height) / out_side
    out_pixels = max(1, round(geometry.width / scale)) * max(1, round(geometry.height / scale))
    if geometry.frames > 1 and geometry.format == "GIF":
        # … and a palette and bookkeeping per frame
        return 4 * 4 * geometry.pixels + 4 * 4 * out_pixels + out_pixels * geometry.frames * 5 // 4
    if geometry.frames > 1 and geometry.format == "WEBP":
        # libwebp's animation encoder keeps several canvases of candidates for each frame it compresses.
        return 4 * 4 * geometry.pixels + 10 * 4 * out_pixels
    if geometry.format == "JPEG":
        s = _jpeg_scale(geometry, max_side)
        decoded = -(-geometry.width // s) * -(-geometry.height // s)
        return 2 * geometry.bands * decoded + 4 * 4 * out_pixels
    return 2 * 4 * geometry.pixels + 4 * 4 * out_pixels


def _check_limits(geometry: Geometry, field: str, max_side: int) -> None:
    if geometry.pixels <= 0:
        raise ValidationFailed.for_field(field, "The image has no pixels.", code="invalid_image")
    if geometry.pixels > settings.MEDIA_MAX_IMAGE_PIXELS:
        raise PayloadTooLarge(
            f"{field}: {geometry.width}×{geometry.height} pixels is more than the "
            f"{settings.MEDIA_MAX_IMAGE_PIXELS:,} allowed.",
            code="image_too_large",
        )
    if geometry.frames > settings.MEDIA_MAX_IMAGE_FRAMES:
        raise PayloadTooLarge(
            f"{field}: {geometry.frames:,} frames is more than the {settings.MEDIA_MAX_IMAGE_FRAMES:,} allowed.",
            code="too_many_frames",
        )
    if geometry.total_pixels > settings.MEDIA_MAX_IMAGE_TOTAL_PIXELS:
        raise PayloadTooLarge(
            f"{field}: {geometry.frames:,} frames of {geometry.width}×{geometry.height} pixels is more than the "
            f"{settings.MEDIA_MAX_IMAGE_TOTAL_PIXELS:,} pixels allowed in all frames together.",
            code="animation_too_large",
        )
    needed = decode_memory_estimate(geometry, max_side)
    if needed > settings.MEDIA_MAX_DECODE_BYTES:
        raise PayloadTooLarge(
            f"{field}: decoding this {geometry.width}×{geometry.height} image would need about "
            f"{needed // (1024 * 1024)} MB, more than the {settings.MEDIA_MAX_DECODE_BYTES // (1024 * 1024)} MB "
            "allowed.",
            code="image_too_large",
        )


def _geometry(data: bytes, field: str) -> Geometry:
    try:
        geometry = image_geometry(data)
    except DamagedImage as exc:
        raise ValidationFailed.for_field(field, "The image is damaged or truncated.", code="invalid_image") from exc
    if geometry is None:
        # Not one of ours. Pillow reads only the header to name it (no decoding), for a clearer message.
        try:
            name = Image.open(io.BytesIO(data)).format
        except Exception:
            name = None
        if name:
            raise UnsupportedMediaType(f"{field}: {name} files are not accepted; send JPEG, PNG, WebP or GIF.")
        raise UnsupportedMediaType(f"{field}: the file is not an image we can read (JPEG, PNG, WebP or GIF).")
    return geometry


def image_clean(upload: UploadedFile, *, field: str = "image", max_side: int = 2048) -> CleanImage:
    """Check, decode and re-encode an uploaded image (bounded to `max_side` pixels on its long side)."""
    return image_process(upload, field=field, max_side=max_side)[0]


def image_process(
    upload: UploadedFile, *, field: str = "image", max_side: int = 2048, thumbnail_side: int | None = None
) -> tuple[CleanImage, CleanImage | None]:
    """`image_clean`, and a thumbnail of `thumbnail_side` pixels made in the same pool job (or None)."""
    data = _read_limited(upload, settings.MEDIA_MAX_IMAGE_BYTES, field)
    geometry = _geometry(data, field)
    _check_limits(geometry, field, max_side)
    return decode_pool().run(_decode_job, data, geometry, field, max_side, thumbnail_side)


# --- decoding and re-encoding (on a pool worker) -------------------------------------------------------------


def _decode_job(
    data: bytes, geometry: Geometry, field: str, max_side: int, thumbnail_side: int | None
) -> tuple[CleanImage, CleanImage | None]:
    try:
        probe = Image.open(io.BytesIO(data), formats=[geometry.format])
        if probe.format not in ACCEPTED_FORMATS:  # a JPEG carrying more pictures opens as MPO
            raise UnsupportedMediaType(f"{field}: {probe.format} files are not accepted; send JPEG, PNG, WebP or GIF.")
        if probe.width > geometry.width or probe.height > geometry.height:
            raise DamagedImage("the decoder sees a larger canvas than the headers declare")
        probe.verify()
        image = Image.open(io.BytesIO(data), formats=[geometry.format])
        if geometry.frames > 1 and geometry.format in ANIMATED_FORMATS:
            clean = _reencode_animation(image, geometry, max_side)
        else:
            clean = _reencode_still(image, geometry.format, max_side)
        thumbnail = image_thumbnail(clean, side=thumbnail_side) if thumbnail_side else None
    except ApiError:
        raise
    except UnidentifiedImageError as exc:
        raise UnsupportedMediaType(f"{field}: the file is not an image we can read (JPEG, PNG, WebP or GIF).") from exc
    except (Image.DecompressionBombError, MemoryError) as exc:  # the estimate should prevent the second
        raise PayloadTooLarge(f"{field}: the image has too many pixels.", code="image_too_large") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, DamagedImage) as exc:
        raise ValidationFailed.for_field(field, "The image is damaged or truncated.", code="invalid_image") from exc
    return clean, thumbnail


def _reencode_still(image: Image.Image, fmt: str, max_side: int) -> CleanImage:
    if fmt == "JPEG":
        image.draft(None, (max_side, max_side))  # decode large photos at 1/2, 1/4 or 1/8 scale directly
    image.load()
    if image.mode not in {"RGB", "RGBA", "L", "LA", "P"}:
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    image.thumbnail((max_side, max_side))
    ImageOps.exif_transpose(image, in_place=True)
    if fmt == "JPEG" and image.mode not in {"RGB", "L"}:
        image = image.convert("RGB")
    # A new image from the pixels alone: nothing of the file's metadata (EXIF, XMP, ICC, text chunks) follows.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode == "P":
        clean.putpalette(image.getpalette())
        if "transparency" in image.info:
            clean.info["transparency"] = image.info["transparency"]
    output = io.BytesIO()
    options = {"JPEG": {"quality": 88, "optimize": True}, "WEBP": {"quality": 85}, "PNG": {"optimize": True}}
    clean.save(output, format=fmt, **options.get(fmt, {}))
    return CleanImage(output.getvalue(), fmt, clean.width, clean.height)


class _Frames(Image.Image):
    """The frames of an animation as one image that Pillow's GIF and WebP encoders save with `save_all`:
    each `seek` decodes the next frame of the source, onto the full canvas, bounded to `max_side`, and replaces
    the previous one, so the frames are never all in memory at once (a list of frames would hold
    frames × canvas × 4 bytes). Nothing of the source's `info` (comments, XMP, EXIF) is carried over."""

    def __init__(self, source: Image.Image, geometry: Geometry, max_side: int):
        super().__init__()
        self._source = source
        self._geometry = geometry
        self._max_side = max_side
        self._index = -1
        self.n_frames = geometry.frames
        self.is_animated = True
        self.seek(0)

    def tell(self) -> int:
        return self._index

    def seek(self, frame: int) -> None:
        if frame == self._index:
            return
        if frame >= self._geometry.frames:
            raise EOFError("no more frames")
        self._source.seek(frame)
        canvas = (self._geometry.width, self._geometry.height)
        if self._source.width > canvas[0] or self._source.height > canvas[1]:
            raise DamagedImage("a frame is larger than the canvas the headers declare")
        picture = self._source.convert("RGBA")
        if picture.size != canvas:  # a GIF whose canvas grew at a later frame: every frame on the final canvas
            grown = Image.new("RGBA", canvas, (0, 0, 0, 0))
            grown.paste(picture, (0, 0))
            picture = grown
        picture.thumbnail((self._max_side, self._max_side))
        self.im = picture.im
        self._mode = picture.mode
        self._size = picture.size
        self.info = {}
        self._index = frame


def _reencode_animation(image: Image.Image, geometry: Geometry, max_side: int) -> CleanImage:
    frames = _Frames(image, geometry, max_side)
    width, height = frames.size
    options: dict = {"duration": list(geometry.durations) or [100] * geometry.frames}
    if "loop" in image.info:  # a GIF without a loop count plays once; keep it that way
        options["loop"] = image.info["loop"]
    elif geometry.format == "WEBP":
        options["loop"] = 0
    if geometry.format == "WEBP":
        options["quality"] = 85
    output = io.BytesIO()
    frames.save(output, format=geometry.format, save_all=True, **options)
    return CleanImage(output.getvalue(), geometry.format, width, height)


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
