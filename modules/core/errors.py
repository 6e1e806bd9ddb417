"""The one error type the API speaks.

Services and selectors raise `ApiError` subclasses; the API turns every one of
them (and every framework error) into `{"detail": ..., "code": ...}` with the
matching status. Codes are stable machine identifiers clients may branch on.
"""

from __future__ import annotations


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
    ) -> None:
        self.detail = detail or self.detail
        self.code = code or self.code
        self.errors = errors
        self.headers = headers or {}
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
