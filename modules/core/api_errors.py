"""Exception handlers that give the whole API one error shape."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from modules.core.database import database_failed
from modules.core.errors import ERROR_CODES, ApiError, register_error_codes
from modules.core.middleware import error_code_for_status

logger = logging.getLogger("selflink.api")

_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}


UNKNOWN_FIELD = "Unknown field: this endpoint does not accept it."

register_error_codes(
    {
        "unknown_field": "The body has fields this endpoint does not know (each is named in `errors`); nothing "
        "was changed.",
    }
)


def field_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Turn Ninja/pydantic error locations into `{"field": ["message"]}`."""
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in _SOURCES:
            source, loc = loc[0], loc[1:]
            # A body parameter's own name (`payload`) is not a field the client knows about.
            if source in {"body", "form"} and len(loc) > 1:
                loc = loc[1:]
        field = ".".join(loc) or "non_field_errors"
        if error.get("type") == "extra_forbidden":
            message = UNKNOWN_FIELD
        else:
            message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
        result.setdefault(field, []).append(message)
    return result


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The 422 body for pydantic/Ninja errors; unknown fields are named in `detail` (code `unknown_field` when
    they are the only problem)."""
    fields = field_errors(errors)
    unknown = sorted(field for field, messages in fields.items() if UNKNOWN_FIELD in messages)
    if not unknown:
        return {"detail": "The submitted data is not valid.", "code": "validation_error", "errors": fields}
    only_unknown = len(unknown) == len(fields)
    return {
        "detail": f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.",
        "code": "unknown_field" if only_unknown else "validation_error",
        "errors": fields,
    }


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        response = api.create_response(request, body, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(ApiError)
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        if exc.code not in ERROR_CODES:  # tests/api/test_error_codes.py should have caught it
            logger.error("error code %r is not registered (see modules/core/errors.py)", exc.code)
        body: dict[str, Any] = {"detail": exc.detail, "code": exc.code}
        if exc.status == 422 or exc.errors is not None:
            body["errors"] = exc.errors or {"non_field_errors": [exc.detail]}
        return respond(request, exc.status, body, exc.headers)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return respond(request, 422, validation_body(exc.errors))

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            {
                "detail": "Authentication credentials were not provided or are invalid.",
                "code": "not_authenticated",
            },
            {"WWW-Authenticate": "Bearer"},
        )

    @api.exception_handler(AuthorizationError)
    def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return respond(request, 403, {"detail": str(exc) or "Forbidden.", "code": "permission_denied"})

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        retry = str(max(1, int(exc.wait or 1)))
        return respond(request, 429, {"detail": "Too many requests.", "code": "rate_limited"}, {"Retry-After": retry})

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):  # raised by our parser while Ninja read the body
            return on_api_error(request, exc.__cause__)
        message = str(exc)
        code = error_code_for_status(exc.status_code)
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            message, code = "Malformed JSON in the request body.", "malformed_json"
        return respond(request, exc.status_code, {"detail": message, "code": code})

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, {"detail": "Not found.", "code": "not_found"})

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, {"detail": "The request body is too large.", "code": "payload_too_large"})

    @api.exception_handler(OperationalError)
    def on_database_down(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        logger.warning("database error on %s %s: %s", request.method, request.path, exc.__class__.__name__)
        return on_api_error(request, database_failed())

    @api.exception_handler(InterfaceError)
    def on_database_gone(request: HttpRequest, exc: InterfaceError) -> HttpResponse:
        return on_database_down(request, exc)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
        detail = f"Internal server error: {exc!r}" if settings.DEBUG else "Internal server error."
        return respond(request, 500, {"detail": detail, "code": "server_error"})
