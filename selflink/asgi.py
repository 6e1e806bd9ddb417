"""ASGI entry point served by daphne: HTTP (API, admin, docs, SSE) and the realtime WebSocket on one port."""

import os

import django
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
django.setup()

django_http = get_asgi_application()

from modules.realtime.websocket import websocket_app  # noqa: E402 - needs Django set up


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
