"""/api/v1/events/stream/: the realtime events as Server-Sent Events, for clients that cannot hold a WebSocket."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from modules.accounts.http import async_bearer_auth
from modules.core.http import error_responses
from modules.core.public import ValidationFailed
from modules.realtime.streams import (
    StreamRefused,
    close_session,
    dumps,
    frames,
    open_session,
    parse_channels,
    parse_last_event_id,
)

router = Router(tags=["realtime"])
HEARTBEAT_SECONDS = 15.0


@router.get(
    "/stream/",
    auth=async_bearer_auth,
    response={200: None, **error_responses(401, 422)},
    summary="Your realtime events as Server-Sent Events (resume with the Last-Event-ID header)",
    openapi_extra={
        "parameters": [
            {
                "name": "channels",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Extra topics, comma-separated (e.g. post:12,thread:9); refused ones get an error.",
            },
            {
                "name": "last_event_id",
                "in": "query",
                "required": False,
                "schema": {"type": "string"},
                "description": "Resume after this event (the Last-Event-ID header does the same).",
            },
        ],
        "responses": {
            200: {
                "description": (
                    "text/event-stream; each `data:` line is a JSON event frame. The stream ends after an `error`"
                    " frame with `status` 401: the access token expired (`token_expired`) or the session ended"
                    " (`session_revoked`)"
                ),
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
            }
        },
    },
)
async def events_stream(request: HttpRequest):
    try:
        channels = parse_channels(request.GET.get("channels"))
        last_event_id = parse_last_event_id(request.headers.get("Last-Event-ID") or request.GET.get("last_event_id"))
    except StreamRefused as refused:
        frame = refused.frame
        raise ValidationFailed.for_field(frame["field"], frame["detail"], code=frame["code"]) from refused
    session = await open_session(request.auth, channels, last_event_id)

    # `frames` ends after an authentication failure (the access token expired, or the session ended: sign-out,
    # password change, revoked device, deactivation); the response ends with it, like the WebSocket's 4401.
    async def body():
        try:
            yield ": connected\n\n"
            async for frame in frames(session, heartbeat=HEARTBEAT_SECONDS):
                if frame is None:
                    yield ": keep-alive\n\n"
                    continue
                event_id = f"id: {frame['id']}\n" if "id" in frame else ""
                yield f"{event_id}data: {dumps(frame)}\n\n"
        finally:
            await close_session(session)

    response = StreamingHttpResponse(body(), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"
    return response
