"""Make every error under /api/ speak JSON, even the ones no API code produced.

Ninja's handlers cover errors raised inside operations. This middleware covers
what happens around them: unknown URLs (Django's 404), methods an operation does
not accept (405), exceptions escaping everything (500). Non-API pages (admin)
keep Django's HTML. It runs natively both sync (tests, WSGI) and async (daphne),
so it never costs a thread switch.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
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


FALLBACK_CODE = "error"


def error_code_for_status(status: int) -> str:
    return _CODES.get(status, FALLBACK_CODE)


def json_error(status: int, detail: str, code: str | None = None) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code or error_code_for_status(status)}, status=status)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/v")


def _reshape(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not _is_api(request) or response.status_code < 400 or response.streaming:
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


class ApiErrorShapeMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.is_async:
            return self.__acall__(request)
        return _reshape(request, self.get_response(request))

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        return _reshape(request, await self.get_response(request))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_api(request):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return json_error(500, "Internal server error.", "server_error")
