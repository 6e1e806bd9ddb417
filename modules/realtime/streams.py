"""What the WebSocket and SSE endpoints share: authentication, channel authorization, resume, frames."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from modules.accounts.public import Principal, principal_from_access_token
from modules.core.public import MAX_SAFE_ID, ApiError, database_call
from modules.realtime.access import authorize, user_topic
from modules.realtime.events import TOKEN_EXPIRED, ErrorFrame, ResyncRequiredFrame, ends_connection, unauthorized
from modules.realtime.hub import Subscriber
from modules.realtime.runtime import get_hub

MAX_CHANNELS = 50


@dataclass
class Session:
    principal: Principal
    subscriber: Subscriber
    notices: list[dict]  # frames to send first (refused channels, resync)
    expiry: asyncio.TimerHandle | None = None  # ends the subscriber when the access token expires


class StreamRefused(Exception):
    def __init__(self, frame: dict) -> None:
        super().__init__(frame["detail"])
        self.frame = frame


def control(frame: ErrorFrame | ResyncRequiredFrame) -> dict:
    return frame.model_dump(exclude_none=True)


async def authenticate(token: str) -> Principal:
    try:
        return await database_call(principal_from_access_token, retry_reads=True)(token)
    except ApiError as exc:
        raise StreamRefused(unauthorized(exc.code, exc.detail)) from exc


def _bad_input(field: str, *, code: str, detail: str) -> StreamRefused:
    return StreamRefused(control(ErrorFrame(field=field, code=code, detail=detail)))


def parse_channels(raw: str | None) -> list[str]:
    channels = list(dict.fromkeys(c.strip() for c in (raw or "").split(",") if c.strip()))
    if len(channels) > MAX_CHANNELS:
        raise _bad_input(
            "channels", code="too_many_channels", detail=f"Follow at most {MAX_CHANNELS} channels per connection."
        )
    return channels


def parse_last_event_id(raw: str | None) -> int | None:
    """None when absent; a well-formed id otherwise (whether it is still retained is the hub's business)."""
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_SAFE_ID):
        raise _bad_input(
            "last_event_id", code="invalid_last_event_id", detail="last_event_id must be the id of an event."
        )
    return int(raw)


async def open_session(principal: Principal, channels: list[str], last_event_id: int | None) -> Session:
    notices: list[dict] = []
    topics = {user_topic(principal.user_id)}
    for channel in channels:
        if await database_call(authorize, retry_reads=True)(principal.user_id, channel):
            topics.add(channel)
        else:
            notices.append(
                control(ErrorFrame(code="channel_forbidden", channel=channel, detail=f"You may not follow {channel}."))
            )
    hub = await get_hub()
    resume = None
    if last_event_id is not None:
        position = await hub.position_of(last_event_id)
        if position is None:
            # Older than the retention, or unknown: the client must fetch state again over REST.
            notices.append(control(ResyncRequiredFrame(reason="last_event_id is no longer available")))
        else:
            resume = position
    subscriber = await hub.subscribe(topics, resume, session_id=str(principal.session_id))
    session = Session(principal=principal, subscriber=subscriber, notices=notices)
    remaining = seconds_until_expiry(principal)
    if remaining is not None:
        # The token was checked once, at connect: the connection ends when it expires (WebSocket and SSE alike).
        session.expiry = asyncio.get_running_loop().call_later(remaining, subscriber.end, TOKEN_EXPIRED)
    return session


async def close_session(session: Session) -> None:
    if session.expiry is not None:
        session.expiry.cancel()
    (await get_hub()).unsubscribe(session.subscriber)


async def frames(session: Session, *, heartbeat: float | None = None) -> AsyncIterator[dict | None]:
    """The session's frames in order; None at each heartbeat interval without traffic. Stops after a frame
    that ends the connection (`ends_connection`: the token expired or the session ended)."""
    for notice in session.notices:
        yield notice
    queue = session.subscriber.queue
    while True:
        try:
            frame = await asyncio.wait_for(queue.get(), timeout=heartbeat) if heartbeat else await queue.get()
        except TimeoutError:
            yield None
            continue
        if frame.get("type") == "resync_required":
            session.subscriber.acknowledge_resync()
        yield frame
        if ends_connection(frame):
            return


def seconds_until_expiry(principal: Principal) -> float | None:
    if principal.expires_at is None:
        return None
    return max(0.0, (principal.expires_at - dt.datetime.now(dt.UTC)).total_seconds())


def dumps(frame: dict) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=str)
