"""Make every error under /api/ speak JSON, even the ones no API code produced.

Ninja's handlers cover errors raised inside operations. This middleware covers
what happens around them: unknown URLs (Django's 404), methods an operation does
not accept (405), exceptions escaping everything (500). Non-API pages (admin)
keep Django's HTML.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("selflink.api")

_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}


def error_code_for_status(status: int) -> str:
    return _CODES.get(status, "error")


def json_error(status: int, detail: str, code: str | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code or error_code_for_status(status)}, status=status)


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _is_api(request: HttpRequest) -> bool:
        return request.path.startswith("/api/v")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not self._is_api(request) or response.status_code < 400 or response.streaming:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        detail = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        if status == 405 and response.has_header("Allow"):
            detail = f"Method {request.method} not allowed. Allowed: {response['Allow']}."
        replacement = json_error(status, detail + ("" if detail.endswith(".") else "."))
        for header in ("Allow", "Retry-After"):
            if response.has_header(header):
                replacement[header] = response[header]
        return replacement

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self._is_api(request):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return json_error(500, "Internal server error.", "server_error")


__all__ = ["ApiErrorShapeMiddleware", "error_code_for_status", "json_error"]
