"""ASGI entry point served by daphne: HTTP (API, admin, docs, SSE) and WebSocket on one port.

Until the realtime endpoint exists, WebSocket connections are refused with close code 4404.
"""

import os

import django
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "selflink.settings")
django.setup()

django_http = get_asgi_application()


async def application(scope, receive, send):
    if scope["type"] == "http":
        return await django_http(scope, receive, send)
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.close", "code": 4404})
        return None
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return None
    raise ValueError(f"unsupported ASGI scope type {scope['type']!r}")
