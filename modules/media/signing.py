"""Signed, expiring URLs for media in the private area (local storage; S3 presigns its own).

A private file's URL is `<MEDIA_URL>private/<path>?exp=<unix time>&sig=<HMAC-SHA256>`: the signature covers
the storage path and the expiry, with a key derived from `SECRET_KEY` (so it is never in a URL or the proxy's
configuration), and `views.private_media` refuses a missing, altered or expired one before it serves a byte.

Expiry times are rounded up to a step of a quarter of the lifetime, so a client asking again within that step
gets the very same URL (its image cache keeps working), and every URL stays valid for at least
`MEDIA_PRIVATE_URL_TTL_SECONDS` and at most a quarter more.
"""

from __future__ import annotations

import base64
import time
from urllib.parse import urlencode

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "selflink.media.private-url"


class MediaLinkError(Exception):
    code = "media_link_invalid"
    detail = "This media link is not valid."


class MediaLinkExpired(MediaLinkError):
    code = "media_link_expired"
    detail = "This media link has expired: load the message or post again for a fresh one."


def private_url_expiry(now: float | None = None) -> int:
    ttl = settings.MEDIA_PRIVATE_URL_TTL_SECONDS
    step = max(1, ttl // 4)
    now = int(time.time() if now is None else now)
    return (now // step + 1) * step + ttl


def private_url_signature(path: str, expires: int, *, secret: str | None = None) -> str:
    digest = salted_hmac(SALT, f"{path}\n{expires}", secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def private_url_query(path: str, now: float | None = None) -> str:
    expires = private_url_expiry(now)
    return urlencode({"exp": expires, "sig": private_url_signature(path, expires)})


def private_url_check(path: str, expires: str | None, signature: str | None, now: float | None = None) -> int:
    """The expiry of a valid link to `path`; MediaLinkError when it was not signed by us for this path (or
    was altered), MediaLinkExpired when it was but its time is up. Keys in SECRET_KEY_FALLBACKS still verify,
    so rotating the secret does not break links handed out just before."""
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        raise MediaLinkError()
    number = int(expires)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(constant_time_compare(signature, private_url_signature(path, number, secret=s)) for s in secrets):
        raise MediaLinkError()
    if number <= int(time.time() if now is None else now):
        raise MediaLinkExpired()
    return number
