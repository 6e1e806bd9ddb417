"""Bearer authentication for the API: a valid access JWT whose session is still open.

`bearer_auth` for ordinary (sync) operations, `async_bearer_auth` for async ones (the SSE streams), and
`current_principal` / `viewer_id` for what a handler needs of the caller.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from django.http import HttpRequest
from ninja.security import HttpBearer

from modules.accounts.contracts import Principal
from modules.accounts.models import AuthSession, User
from modules.accounts.tokens import access_token_decode
from modules.core.public import ApiError, NotAuthenticated, database_call


@cache
def _session_check_sql() -> str:
    """The one statement every authenticated request runs: the session is open and its user active. Written out
    once (the ORM would compile the same join anew for every request)."""
    return (
        f"SELECT u.is_staff FROM {AuthSession._meta.db_table} s JOIN {User._meta.db_table} u ON u.id = s.user_id "  # noqa: S608
        "WHERE s.id = %s AND s.user_id = %s AND s.revoked_at IS NULL AND u.is_active"
    )


def principal_from_access_token(token: str) -> Principal:
    """Resolve an access token to its caller, or raise NotAuthenticated (also used by realtime)."""
    claims = access_token_decode(token)
    with connection.cursor() as cursor:
        cursor.execute(_session_check_sql(), [claims.session_id, claims.user_id])
        row = cursor.fetchone()
    if row is None:
        raise NotAuthenticated("This session has ended. Sign in again.", code="session_revoked")
    return Principal(
        user_id=claims.user_id, session_id=claims.session_id, is_staff=bool(row[0]), expires_at=claims.expires_at
    )


def bearer_token(request: HttpRequest) -> str | None:
    """The token of `Authorization: Bearer <token>` (scheme case-insensitive), or None for any other header.

    Nothing here is logged: the header is a credential whatever its scheme (`Basic` carries a password).
    """
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class BearerAuth(HttpBearer):
    """`HttpBearer` without its logging: with DEBUG on, django-ninja logs the whole `Authorization` header at
    ERROR when the scheme is not Bearer (`Unexpected auth - 'Basic …'`), which puts passwords and tokens in the
    log. Every bearer authentication of the API derives from this class instead of `HttpBearer`."""

    def __call__(self, request: HttpRequest) -> Any:
        token = bearer_token(request)
        if token is None:
            return None
        return self.authenticate(request, token)


class JWTBearer(BearerAuth):
    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        return principal_from_access_token(token)


class AsyncBearer(BearerAuth):  # the name is the OpenAPI security scheme's (`AsyncBearer`)
    """The same check for async operations (the SSE streams of realtime and the mentor), run off the event loop
    with a request's connection handling; it only reads, so it is retried after a database restart.

    A refused token is answered with the generic 401 `not_authenticated`, without the reason (`token_expired`,
    `session_revoked`) that the sync bearer's error carries.
    """

    async def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        try:
            return await database_call(principal_from_access_token, retry_reads=True)(token)
        except ApiError:
            return None


bearer_auth = JWTBearer()
async_bearer_auth = AsyncBearer()


def current_principal(request: HttpRequest) -> Principal:
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        raise NotAuthenticated()
    return principal


def viewer_id(request: HttpRequest) -> int:
    """The signed-in caller's user id (the operation must use bearer authentication)."""
    return current_principal(request).user_id
