"""The realtime event catalog: one pydantic model per event type, published in the OpenAPI document.

A module declares its events in its own `events.py` with `@realtime_event("type")` and publishes instances
(`publish(topics, MessageStatusEvent(...))`), so every payload is validated where it is produced and every
type a client can receive is listed, typed, in `components/schemas` (`RealtimeFrame` is their union,
discriminated by `type`).

A frame on the wire (WebSocket `/ws` or SSE `/api/v1/events/stream/`) is the envelope

    {"id": 812, "type": "message:status", "topic": "user:4", "created_at": "…Z", "payload": {…}}

with the payload's fields *also* at the top level (`"message_id": 9, "status": "read", …`): the mobile app
reads them there, generated clients read `payload`. Payload fields therefore never use the envelope's names.
Ephemeral signals (typing) have no `id` or `created_at`; control frames (`error`, `pong`, `resync_required`)
are flat and have no envelope. Internal events (`session:revoked`) are stored and travel like the others, but
the server acts on them and never forwards them, so they are not in the catalog.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ClassVar, Literal, TypeVar

from ninja import Field, Schema
from ninja.schema import NinjaGenerateJsonSchema

ENVELOPE = frozenset({"id", "type", "topic", "payload", "created_at"})

Kind = Literal["stored", "ephemeral", "control"]


class RealtimeEvent(Schema):
    """Base of every event payload."""

    event_type: ClassVar[str]
    event_kind: ClassVar[Kind]
    event_internal: ClassVar[bool] = False


EVENT_TYPES: dict[str, type[RealtimeEvent]] = {}

E = TypeVar("E", bound=type[RealtimeEvent])


def realtime_event(event_type: str, *, kind: Kind = "stored", internal: bool = False) -> Callable[[E], E]:
    """Register a payload model under its event type (once; its fields must not shadow the envelope).
    `internal`: the server consumes it and never sends it to a client (left out of the catalog)."""

    def register(model: E) -> E:
        clash = ENVELOPE & set(model.model_fields)
        if clash and kind != "control":
            raise TypeError(f"{model.__name__}: payload fields {sorted(clash)} would shadow the frame envelope")
        if event_type in EVENT_TYPES and EVENT_TYPES[event_type] is not model:
            raise ValueError(f"realtime event type {event_type!r} is registered twice")
        model.event_type = event_type
        model.event_kind = kind
        model.event_internal = internal
        EVENT_TYPES[event_type] = model
        return model

    return register


def flat_frame(envelope: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The frame of an event: its payload's fields, then the envelope (which wins on a clash, never expected)."""
    return {**payload, **envelope, "payload": payload}


# --- control frames (the server's own; flat, no envelope) -----------------------------------------------


@realtime_event("error", kind="control")
class ErrorFrame(RealtimeEvent):
    """Something about this connection went wrong. With `status` 401 the connection ends: the token was
    expired, invalid or revoked when connecting, the access token expired while connected (`token_expired`),
    or the session ended while connected (`session_revoked`: signed out, password changed on another device,
    device revoked, account deactivated). The WebSocket is then closed with code 4401 and reason
    `unauthorized: <code>`, the SSE response ends after this frame: refresh (or sign in again), then reconnect
    with the new access token. `channel_forbidden` leaves the connection open without that channel."""

    type: Literal["error"] = "error"
    code: str = Field(description="An `ErrorCode`.")
    detail: str
    status: int | None = Field(None, description="401 for authentication failures (the socket is closed).")
    channel: str | None = Field(None, description="`channel_forbidden`: the refused channel.")
    field: str | None = Field(None, description="A malformed query parameter (`channels`, `last_event_id`).")


@realtime_event("pong", kind="control")
class PongFrame(RealtimeEvent):
    """The answer to a `{"type": "ping"}` sent by the client."""

    type: Literal["pong"] = "pong"


@realtime_event("resync_required", kind="control")
class ResyncRequiredFrame(RealtimeEvent):
    """Events were lost for this connection (it fell behind, or `last_event_id` is past retention): fetch
    the state again over REST. Later events keep coming."""

    type: Literal["resync_required"] = "resync_required"
    reason: str


def unauthorized(code: str, detail: str) -> dict[str, Any]:
    """The frame that ends a connection for an expired, invalid or revoked token. `status` 401 and a detail
    starting "Unauthorized" are what clients (the mobile app among them) recognise as "sign in again",
    whatever the code."""
    frame = ErrorFrame(code=code, detail=f"Unauthorized: {detail[:1].lower()}{detail[1:]}", status=401)
    return frame.model_dump(exclude_none=True)


def ends_connection(frame: dict[str, Any]) -> bool:
    """Is this the last frame of its connection (an authentication failure)?"""
    return frame.get("type") == "error" and frame.get("status") == 401


SESSION_ENDED = unauthorized("session_revoked", "This session has ended. Sign in again.")
TOKEN_EXPIRED = unauthorized("token_expired", "The access token has expired.")


# --- internal events (acted on by the server, never forwarded) -----------------------------------------


@realtime_event("session:revoked", internal=True)
class SessionRevokedEvent(RealtimeEvent):
    """Sign-in sessions of this user ended (published by `sessions.py` from the accounts hook, in the
    transaction that ends them). Each connection of one of these sessions gets the `session_revoked` error
    frame and is closed; connections of the user's other sessions never see the event."""

    session_ids: list[uuid.UUID]
    reason: str = Field(description="Why they ended (accounts' SessionEndReason).")


# --- OpenAPI ---------------------------------------------------------------------------------------------

_ENVELOPE_PROPERTIES: dict[str, dict[str, Any]] = {
    "id": {"type": "integer", "description": "Event id: resume after it with `last_event_id`."},
    "topic": {"type": "string", "description": "The topic it was published on (`user:<id>`, `post:<id>` …)."},
    "created_at": {"type": "string", "format": "date-time"},
}


def catalog_schemas(ref_template: str = "#/components/schemas/{model}") -> dict[str, dict[str, Any]]:
    """OpenAPI components: each payload model, a `…Frame` schema per event type as it arrives, and the
    `RealtimeFrame` union of them all (discriminated by `type`)."""
    components: dict[str, dict[str, Any]] = {}
    mapping: dict[str, str] = {}
    for event_type, model in sorted(EVENT_TYPES.items()):
        if model.event_internal:
            continue
        schema = model.model_json_schema(ref_template=ref_template, schema_generator=NinjaGenerateJsonSchema)
        for name, definition in schema.pop("$defs", {}).items():
            components.setdefault(name, definition)
        if model.event_kind == "control":
            frame_name = model.__name__
            schema["required"] = sorted({*schema.get("required", []), "type"})
            schema["properties"]["type"] = {"type": "string", "const": event_type, "enum": [event_type]}
            components[frame_name] = schema
        else:
            components[model.__name__] = schema
            frame_name = model.__name__.removesuffix("Event") + "Frame"
            envelope = ["type", "topic", "payload"] + (["id", "created_at"] if model.event_kind == "stored" else [])
            properties = {
                **schema.get("properties", {}),
                "type": {"type": "string", "const": event_type, "enum": [event_type]},
                **{name: _ENVELOPE_PROPERTIES[name] for name in envelope if name in _ENVELOPE_PROPERTIES},
                "payload": {"$ref": ref_template.format(model=model.__name__)},
            }
            components[frame_name] = {
                "title": frame_name,
                "description": (model.__doc__ or "").strip()
                + ("\n\nEphemeral: not stored, so never replayed." if model.event_kind == "ephemeral" else ""),
                "type": "object",
                "properties": properties,
                "required": sorted(set(schema.get("required", [])) | set(envelope)),
            }
        mapping[event_type] = ref_template.format(model=frame_name)
    components["RealtimeFrame"] = {
        "title": "RealtimeFrame",
        "description": "Any frame of `/ws` or `/api/v1/events/stream/`, by `type`.",
        "oneOf": [{"$ref": ref} for ref in sorted(set(mapping.values()))],
        "discriminator": {"propertyName": "type", "mapping": dict(sorted(mapping.items()))},
    }
    return components
