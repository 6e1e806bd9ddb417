"""Realtime events of messaging, each sent to the user topics (`user:<id>`) of a thread's active members."""

from __future__ import annotations

from typing import Literal

from ninja import Field

from modules.messaging.schemas import MessageOut, ReactionEventOut, ThreadOut
from modules.realtime.public import RealtimeEvent, realtime_event


@realtime_event("message:new")
class MessageNewEvent(RealtimeEvent):
    """A message arrived in one of your threads (your own too, for your other devices)."""

    message: MessageOut = Field(description="The message as you see it (as `GET /messages/{id}/` would show it).")


@realtime_event("message:status")
class MessageStatusEvent(RealtimeEvent):
    """A message you can see was delivered to / read by every other member."""

    message_id: int
    thread_id: int
    status: Literal["delivered", "read"]


@realtime_event("message:reaction")
class MessageReactionEvent(RealtimeEvent):
    """Someone added or removed a reaction on a message."""

    message_id: int
    thread_id: int
    emoji: str
    action: Literal["added", "removed"]
    user_id: int = Field(description="Who reacted.")
    reactions: list[ReactionEventOut] = Field(description="The message's reactions now, as you see them.")


@realtime_event("message:deleted")
class MessageDeletedEvent(RealtimeEvent):
    """A message was deleted for everyone: show the tombstone."""

    message_id: int
    thread_id: int
    message: MessageOut | None = Field(
        None, description="The tombstone as you see it (null if its sender is deactivated)."
    )


@realtime_event("thread:updated")
class ThreadUpdatedEvent(RealtimeEvent):
    """A thread you are in changed (new member, title, last message, your unread count …)."""

    thread: ThreadOut = Field(description="The thread as you see it.")


@realtime_event("thread:hidden")
class ThreadHiddenEvent(RealtimeEvent):
    """You deleted a direct conversation (on another device): drop it from the thread list and drop its
    messages up to `cleared_through_message_id`. It returns, with later messages only, at the next message.
    Sent to you only; the other person is not told."""

    thread_id: int
    cleared_through_message_id: int = Field(description="Messages up to this id are gone for you (0: none).")


@realtime_event("member_left")
class MemberLeftEvent(RealtimeEvent):
    """Someone left a group (when it is you, on another device: drop the thread)."""

    thread_id: int
    user_id: int


@realtime_event("typing", kind="ephemeral")
class TypingEvent(RealtimeEvent):
    """Another member started or stopped typing (lasts 6 s unless repeated)."""

    thread_id: int
    user_id: int
    user_name: str
    user_handle: str
    is_typing: bool
