"""Content-Security-Policy for the HTML the server renders itself: the staff admin and the API docs.

The API answers JSON (no policy needed); these two are the pages a script injected into stored content or a
compromised asset host could run in a staff member's browser. Both policies allow only our own origin for
scripts, styles, fonts and requests, nothing may frame the pages, and forms post back to us only.

What each needs (checked by tests/test_settings.py, which parses the rendered pages):

- admin (django-unfold): its own static files; Alpine.js evaluates the `x-data` / `x-init` attributes with the
  `AsyncFunction` constructor, so scripts need `'unsafe-eval'` (inline `<script>` stays forbidden); inline
  `style` attributes and the theme's `<style>` element need `'unsafe-inline'` for styles; avatars and post images
  come from the media origin (ours, or the S3 / CDN host); `data:` images and fonts.
- docs (Swagger UI from django-ninja's static files, configured through a JSON `<script type="application/json">`,
  which is data, not code): `'self'` scripts, inline styles set by Swagger UI, `data:` images, requests to our API.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from modules.core.middleware_django import InlineHooks

ADMIN_PREFIX = "/admin/"
DOCS_PATHS = ("/api/docs/",)


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url if "//" in url else f"https://{url}")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else None


def media_origins() -> list[str]:
    """Where media URLs point, when not at our own origin."""
    if settings.STORAGE_BACKEND == "s3":
        origin = _origin(getattr(settings, "AWS_S3_CUSTOM_DOMAIN", None)) or _origin(
            getattr(settings, "AWS_S3_ENDPOINT_URL", None)
        )
        return [origin or "https://*.amazonaws.com"]
    origin = _origin(settings.MEDIA_URL) if settings.MEDIA_URL.startswith(("http://", "https://")) else None
    return [origin] if origin else []


def _render(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


_COMMON = {
    "default-src": ["'self'"],
    "connect-src": ["'self'"],
    "font-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


@cache
def admin_policy() -> str:
    media = media_origins()
    return _render(
        {
            **_COMMON,
            "script-src": ["'self'", "'unsafe-eval'"],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:", "blob:", *media],
            "media-src": ["'self'", *media],
        }
    )


@cache
def docs_policy() -> str:
    return _render(
        {
            **_COMMON,
            "script-src": ["'self'"],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:"],
        }
    )


class ContentSecurityPolicyMiddleware(InlineHooks, MiddlewareMixin):
    """Adds the policy of /admin/… and /api/docs/ responses (async-capable, like every middleware here; a header
    only, so its hook runs without a thread hop)."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if "Content-Security-Policy" in response:
            return response
        path = request.path_info
        if path.startswith(ADMIN_PREFIX):
            response["Content-Security-Policy"] = admin_policy()
        elif path in DOCS_PATHS:
            response["Content-Security-Policy"] = docs_policy()
        return response
