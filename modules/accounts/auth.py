"""Bearer authentication for the API: a valid access JWT whose session is still open."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from modules.accounts.contracts import Principal
from modules.accounts.models import AuthSession
from modules.accounts.tokens import access_token_decode
from modules.core.public import NotAuthenticated


def principal_from_access_token(token: str) -> Principal:
    """Resolve an access token to its caller, or raise NotAuthenticated (also used by realtime)."""
    claims = access_token_decode(token)
    row = (
        AuthSession.objects.filter(
            id=claims.session_id, user_id=claims.user_id, revoked_at__isnull=True, user__is_active=True
        )
        .values_list("user__is_staff", flat=True)
        .first()
    )
    if row is None:
        raise NotAuthenticated("This session has ended. Sign in again.", code="session_revoked")
    return Principal(
        user_id=claims.user_id, session_id=claims.session_id, is_staff=bool(row), expires_at=claims.expires_at
    )


class JWTBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        return principal_from_access_token(token)


bearer_auth = JWTBearer()


def current_principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise NotAuthenticated()
    return principal
