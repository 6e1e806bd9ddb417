from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, ClassVar, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from modules.core.http import CursorPageOut, CursorParams, InputSchema
from modules.core.public import MAX_SAFE_ID
from modules.media.http import MediaOut
from modules.messaging.models import CLIENT_UUID_MAX
from modules.messaging.selectors import MessageView, ReactionView, SyncView, ThreadView, TypingUser, reactions_seen_by
from modules.social.http import UserCardOut

MAX_BODY = 4000
MAX_GROUP_PARTICIPANTS = 49  # plus the creator: 50 members
MAX_TITLE = 120

SafeId = Annotated[int, Field(ge=1, le=MAX_SAFE_ID)]
MessageTypeValue = Literal["text", "image", "video"]
MessageStatusValue = Literal["sent", "delivered", "read"]

_KEYCAP_BASES = set("0123456789#*")


def _emoji(value: str) -> str:
    """One emoji (a single code point or a sequence: skin tones, ZWJ families, flags, keycaps)."""
    value = unicodedata.normalize("NFC", value)
    if not 1 <= len(value) <= 16:
        raise ValueError("Send one emoji.")
    symbols = 0
    for char in value:
        category = unicodedata.category(char)
        if category == "So" or char == "\u20e3":  # symbols (emoji, regional indicators); combining keycap
            symbols += 1
        elif category not in {"Sk", "Mn", "Me", "Cf"} and char not in _KEYCAP_BASES:
            # Sk/Mn/Me/Cf: skin tones, variation selectors, ZWJ, tag characters; digits, # and * of keycaps
            raise ValueError("Send one emoji.")
    if not symbols:
        raise ValueError("Send one emoji.")
    return value


Emoji = Annotated[str, Field(min_length=1, max_length=16, examples=["❤️", "👍🏽"]), AfterValidator(_emoji)]


def _no_key(value: Any) -> Any:
    # The app sends `client_uuid: ''` in its multipart form when it has no key; JSON may say the same.
    return None if value == "" else value


ClientKey = Annotated[str, Field(min_length=1, max_length=CLIENT_UUID_MAX, pattern=r"^[!-~]+$")]
ClientUuid = Annotated[
    ClientKey | None,
    BeforeValidator(_no_key),
    Field(
        description="Your idempotency key for this message: any 1–64 visible ASCII characters (no spaces), "
        "e.g. a UUID or `msg-1733450000000-9f3a`; compared exactly. A retry with the same key returns the same "
        "message (200); empty or absent: the server picks a UUID.",
        examples=["5f0c6a3e-2b7d-4f0e-9a59-0f3c2a1d9b44", "msg-1733450000000-9f3a6c"],
    ),
]


# --- output: each reads the typed view of the same name (selectors), as the viewer it was built for sees it ---


class AttachmentOut(MediaOut):
    kind: Literal["image", "video"]
    thumbnail_url: str | None = Field(description="Images only (null for videos).")
    duration: float | None = Field(description="Videos: seconds, when the container records it.")

    @staticmethod
    def resolve_duration(obj) -> float | None:
        return obj.duration_seconds


class ReactionOut(Schema):
    emoji: str
    count: int
    reacted_by_current_user: bool


class ReplyToOut(Schema):
    id: int
    sender_id: int
    text_preview: str = Field(description="The start of the replied-to message (empty once it was deleted).")
    has_attachments: bool


class MessageOut(Schema):
    id: int
    thread: int
    sender: UserCardOut
    body: str = Field(description="Empty for a deleted message (a tombstone).")
    type: MessageTypeValue
    status: MessageStatusValue = Field(
        description="From the sender's point of view: `sent` once stored, `delivered` / `read` once every other "
        "active member has received / read it. (`pending` is the client's own state before the server has it.)"
    )
    client_uuid: str = Field(description="The sender's idempotency key, exactly as sent (or the one the server chose).")
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None
    attachments: list[AttachmentOut]
    reactions: list[ReactionOut]
    reply_to: ReplyToOut | None
    created_at: dt.datetime
    deleted: bool = Field(description="Deleted by its sender: body and attachments are gone, the message remains.")

    @staticmethod
    def resolve_thread(obj: MessageView) -> int:
        return obj.thread_id

    @staticmethod
    def resolve_reactions(obj: MessageView) -> list[ReactionView]:
        return reactions_seen_by(obj.reactions, obj.viewer_id)


class MessagePageOut(CursorPageOut):
    results: list[MessageOut]


class ThreadMemberOut(Schema):
    user: UserCardOut
    joined_at: dt.datetime


class ThreadOut(Schema):
    id: int
    is_group: bool
    title: str | None = Field(description="Groups only; null when the group has no title and for direct threads.")
    members: list[ThreadMemberOut] = Field(description="Active members, you included, in the order they joined.")
    participants: list[UserCardOut] = Field(description="Active members, you included (`members[].user`).")
    last_message: MessageOut | None
    unread_count: int = Field(description="Messages after your read pointer, not yours and not deleted.")
    last_read_message_id: int = Field(description="Your read pointer (0: nothing read yet).")
    last_delivered_message_id: int = Field(description="Your delivered pointer (0: nothing acknowledged yet).")
    created_at: dt.datetime
    last_activity_at: dt.datetime = Field(description="The last message, or the creation of the thread.")
    updated_at: dt.datetime = Field(description="The same instant as `last_activity_at` (the mobile app's name).")

    @staticmethod
    def resolve_updated_at(obj: ThreadView) -> dt.datetime:
        return obj.last_activity_at


class ThreadPageOut(CursorPageOut):
    results: list[ThreadOut]


class SyncOut(Schema):
    thread: ThreadOut
    results: list[MessageOut] = Field(description="Messages after `since`, oldest first.")
    has_more: bool = Field(description="More messages follow: sync again with `since` = the last id received.")

    @staticmethod
    def resolve_results(obj: SyncView) -> list[MessageView]:
        return obj.messages


class ReceiptOut(Schema):
    thread_id: int
    last_delivered_message_id: int
    last_read_message_id: int
    unread_count: int


class ReactionEventOut(ReactionOut):
    # camelCase on purpose: the mobile app's store reads this spelling from realtime reactions.
    reactedByCurrentUser: bool = Field(
        description="The same as `reacted_by_current_user`, in the spelling the mobile app's store reads."
    )

    @staticmethod
    def resolve_reactedByCurrentUser(obj: ReactionView) -> bool:
        return obj.reacted_by_current_user


class ReactionsOut(Schema):  # reads the ReactionChange of a toggle, as the person who reacted sees it
    message_id: int
    thread_id: int
    emoji: str
    action: Literal["added", "removed"]
    reactions: list[ReactionOut]

    @staticmethod
    def resolve_reactions(obj) -> list[ReactionView]:
        return reactions_seen_by(obj.reactions, obj.user_id)


class TypingUserOut(Schema):
    user_id: int
    user_name: str
    user_handle: str
    expires_at: dt.datetime


class TypingPersonOut(Schema):
    id: int
    name: str
    handle: str

    @staticmethod
    def resolve_id(obj: TypingUser) -> int:
        return obj.user_id

    @staticmethod
    def resolve_name(obj: TypingUser) -> str:
        return obj.user_name

    @staticmethod
    def resolve_handle(obj: TypingUser) -> str:
        return obj.user_handle


class TypingOut(Schema):
    """The people typing, three times: ours (`typing[]`) and the mobile app's readings of the same list
    (`typing_user_ids[]`, `users[]`)."""

    thread_id: int
    typing: list[TypingUserOut] = Field(description="Other members typing now.")
    typing_user_ids: list[int] = Field(description="The same people's ids, in the same order.")
    users: list[TypingPersonOut] = Field(description="The same people, in the same order.")

    @staticmethod
    def resolve_typing_user_ids(obj) -> list[int]:
        return [t.user_id for t in obj.typing]

    @staticmethod
    def resolve_users(obj) -> list[TypingUser]:
        return obj.typing


class TypingStateOut(Schema):
    thread_id: int
    is_typing: bool
    expires_at: dt.datetime | None = Field(description="Send `is_typing: true` again before this to keep it on.")


# --- input -----------------------------------------------------------------------------------------


class GroupCreateIn(InputSchema):
    participant_ids: list[SafeId] = Field(
        min_length=1, max_length=MAX_GROUP_PARTICIPANTS, description="The other members (you are added yourself)."
    )
    title: str | None = Field(None, max_length=MAX_TITLE)
    initial_message: str | None = Field(None, max_length=MAX_BODY)


class DirectThreadIn(InputSchema):
    user_id: SafeId
    initial_message: str | None = Field(
        None,
        max_length=MAX_BODY,
        description="Also send this message. Sent once per conversation and text: repeating the request (a "
        "retry) returns the thread without a second copy.",
    )


class ReadIn(InputSchema):
    last_read_message_id: SafeId | None = Field(
        None, description="A message of this thread; default: the latest one. The pointer never moves back."
    )


class TypingIn(InputSchema):
    is_typing: bool


class SyncParams(Schema):
    since: int = Field(0, ge=0, le=MAX_SAFE_ID, description="The last message id you have (0: from the start).")
    limit: int = Field(100, ge=1, le=200)


class ThreadListParams(CursorParams):
    ordering: Literal["-updated_at", "-last_activity_at"] | None = Field(
        None, description="The one order there is, most recent activity first (both names say the same)."
    )


class MessageListParams(CursorParams):
    thread: SafeId

    default_limit: ClassVar[int] = 30


class ThreadMessageIn(InputSchema):
    """JSON, or multipart form data with up to 4 image `attachments` or one video."""

    body: str = Field("", max_length=MAX_BODY)
    client_uuid: ClientUuid = None
    reply_to_message_id: SafeId | None = Field(None, description="A message of the same thread.")


class MessageCreateIn(ThreadMessageIn):
    """JSON, or multipart form data with up to 4 image `attachments` or one video."""

    thread: SafeId


class AckIn(InputSchema):
    status: Literal["delivered", "read"] = Field(
        description="`delivered`: you have received messages up to this one; `read`: you have read them."
    )


class ReactionIn(InputSchema):
    emoji: Emoji
