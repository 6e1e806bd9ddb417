"""Django's own middleware, adapted to what each request needs (issue 12: the CPU per request).

Under ASGI Django's `MiddlewareMixin` runs every `process_request` / `process_response` / `process_view` through
`sync_to_async`: one hop to the request's worker thread and back per hook, about 15 per request with the stack in
settings. Two adaptations, each a subclass of Django's class (so Django's and the admin's system checks still find
it, and its settings apply unchanged):

* `InlineHooks`: middleware whose hooks only read the request and set headers (security headers, the
  trailing-slash redirect, X-Frame-Options, the Content-Security-Policy) runs its hooks where it is called, on the
  event loop under ASGI: they do no I/O, so a hop buys nothing.
* `BrowserOnly`: sessions, CSRF, authentication from the session and messages exist for what a browser signs in to
  (the staff admin, the API docs page). The API under /api/v… authenticates each request by its bearer token
  (`request.auth`), never reads a cookie, and every operation is CSRF-exempt (django-ninja); there these are
  skipped, so an API request has no `request.session` or `request.user`. Every other path (admin, docs, media)
  gets exactly Django's behaviour, hops included.

Kept apart from `middleware.py` because importing Django's auth middleware needs the app registry, and
`middleware.py` is imported early (by `core.public`).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth import middleware as auth_middleware
from django.contrib.messages import middleware as messages_middleware
from django.contrib.sessions import middleware as sessions_middleware
from django.http import HttpRequest, HttpResponse
from django.middleware import clickjacking, common, csrf, security

from modules.core.middleware import is_api_request


class InlineHooks:
    """Runs a `MiddlewareMixin`'s request/response hooks in the caller's context under ASGI (no `sync_to_async`).
    Only for hooks that do no I/O."""

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        response = self.process_request(request) if hasattr(self, "process_request") else None
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class BrowserOnly:
    """A `MiddlewareMixin` that passes requests of the bearer API straight on (see above)."""

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        if self.async_mode and hasattr(self, "process_view"):
            # Django wraps a sync `process_view` in `sync_to_async` under ASGI: an async one costs no hop when
            # it has nothing to do.
            self.process_view = self._process_view_async

    def __call__(self, request: HttpRequest):
        if is_api_request(request):
            return self.get_response(request)  # a coroutine under ASGI, which the caller awaits
        return super().__call__(request)

    async def _process_view_async(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if is_api_request(request):
            return None
        return await sync_to_async(type(self).process_view, thread_sensitive=True)(self, request, view, args, kwargs)


class SecurityMiddleware(InlineHooks, security.SecurityMiddleware):
    pass


class CommonMiddleware(InlineHooks, common.CommonMiddleware):
    pass


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    pass


class SessionMiddleware(BrowserOnly, sessions_middleware.SessionMiddleware):
    pass


class CsrfViewMiddleware(BrowserOnly, csrf.CsrfViewMiddleware):
    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if is_api_request(request):
            return None
        return super().process_view(request, view, args, kwargs)


class AuthenticationMiddleware(BrowserOnly, auth_middleware.AuthenticationMiddleware):
    pass


class MessageMiddleware(BrowserOnly, messages_middleware.MessageMiddleware):
    pass
