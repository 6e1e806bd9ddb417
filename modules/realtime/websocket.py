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
    Session,
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


async def _open(scope, send) -> Session | None:
    """The connection's session from its query (token, channels, last_event_id), or None once it was refused
    (the refusal is sent and the socket closed)."""
    query = parse_qs(scope.get("query_string", b"").decode())
    try:
        principal = await authenticate(query.get("token", [""])[0])
    except StreamRefused as refused:
        await _refuse(send, refused.frame)
        return None
    try:
        channels = parse_channels(query.get("channels", [""])[0])
        last_event_id = parse_last_event_id(query.get("last_event_id", [None])[0])
    except StreamRefused as refused:
        await send({"type": "websocket.send", "text": dumps(refused.frame)})
        await send({"type": "websocket.close", "code": CLOSE_BAD_REQUEST})
        return None
    return await open_session(principal, channels, last_event_id)


async def _pump(session: Session, send) -> None:
    """The session's frames to the client, until one ends the connection."""
    async for frame in frames(session):
        if ends_connection(frame):  # the token expired or the session ended while connected
            await _refuse(send, frame)
            return
        await send({"type": "websocket.send", "text": dumps(frame)})


def _is_ping(message: dict) -> bool:
    try:
        data = json.loads(message.get("text") or "{}")
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") == "ping"


async def _listen(receive, send) -> None:
    """What the client sends: pings (answered), until it disconnects."""
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message["type"] == "websocket.receive" and _is_ping(message):
            await send({"type": "websocket.send", "text": dumps(PongFrame().model_dump())})


async def websocket_app(scope, receive, send) -> None:
    if scope["path"].rstrip("/") != "/ws":
        await receive()
        await send({"type": "websocket.close", "code": 4404})
        return
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    session = await _open(scope, send)
    if session is None:
        return
    tasks = [asyncio.create_task(_pump(session, send)), asyncio.create_task(_listen(receive, send))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await close_session(session)
