"""Realtime events of the mentor, sent to the person's user topic (`user:<id>`)."""

from __future__ import annotations

from typing import Literal

from ninja import Field

from modules.mentor.schemas import ModeValue
from modules.realtime.public import RealtimeEvent, realtime_event


@realtime_event("mentor:reply")
class MentorReplyEvent(RealtimeEvent):
    """A task of `POST /mentor/chat/?async=true` finished: the reply, or why there is none."""

    task_id: str
    status: Literal["done", "failed"]
    session_id: int | None
    message_id: int | None = Field(None, description="`done`: the stored reply.")
    mode: ModeValue | None = Field(
        None, description="`done`: the session's mode, by our name (a `daily_mentor` request is `daily`)."
    )
    reply: str | None = Field(None, description="`done`: the reply's text.")
    provider: str | None = Field(None, description="`done`: who answered (`offline`, `openai` …).")
    code: str | None = Field(None, description="`failed`: an `ErrorCode`.")
    detail: str | None = Field(None, description="`failed`: why.")
