"""The project's middleware: every error under /api/ in JSON, the database gate, the client's address.

`ApiErrorShapeMiddleware` makes every error under /api/ speak JSON, even the ones no API code produced. Ninja's
handlers cover errors raised inside operations; this covers what happens around them: unknown URLs (Django's
404), methods an operation does not accept (405), exceptions escaping everything (500). Non-API pages (admin)
keep Django's HTML.

Each middleware here runs natively both sync (tests, WSGI) and async (daphne), so none costs a thread switch
(Django's own, adapted the same way, are in `middleware_django.py`).
"""

from __future__ import annotations

import ipaddress
import logging
from functools import cache
from http import HTTPStatus

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from modules.core.database import DatabaseUnavailable, database_failed, gate

logger = logging.getLogger("selflink.api")


class HybridMiddleware:
    """Base of a middleware that runs natively both sync and async (Django's `sync_capable`/`async_capable`):
    `__call__` answers with `handle(request)` in a sync stack and with the coroutine `ahandle(request)` in an
    async one. A subclass that only looks at the request before passing it on may override `__call__` instead
    (`get_response` returns a coroutine in an async stack, which the caller awaits)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if self.is_async:
            return self.ahandle(request)
        return self.handle(request)

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError


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


def is_api_request(request: HttpRequest) -> bool:
    """A request of the bearer API (/api/v…), as opposed to the admin, the API docs page and media."""
    return request.path.startswith("/api/v")


def _reshape(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not is_api_request(request) or response.status_code < 400 or response.streaming:
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


class ApiErrorShapeMiddleware(HybridMiddleware):
    def handle(self, request: HttpRequest) -> HttpResponse:
        return _reshape(request, self.get_response(request))

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        return _reshape(request, await self.get_response(request))

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            return unavailable_response(request, database_failed())
        if not is_api_request(request):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return json_error(500, "Internal server error.", "server_error")


def unavailable_response(request: HttpRequest, error: DatabaseUnavailable) -> HttpResponse:
    if is_api_request(request):
        response: HttpResponse = json_error(503, error.detail, error.code)
    else:
        response = HttpResponse(error.detail, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = error.headers["Retry-After"]
    return response


# What answers without the database (liveness, static and media files) passes even while it is down.
_GATE_EXEMPT_PATHS = frozenset({"/api/v1/health/"})
_GATE_EXEMPT_PREFIXES = ("/static/", "/media/")


class DatabaseGateMiddleware(HybridMiddleware):
    """While the database is known to be down, answer 503 + Retry-After at once (see core/database.py)."""

    @staticmethod
    def _closed(request: HttpRequest) -> bool:
        return (
            gate.down_since is not None
            and request.path not in _GATE_EXEMPT_PATHS
            and not request.path.startswith(_GATE_EXEMPT_PREFIXES)
        )

    def handle(self, request: HttpRequest) -> HttpResponse:
        if self._closed(request) and (retry := gate.retry_after()) is not None:
            return unavailable_response(request, DatabaseUnavailable(retry))
        return self.get_response(request)

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        # The probe opens a connection: off the event loop, like any database work.
        if self._closed(request) and (retry := await sync_to_async(gate.retry_after)()) is not None:
            return unavailable_response(request, DatabaseUnavailable(retry))
        return await self.get_response(request)


# --- the client's address behind a reverse proxy ------------------------------------------------------

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


@cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip().strip("[]"))
    except ValueError:
        return None


def _is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    networks = _trusted_networks(tuple(settings.TRUSTED_PROXIES))
    return address is not None and any(address in network for network in networks)


def resolve_forwarding(meta: dict) -> None:
    """Believe forwarding headers only from a trusted proxy (`TRUSTED_PROXIES`, default none).

    From anyone else they are removed, so no later code (SECURE_PROXY_SSL_HEADER, absolute URLs, rate-limit
    keys) can be fooled by a client that reaches daphne directly. From a trusted proxy, the client is the
    right-most X-Forwarded-For address that is not itself a trusted proxy: each proxy appends the address it
    saw, so everything to the left of that was written by the client and proves nothing.
    """
    peer = _address(meta.get("REMOTE_ADDR", ""))
    if not _is_trusted(peer):
        for header in FORWARDED_HEADERS:
            meta.pop(header, None)
        return
    chain = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(chain):
        address = _address(hop)
        if address is None:
            break  # garbage from the client side of the chain: stop at the last address we can vouch for
        if not _is_trusted(address):
            meta["REMOTE_ADDR"] = str(address)
            return


class TrustedProxyMiddleware(HybridMiddleware):
    def __call__(self, request: HttpRequest):
        resolve_forwarding(request.META)
        return self.get_response(request)  # a coroutine under ASGI, which the caller awaits


def client_ip(request: HttpRequest) -> str:
    """The client's address as the server saw it.

    Behind the reverse proxy, daphne runs with `--proxy-headers`, which already
    puts the forwarded client address into REMOTE_ADDR (and `TrustedProxyMiddleware` above resolves it from
    a trusted proxy's X-Forwarded-For); trusting an X-Forwarded-For header here would let any client pick its
    own rate-limit key.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"
