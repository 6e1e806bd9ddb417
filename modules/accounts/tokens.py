"""Access tokens (JWT, HS256, short-lived) and opaque refresh tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.utils import timezone

from modules.core.public import NotAuthenticated

ACCESS_TOKEN_TYPE = "access"
_ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: uuid.UUID
    expires_at: dt.datetime


def access_token_issue(*, user_id: int, session_id: uuid.UUID, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    claims = {
        "iss": settings.JWT_ISSUER,
        "sub": str(user_id),
        "sid": str(session_id),
        "typ": ACCESS_TOKEN_TYPE,
        "jti": secrets.token_hex(8),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + settings.JWT_ACCESS_TTL_SECONDS,
    }
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm=_ALGORITHM)


def access_token_decode(token: str) -> AccessClaims:
    """Verify signature, issuer, expiry and type. Raises NotAuthenticated with a precise code."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=[_ALGORITHM],
            issuer=settings.JWT_ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "typ"]},
            leeway=5,
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("The access token has expired.", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("The access token is invalid.", code="token_invalid") from exc
    if claims.get("typ") != ACCESS_TOKEN_TYPE:
        raise NotAuthenticated("This is not an access token.", code="token_invalid")
    try:
        return AccessClaims(
            user_id=int(claims["sub"]),
            session_id=uuid.UUID(claims["sid"]),
            expires_at=dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC),
        )
    except (TypeError, ValueError) as exc:
        raise NotAuthenticated("The access token is invalid.", code="token_invalid") from exc


def refresh_token_generate() -> tuple[str, str]:
    """A new opaque refresh token and the SHA-256 under which it is stored."""
    raw = secrets.token_urlsafe(48)
    return raw, refresh_token_hash(raw)


def refresh_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
