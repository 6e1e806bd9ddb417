"""The one plain Django view of the module: private media files behind a signed, expiring link.

`/media/private/<path>?exp=&sig=` (routed in `selflink/urls.py` for local storage): the link is checked
(`signing.py`: 403 `media_link_invalid` when missing or altered, 403 `media_link_expired` when its time is up)
before the file is looked at. Then the file is served without passing through Python in production: the app
answers with `X-Accel-Redirect` and nginx sends the file from its internal `/_private_media/` location
(`deploy/nginx.conf`), with Range requests for video. With `SERVE_MEDIA` (development, tests) the app sends it
itself. Responses may be kept by the viewer's own cache until the link expires, never by a shared cache.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import storages
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse

from modules.media.signing import MediaLinkError, private_url_check
from modules.media.storage import PRIVATE_PREFIX, storage_backend_name

ACCEL_PREFIX = "/_private_media/"  # nginx's internal location for MEDIA_ROOT/private/
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
                 "mp4": "video/mp4", "mov": "video/quicktime"}  # fmt: skip
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
}


def _error(status: int, code: str, detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def private_media(request: HttpRequest, path: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = _error(405, "method_not_allowed", "Only GET and HEAD are allowed here.")
        response["Allow"] = "GET, HEAD"
        return response
    name = PRIVATE_PREFIX + path
    try:
        expires = private_url_check(name, request.GET.get("exp"), request.GET.get("sig"))
    except MediaLinkError as error:
        return _error(403, error.code, error.detail)
    storage = storages["default"]
    extension = path.rsplit(".", 1)[-1].lower()
    if storage_backend_name(storage) != "local" or extension not in CONTENT_TYPES or not storage.exists(name):
        return _error(404, "not_found", "Not found.")
    content_type = CONTENT_TYPES[extension]
    if settings.SERVE_MEDIA:
        response = (
            HttpResponse(content_type=content_type)
            if request.method == "HEAD"
            else FileResponse(storage.open(name, "rb"), content_type=content_type)
        )
        for header, value in SECURITY_HEADERS.items():
            response[header] = value
    else:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = ACCEL_PREFIX + quote(path)
    response["Cache-Control"] = f"private, max-age={max(0, expires - int(time.time()))}"
    return response
