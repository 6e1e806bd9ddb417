"""Exception handlers that give the whole API one error shape."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
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


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> HttpResponse:
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _on_api_error(api: NinjaAPI, request: HttpRequest, exc: ApiError) -> HttpResponse:
    if exc.code not in ERROR_CODES:  # tests/api/test_error_codes.py should have caught it
        logger.error("error code %r is not registered (see modules/core/errors.py)", exc.code)
    body: dict[str, Any] = {"detail": exc.detail, "code": exc.code}
    if exc.status == 422 or exc.errors is not None:
        body["errors"] = exc.errors or {"non_field_errors": [exc.detail]}
    return _respond(api, request, exc.status, body, exc.headers)


def _on_validation_error(api: NinjaAPI, request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _respond(api, request, 422, validation_body(exc.errors))


def _on_authentication_error(api: NinjaAPI, request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"detail": "Authentication credentials were not provided or are invalid.", "code": "not_authenticated"}
    return _respond(api, request, 401, body, {"WWW-Authenticate": "Bearer"})


def _on_authorization_error(api: NinjaAPI, request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return _respond(api, request, 403, {"detail": str(exc) or "Forbidden.", "code": "permission_denied"})


def _on_throttled(api: NinjaAPI, request: HttpRequest, exc: Throttled) -> HttpResponse:
    retry = str(max(1, int(exc.wait or 1)))
    return _respond(api, request, 429, {"detail": "Too many requests.", "code": "rate_limited"}, {"Retry-After": retry})


def _on_http_error(api: NinjaAPI, request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ApiError):  # raised by our parser while Ninja read the body
        return _on_api_error(api, request, exc.__cause__)
    message = str(exc)
    code = error_code_for_status(exc.status_code)
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message, code = "Malformed JSON in the request body.", "malformed_json"
    return _respond(api, request, exc.status_code, {"detail": message, "code": code})


def _on_not_found(api: NinjaAPI, request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(api, request, 404, {"detail": "Not found.", "code": "not_found"})


def _on_too_big(api: NinjaAPI, request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _respond(api, request, 413, {"detail": "The request body is too large.", "code": "payload_too_large"})


def _on_database_down(api: NinjaAPI, request: HttpRequest, exc: OperationalError | InterfaceError) -> HttpResponse:
    logger.warning("database error on %s %s: %s", request.method, request.path, exc.__class__.__name__)
    return _on_api_error(api, request, database_failed())


def _on_unexpected(api: NinjaAPI, request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exc)
    detail = f"Internal server error: {exc!r}" if settings.DEBUG else "Internal server error."
    return _respond(api, request, 500, {"detail": detail, "code": "server_error"})


# Ninja picks the handler of the closest class in the exception's MRO, so `Exception` only catches the rest.
_HANDLERS: dict[type[Exception], Callable[[NinjaAPI, HttpRequest, Any], HttpResponse]] = {
    ApiError: _on_api_error,
    ValidationError: _on_validation_error,
    AuthenticationError: _on_authentication_error,
    AuthorizationError: _on_authorization_error,
    Throttled: _on_throttled,
    HttpError: _on_http_error,
    Http404: _on_not_found,
    RequestDataTooBig: _on_too_big,
    OperationalError: _on_database_down,
    InterfaceError: _on_database_down,
    Exception: _on_unexpected,
}


def install_error_handlers(api: NinjaAPI) -> None:
    """Give every error `api` can meet the one error shape (see the handlers above)."""
    for exception_class, handler in _HANDLERS.items():
        api.add_exception_handler(exception_class, partial(handler, api))
