"""Error codes of the realtime connections (WebSocket frames and the SSE stream)."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "channel_forbidden": "You may not follow this channel; the connection stays open without it.",
        "too_many_channels": "More channels than one connection may follow.",
        "invalid_last_event_id": "`last_event_id` is not an event id.",
    }
)
