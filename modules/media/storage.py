"""Where media bytes live: django-storages' default storage (local disk or any S3-compatible store)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage, storages
from django.http import HttpRequest
from storages.utils import clean_name

from modules.media.images import CleanImage
from modules.media.signing import private_url_query

logger = logging.getLogger(__name__)


PRIVATE_PREFIX = "private/"  # the storage area of media whose URLs are signed and expire (see signing.py)


def storage_is_private(path: str | None) -> bool:
    return bool(path) and path.startswith(PRIVATE_PREFIX)


def storage_name(*, folder: str, extension: str, stem: str | None = None, private: bool = False) -> str:
    """A fresh unguessable storage name: `[private/]<folder>/<yyyy>/<mm>/<32 hex>.<extension>`."""
    today = dt.datetime.now(dt.UTC)
    return f"{PRIVATE_PREFIX if private else ''}{folder}/{today:%Y/%m}/{stem or uuid.uuid4().hex}.{extension}"


def storage_save(
    content: bytes,
    *,
    folder: str,
    extension: str,
    content_type: str | None = None,
    stem: str | None = None,
    private: bool = False,
) -> str:
    """Store bytes under a fresh unguessable name; returns the storage path."""
    file = ContentFile(content)
    # S3 serves the object with this Content-Type; never let a client-declared type through.
    file.content_type = content_type
    return default_storage.save(storage_name(folder=folder, extension=extension, stem=stem, private=private), file)


def storage_save_stream(
    stream: IO[bytes],
    *,
    folder: str,
    extension: str,
    content_type: str,
    stem: str | None = None,
    private: bool = False,
) -> str:
    """Store a (seekable) file object by streaming it; it is read in chunks, never whole into memory."""
    stream.seek(0)
    file = File(stream)
    file.content_type = content_type
    return default_storage.save(storage_name(folder=folder, extension=extension, stem=stem, private=private), file)


def storage_save_image(image: CleanImage, *, folder: str, stem: str | None = None, private: bool = False) -> str:
    return storage_save(
        image.content,
        folder=folder,
        extension=image.extension,
        content_type=image.content_type,
        stem=stem,
        private=private,
    )


def storage_moved_name(path: str, *, private: bool) -> str:
    """The same file's name in the private (or public) area."""
    bare = path.removeprefix(PRIVATE_PREFIX)
    return f"{PRIVATE_PREFIX}{bare}" if private else bare


def storage_copy(source: str, target: str) -> None:
    """Copy a stored file to exactly `target` (which must not exist): inside the bucket for S3 (no download),
    a hard link or copy on local disk, a read and write through the storage otherwise."""
    storage = storages["default"]
    if storage.exists(target):
        raise FileExistsError(target)
    backend = storage_backend_name(storage)
    if backend == "s3":
        key = storage._normalize_name(clean_name(source))
        storage.bucket.Object(storage._normalize_name(clean_name(target))).copy_from(
            CopySource={"Bucket": storage.bucket.name, "Key": key}, MetadataDirective="COPY"
        )
        return
    if backend == "local":
        destination = Path(storage.path(target))
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(storage.path(source), destination)
        except OSError:
            shutil.copyfile(storage.path(source), destination)
        return
    with storage.open(source, "rb") as handle:
        saved = storage.save(target, File(handle))
    if saved != target:
        storage.delete(saved)
        raise FileExistsError(target)


def storage_delete(path: str) -> None:
    if path:
        default_storage.delete(path)


def storage_delete_quietly(paths: Iterable[str]) -> None:
    """Delete files, logging (not raising) failures: used after commit, when nobody can handle an error."""
    for path in paths:
        if not path:
            continue
        try:
            default_storage.delete(path)
        except Exception:
            logger.exception("media: could not delete %s from storage (left as an orphan)", path)


def _private_url(path: str) -> str:
    """A URL of a private file that expires: presigned by S3, or signed for our own check (`views.py`)."""
    storage = storages["default"]
    if storage_backend_name(storage) == "s3":
        # Straight to the bucket, even with a public CDN domain configured: the CDN would serve it to anyone.
        return storage.connection.meta.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": storage.bucket.name, "Key": storage._normalize_name(clean_name(path))},
            ExpiresIn=settings.MEDIA_PRIVATE_URL_TTL_SECONDS,
        )
    return f"{storage.url(path)}?{private_url_query(path)}"


def storage_url(path: str) -> str:
    """The storage's own URL for a path (relative for local disk): for the admin, which runs on the same host.
    Private files get a signed, expiring URL here too."""
    return _private_url(path) if storage_is_private(path) else default_storage.url(path)


def media_url(path: str | None, request: HttpRequest | None = None) -> str | None:
    """Absolute URL of a stored file (API responses never carry relative URLs).

    Files in the public area get their permanent, cacheable URL; files in the private area (DM attachments,
    media of followers-only posts and of private accounts) a signed URL valid for
    `MEDIA_PRIVATE_URL_TTL_SECONDS` (presigned by S3, or checked by `views.private_media`). Realtime payloads,
    built without a request, use `PUBLIC_BASE_URL`.
    """
    if not path:
        return None
    url = storage_url(path)
    if url.startswith(("http://", "https://")):
        return url
    if request is not None:
        return request.build_absolute_uri(url)
    return f"{settings.PUBLIC_BASE_URL}{url}"


# --- storage_status: describe the backend, then prove it works -----------------------------------------------


def mask_key(value: str | None) -> str:
    """An access key id as `AKIA…(20 chars)`: enough to recognise it, not enough to use it."""
    if not value:
        return "(not set)"
    prefix = value[:4] if len(value) >= 12 else ""
    return f"{prefix}…({len(value)} chars)"


def mask_secret(value: str | None) -> str:
    """A secret as `…(40 chars)`: not a single character of it is shown."""
    if not value:
        return "(not set)"
    return f"…({len(value)} chars)"


def _mask_url_password(url: str | None) -> str | None:
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{mask_secret(parts.password)}@{host}"))


def _url_for_display(url: str) -> str:
    """A URL safe to print: no password in it, and a signed query string (which names the access key) elided."""
    parts = urlsplit(_mask_url_password(url) or "")
    if not parts.query:
        return urlunsplit(parts)
    signed = any(marker in parts.query for marker in ("Signature=", "X-Amz-Credential="))
    shown = urlunsplit(parts._replace(query=""))
    return f"{shown} (+ signed query string)" if signed else f"{shown} (+ query string)"


def storage_backend_name(storage=None) -> str:
    cls = type(storage or storages["default"])
    path = f"{cls.__module__}.{cls.__qualname__}"
    if path.startswith("storages.backends.s3"):
        return "s3"
    if path == "django.core.files.storage.filesystem.FileSystemStorage":
        return "local"
    return path


def storage_describe() -> list[tuple[str, str]]:
    """The active backend's settings, as (name, value) rows, with credentials masked."""
    storage = storages["default"]
    cls = type(storage)
    backend = storage_backend_name(storage)
    rows = [("backend", f"{backend} ({cls.__module__}.{cls.__qualname__})")]
    if backend == "local":
        rows += [
            ("location", str(storage.location)),
            ("base url", str(storage.base_url)),
            ("served by daphne", "yes (SERVE_MEDIA)" if settings.SERVE_MEDIA else "no (the reverse proxy serves it)"),
        ]
        try:
            usage = shutil.disk_usage(storage.location)
            rows.append(("free space", f"{usage.free / 1024**3:.1f} GiB of {usage.total / 1024**3:.1f} GiB"))
        except OSError:
            rows.append(("free space", "unknown (the location does not exist yet)"))
        rows.append(
            (
                "private media",
                f"{PRIVATE_PREFIX} via signed links checked by the app (valid "
                f"{settings.MEDIA_PRIVATE_URL_TTL_SECONDS} s); never served from the volume by URL",
            )
        )
    elif backend == "s3":
        presigned = f"on (valid {storage.querystring_expire} s)" if storage.querystring_auth else "off (public objects)"
        rows += [
            ("bucket", storage.bucket_name or "(not set)"),
            ("endpoint", _mask_url_password(storage.endpoint_url) or "(AWS default)"),
            ("region", storage.region_name or "(default)"),
            ("addressing", storage.addressing_style or "(auto)"),
            ("key prefix", storage.location or "(none)"),
            ("presigned urls", presigned),
            ("public domain", storage.custom_domain or "(none)"),
            ("overwrite", "yes" if storage.file_overwrite else "no (fresh names)"),
            ("default acl", storage.default_acl or "(bucket default)"),
            (
                "access key",
                mask_key(storage.access_key) if storage.access_key else "(not set: AWS default credential chain)",
            ),
            ("secret key", mask_secret(storage.secret_key)),
            (
                "private media",
                f"{storage.location or ''}/{PRIVATE_PREFIX} presigned (valid "
                f"{settings.MEDIA_PRIVATE_URL_TTL_SECONDS} s); the bucket policy must not allow public reads there",
            ),
        ]
    return rows


@dataclass(frozen=True)
class ProbeStep:
    name: str
    ok: bool
    milliseconds: float
    detail: str


def _scrub(text: str) -> str:
    """Error messages can quote the endpoint URL or a credential: mask anything secret before printing."""
    storage = storages["default"]
    secrets = {
        getattr(storage, "secret_key", None): mask_secret,
        getattr(storage, "access_key", None): mask_key,
        urlsplit(getattr(storage, "endpoint_url", None) or "").password: mask_secret,
    }
    for value, mask in secrets.items():
        if value:
            text = text.replace(value, mask(value))
    return text


def _timed(name: str, action: Callable[[], str]) -> ProbeStep:
    started = time.perf_counter()
    try:
        detail = action()
        ok = True
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        ok = False
    return ProbeStep(name, ok, (time.perf_counter() - started) * 1000, _scrub(detail))


def storage_probe() -> list[ProbeStep]:
    """Write, read back, address and delete a small probe file; stops at the first failure (cleaning up)."""
    token = uuid.uuid4().hex
    content = f"selflink storage probe {token}\n".encode()
    saved: list[str] = []

    def write() -> str:
        file = ContentFile(content)
        file.content_type = "text/plain"
        saved.append(default_storage.save(f"storage-status/probe-{token}.txt", file))
        return f"{len(content)} bytes to {saved[0]}"

    def read() -> str:
        with default_storage.open(saved[0], "rb") as handle:
            back = handle.read()
        if back != content:
            raise OSError(f"read {len(back)} bytes that differ from the {len(content)} written")
        return f"{len(back)} bytes, identical"

    def url() -> str:
        address = media_url(saved[0]) or ""
        if not address.startswith(("http://", "https://")):
            raise ValueError(f"the storage gave a relative URL: {address!r}")
        return _url_for_display(address)

    def delete() -> str:
        default_storage.delete(saved[0])
        if default_storage.exists(saved[0]):
            raise OSError("the probe still exists after delete")
        return "deleted, no longer exists"

    steps: list[ProbeStep] = []
    for name, action in (("write", write), ("read", read), ("url", url), ("delete", delete)):
        step = _timed(name, action)
        steps.append(step)
        if not step.ok:
            if saved and name != "delete":
                storage_delete_quietly(saved)
            break
    return steps
