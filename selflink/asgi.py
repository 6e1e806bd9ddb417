"""ASGI entry point served by daphne: HTTP (API, admin, docs, SSE) and the realtime WebSocket on one port."""

import os

import django
from asgiref.sync import SyncToAsync, ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
django.setup()

django_http = get_asgi_application()

from modules.realtime.websocket import websocket_app  # noqa: E402 - needs Django set up


def _daphne_sends_close_reasons() -> None:
    """daphne 4 drops the ASGI `reason` of `websocket.close` (django/daphne#374; ASGI added it in spec 2.3), so
    clients would see an empty close reason. Pass it to autobahn's `sendClose`, which supports it; everything
    else goes to daphne unchanged. Only in a daphne process, once; a daphne without the method is left alone."""
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:
        return
    original = getattr(WebSocketProtocol, "handle_reply", None)
    if original is None or getattr(original, "sends_close_reasons", False):
        return

    def handle_reply(self, message):
        if message.get("type") == "websocket.close" and message.get("reason") and self.state == self.STATE_OPEN:
            # RFC 6455 allows 123 bytes of reason; ours are short ASCII codes.
            self.sendClose(code=message.get("code") or 1000, reason=str(message["reason"])[:120])
            return None
        return original(self, message)

    handle_reply.sends_close_reasons = True
    WebSocketProtocol.handle_reply = handle_reply


_daphne_sends_close_reasons()


# --- worker threads that outlive a request ------------------------------------------------------------------------
#
# Django runs each HTTP request's sync code (middleware hooks, the view, signals) in a worker thread of its own:
# asgiref's `ThreadSensitiveContext` starts a one-thread executor for the request and joins it afterwards. Starting
# and joining a thread costs ~0.3-0.5 ms of CPU per request (issue 12). Here a request borrows a *lane*, a
# `ThreadSensitiveContext` whose thread is kept between requests: Django's handler finds the context already set and
# uses it as is, so everything else is unchanged (one thread per request in flight, requests concurrent as before).
# A lane goes back to the idle list only when its request ended normally, with the whole response sent: then nothing
# of that request can still be running in its thread. Otherwise (a client that disconnected while its view was
# still running) the lane is retired, its thread ending once its work is done. At most IDLE_LANES_KEPT idle lanes
# are kept; the threads of a larger burst end after it.

IDLE_LANES_KEPT = 32
_idle_lanes: list[ThreadSensitiveContext] = []


def _lane_retire(lane: ThreadSensitiveContext) -> None:
    executor = SyncToAsync.context_to_thread_executor.pop(lane, None)
    if executor is not None:
        executor.shutdown(wait=False)


async def _http(scope, receive, send) -> None:
    lane = _idle_lanes.pop() if _idle_lanes else ThreadSensitiveContext()
    completed = False

    async def send_watching(message) -> None:
        nonlocal completed
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            completed = True

    token = SyncToAsync.thread_sensitive_context.set(lane)
    try:
        await django_http(scope, receive, send_watching)
    except BaseException:
        completed = False
        raise
    finally:
        SyncToAsync.thread_sensitive_context.reset(token)
        if completed and len(_idle_lanes) < IDLE_LANES_KEPT:
            _idle_lanes.append(lane)
        else:
            _lane_retire(lane)


async def application(scope, receive, send):
    if scope["type"] == "http":
        return await _http(scope, receive, send)
    if scope["type"] == "websocket":
        return await websocket_app(scope, receive, send)
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return None
    raise ValueError(f"unsupported ASGI scope type {scope['type']!r}")
