"""ASGI entry point served by daphne: HTTP (API, admin, docs, SSE) and the realtime WebSocket on one port."""

import os

import django
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


async def application(scope, receive, send):
    if scope["type"] == "http":
        return await django_http(scope, receive, send)
    if scope["type"] == "websocket":
        return await websocket_app(scope, receive, send)
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return None
    raise ValueError(f"unsupported ASGI scope type {scope['type']!r}")
