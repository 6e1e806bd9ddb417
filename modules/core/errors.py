"""The one error type the API speaks, and the registry of its codes.

Services and selectors raise `ApiError` subclasses; the API turns every one of
them (and every framework error) into `{"detail": ..., "code": ...}` with the
matching status. Codes are stable machine identifiers clients may branch on:
each is registered once with its meaning (`register_error_codes`, in each
module's `errors.py`), and the registry is published in the OpenAPI document as
the `ErrorCode` enumeration. `tests/api/test_error_codes.py` fails when code
raises an unregistered code or a registered code is never used.
"""

from __future__ import annotations

import re
from typing import Any

ERROR_CODES: dict[str, str] = {}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def register_error_codes(codes: dict[str, str]) -> None:
    """Register codes with what they mean to a client. A code has one meaning: registering it twice fails."""
    for code, meaning in codes.items():
        if not _CODE.match(code):
            raise ValueError(f"error code {code!r} must be snake_case")
        if code in ERROR_CODES and ERROR_CODES[code] != meaning:
            raise ValueError(f"error code {code!r} is already registered as {ERROR_CODES[code]!r}")
        ERROR_CODES[code] = meaning


class ApiError(Exception):
    status = 400
    code = "bad_request"
    detail = "The request could not be processed."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.detail
        self.code = code or self.code
        self.errors = errors
        self.headers = headers or {}
        # More top-level fields for the body (e.g. the `candidates` of an unresolved place); the endpoint declares
        # them in its error response schema. They never replace `detail`, `code` or `errors`.
        self.extra = extra or {}
        super().__init__(self.detail)


class BadRequest(ApiError):
    pass


class InvalidCursor(ApiError):
    code = "invalid_cursor"
    detail = "Invalid cursor."


class NotAuthenticated(ApiError):
    status = 401
    code = "not_authenticated"
    detail = "Authentication credentials were not provided or are invalid."


class PermissionDenied(ApiError):
    status = 403
    code = "permission_denied"
    detail = "You do not have permission to perform this action."


class NotFound(ApiError):
    status = 404
    code = "not_found"
    detail = "Not found."


class Conflict(ApiError):
    status = 409
    code = "conflict"
    detail = "The request conflicts with the current state."


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    detail = "The uploaded content is too large."


class ValidationFailed(ApiError):
    status = 422
    code = "validation_error"
    detail = "The submitted data is not valid."

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str | None = None) -> ValidationFailed:
        return cls(message, code=code, errors={field: [message]})


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    detail = "Too many requests. Try again later."

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(self.retry_after)})


class ServiceUnavailable(ApiError):
    status = 503
    code = "service_unavailable"
    detail = "The service is temporarily unavailable."


# The codes of the shared kernel and of the framework (any endpoint may answer with them).
register_error_codes(
    {
        "bad_request": "The request could not be processed (see `detail`).",
        "error": "An HTTP error with no more specific code (the status says what kind).",
        "invalid_cursor": "The `cursor` does not come from this list (or was altered): start from the first page.",
        "not_authenticated": "No valid access token was sent: sign in (or refresh) and retry with `Authorization: "
        "Bearer <token>`.",
        "permission_denied": "You are signed in but may not do this.",
        "not_found": "No such object, or not one you may see.",
        "method_not_allowed": "The path exists but not with this HTTP method (the `Allow` header lists the others).",
        "conflict": "The request conflicts with the current state of the object.",
        "idempotency_conflict": "This idempotency key (or client id) was already used for a different request.",
        "payload_too_large": "The request body or an uploaded file is larger than allowed.",
        "unsupported_media_type": "The body is neither JSON nor multipart/form-data.",
        "malformed_json": "The body is not valid JSON.",
        "malformed_multipart": "The multipart body could not be parsed.",
        "validation_error": "Some fields are invalid: `errors` maps each field to its messages.",
        "rate_limited": "Too many requests: wait the number of seconds in `Retry-After`.",
        "server_error": "An unexpected error on our side; it was logged. Retrying later may help.",
        "service_unavailable": "A service this request needs is down for the moment; retry later.",
    }
)
