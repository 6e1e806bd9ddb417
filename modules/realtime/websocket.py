"""`/ws`: the realtime WebSocket (served by daphne on the API's port).

`?token=<access JWT>`, optional `&channels=post:12,comment:7` (refused channels get an error frame, the rest
are followed) and `&last_event_id=N` to receive, in order, what was missed. `{"type": "ping"}` →
`{"type": "pong"}`. A refresh, expired, invalid or revoked token gets an error frame with `status` 401 and a
detail starting "Unauthorized", then close code 4401 with the reason `unauthorized: <code>`; so does the
access token expiring while connected (`token_expired`) and the session ending while connected
(`session_revoked`: sign-out, password change elsewhere, device revoked, account deactivated). Reconnect with a
fresh token.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs

from modules.realtime.events import PongFrame, ends_connection
from modules.realtime.streams import (
    StreamRefused,
    authenticate,
    close_session,
    dumps,
    frames,
    open_session,
    parse_channels,
    parse_last_event_id,
)

CLOSE_BAD_REQUEST = 4400  # a malformed query (channels, last_event_id): retrying it unchanged cannot help
CLOSE_UNAUTHORIZED = 4401


async def _refuse(send, frame: dict) -> None:
    """An authentication failure: the error frame, then close 4401 with a reason naming it (a client that only
    sees the close event still knows to sign in again)."""
    await send({"type": "websocket.send", "text": dumps(frame)})
    await send({"type": "websocket.close", "code": CLOSE_UNAUTHORIZED, "reason": f"unauthorized: {frame['code']}"})


async def websocket_app(scope, receive, send) -> None:
    if scope["path"].rstrip("/") != "/ws":
        await receive()
        await send({"type": "websocket.close", "code": 4404})
        return
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    query = parse_qs(scope.get("query_string", b"").decode())
    try:
        principal = await authenticate(query.get("token", [""])[0])
    except StreamRefused as refused:
        await _refuse(send, refused.frame)
        return
    try:
        channels = parse_channels(query.get("channels", [""])[0])
        last_event_id = parse_last_event_id(query.get("last_event_id", [None])[0])
    except StreamRefused as refused:
        await send({"type": "websocket.send", "text": dumps(refused.frame)})
        await send({"type": "websocket.close", "code": CLOSE_BAD_REQUEST})
        return
    session = await open_session(principal, channels, last_event_id)

    async def pump() -> None:
        async for frame in frames(session):
            if ends_connection(frame):  # the token expired or the session ended while connected
                await _refuse(send, frame)
                return
            await send({"type": "websocket.send", "text": dumps(frame)})

    async def listen() -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if message["type"] == "websocket.receive":
                try:
                    data = json.loads(message.get("text") or "{}")
                except ValueError:
                    data = {}
                if isinstance(data, dict) and data.get("type") == "ping":
                    await send({"type": "websocket.send", "text": dumps(PongFrame().model_dump())})

    tasks = [asyncio.create_task(pump()), asyncio.create_task(listen())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await close_session(session)
