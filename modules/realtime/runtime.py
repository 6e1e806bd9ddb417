"""The process's hub, created and started on first use inside the server's event loop."""

from __future__ import annotations

import asyncio

from django.conf import settings

from modules.realtime.hub import Hub
from modules.realtime.sessions import sessions_still_live

_hub: Hub | None = None
_lock: asyncio.Lock | None = None


async def get_hub() -> Hub:
    global _hub, _lock
    if _hub is not None:
        return _hub
    _lock = _lock or asyncio.Lock()
    async with _lock:
        if _hub is None:
            hub = Hub(
                settings.REALTIME_DATABASE_URL,
                poll_seconds=settings.REALTIME_POLL_SECONDS,
                queue_size=settings.REALTIME_QUEUE_SIZE,
                session_check_seconds=settings.REALTIME_SESSION_CHECK_SECONDS,
                session_checker=sessions_still_live,
            )
            await hub.start()
            _hub = hub
    return _hub


def hub_status() -> dict | None:
    """The hub's state in this process, or None when no realtime client has connected here yet."""
    return _hub.status() if _hub is not None else None
