"""Request and response schemas of the mentor. Responses read the views of `selectors` and `contracts` as they
are; resolvers compute what the API shows differently (the mentor's role is `mentor`, previews, a journal day's
joined text)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, field_validator

from modules.core.http import CursorPageOut, CursorParams, InputSchema
from modules.core.public import MAX_SAFE_ID
from modules.mentor.models import Role

if TYPE_CHECKING:
    from modules.mentor.contracts import Reply, TaskView
    from modules.mentor.selectors import DailySummary, MessageView, SessionDetail, SessionView

ModeValue = Literal["default", "daily", "reflection", "goals", "natal", "soulmatch"]
# What a request may ask for: our modes, and the mobile app's names for them (see contracts.APP_MODES).
ModeIn = Literal[
    "default",
    "daily",
    "reflection",
    "goals",
    "natal",
    "soulmatch",
    "chat_mentor",
    "daily_mentor",
    "natal_mentor",
    "soulmatch_mentor",
]
LanguageValue = Literal["en", "ka", "ru"]
RoleValue = Literal["user", "mentor"]
ToneValue = Literal["warm", "direct", "calm"]
ProviderValue = Literal["offline", "openai", "safety"]
SafetyValue = Literal["", "crisis", "output_blocked", "prompt_leak"]
HARD_MAX_INPUT = 20_000  # MENTOR_MAX_INPUT_CHARS can only be lower
PREVIEW_CHARS = 120
# Stored roles are the model's (`assistant`); the API calls the mentor `mentor`, as the mobile app renders it.
ROLE_OUT = {Role.USER: "user", Role.ASSISTANT: "mentor"}


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


MODES_DESCRIPTION = (
    "`default` (open conversation), `daily` (a check-in about today), `reflection` (looking back on an experience), "
    "`goals` (relating things to your goals and a next step), `natal` (about your natal chart: the mentor knows "
    "your personal map's birth data, but no chart is calculated yet, and it says so), `soulmatch` (about a match: "
    "the mentor knows your compatibility profile, but no compatibility score and not the other person's profile). "
    "The mobile app's names are accepted too: `chat_mentor` = `default`, `natal_mentor` = `natal`, "
    "`soulmatch_mentor` = `soulmatch`, and `daily_mentor` = a journal entry: the message goes into today's (UTC) "
    "journal session as with `POST /mentor/daily/entry/` (so no `session_id`), in mode `daily`. Responses always "
    "carry our name (`default`, `daily`, …)."
)


def _message_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("Write something first.")
    limit = settings.MENTOR_MAX_INPUT_CHARS
    if len(value) > limit:
        raise ValueError(f"Keep it under {limit} characters.")
    if "\x00" in value:
        raise ValueError("The text contains a NUL character.")
    return value


MessageText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=HARD_MAX_INPUT,
        description="Your message (at most MENTOR_MAX_INPUT_CHARS characters, 4000 by default).",
    ),
    AfterValidator(_message_text),
]
SessionRef = Annotated[
    int | None,
    Field(
        ge=1,
        le=MAX_SAFE_ID,
        description=(
            "Continue this chat session. Without it, your latest chat in the same mode continues when its last "
            "message is less than 6 hours old; otherwise a new session starts."
        ),
    ),
]


class MentorChatIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    message: MessageText
    mode: ModeIn = Field("default", description=MODES_DESCRIPTION)
    language: LanguageValue | None = Field(None, description="Reply language; default: your mentor profile's.")
    session_id: SessionRef = None


class MentorChatParams(Schema):
    async_: bool = Field(
        False,
        alias="async",
        description="Answer in a background job: 202 with a task id (poll it, or wait for `mentor:reply`). Not "
        "with X-LLM-Key.",
    )


class MentorStreamParams(Schema):
    message: MessageText
    mode: ModeIn = Field("default", description=MODES_DESCRIPTION)
    language: LanguageValue | None = Field(None, description="Reply language; default: your mentor profile's.")
    session_id: SessionRef = None


class MentorChatOut(Schema):
    session_id: int
    mode: ModeValue = Field(description="The session's mode, by our name (`daily_mentor` is answered as `daily`).")
    language: LanguageValue
    reply: str
    message_id: int = Field(description="The mentor's reply message.")
    user_message_id: int = Field(description="Your message, as stored.")
    provider: ProviderValue = Field(
        description="`offline`: composed by the built-in offline mentor; `openai`: an OpenAI-compatible model; "
        "`safety`: the supportive reply to crisis signals, with help resources."
    )
    model: str
    safety: SafetyValue = Field(description="Why the reply was replaced by a safety text, if it was.")

    @staticmethod
    def resolve_reply(reply: Reply) -> str:
        return reply.text


class MentorTaskAcceptedOut(Schema):
    task_id: uuid.UUID
    status: Literal["pending"]
    session_id: int
    user_message_id: int


class MentorTaskOut(Schema):
    task_id: uuid.UUID
    status: Literal["pending", "running", "done", "failed"]
    session_id: int | None
    message_id: int | None = Field(description="The reply message, once done.")
    reply: str | None
    provider: ProviderValue | None
    error_code: str | None = Field(description="Set when failed, e.g. `provider_timeout`.")
    error_detail: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_task_id(task: TaskView) -> uuid.UUID:
        return task.id

    @staticmethod
    def resolve_error_code(task: TaskView) -> str | None:
        return task.error_code or None

    @staticmethod
    def resolve_error_detail(task: TaskView) -> str | None:
        return task.error_detail or None


class MentorMessageMetaOut(Schema):
    provider: ProviderValue
    model: str
    status: Literal["complete", "partial", "error"]
    safety: SafetyValue


class MentorMessageOut(Schema):
    id: int
    session_id: int
    session_kind: Literal["chat", "daily"]
    mode: ModeValue
    role: RoleValue = Field(description="`user`: your message; `mentor`: the mentor's reply.")
    content: str
    provider: ProviderValue | None = Field(description="Who wrote a reply; null on your own messages.")
    model: str
    status: Literal["complete", "partial", "error"] = Field(
        description="`partial`: the stream was closed by the client before the end; `error`: cut off by a "
        "provider error (what arrived is kept)."
    )
    safety: SafetyValue
    meta: MentorMessageMetaOut | None = Field(
        description="The mentor's replies: `provider`, `model`, `status` and `safety` again, grouped as the mobile "
        "app reads them; null on your own messages."
    )
    created_at: dt.datetime

    @staticmethod
    def resolve_role(message: MessageView) -> str:
        return ROLE_OUT[message.role]

    @staticmethod
    def resolve_provider(message: MessageView) -> str | None:
        return message.provider or None

    @staticmethod
    def resolve_meta(message: MessageView) -> MessageView | None:
        return message if message.role == Role.ASSISTANT else None


class MentorMessagePageOut(CursorPageOut):
    results: list[MentorMessageOut]


class MentorHistoryParams(CursorParams):
    session_id: int | None = Field(None, ge=1, le=MAX_SAFE_ID, description="Only this session's messages.")


class MentorSessionOut(Schema):
    id: int
    kind: Literal["chat", "daily"]
    mode: ModeValue
    language: LanguageValue
    date: dt.date | None = Field(description="The journal day (daily sessions).")
    title: str
    message_count: int
    created_at: dt.datetime
    last_message_at: dt.datetime

    @staticmethod
    def resolve_date(session: SessionView) -> dt.date | None:
        return session.day


class MentorSessionPageOut(CursorPageOut):
    results: list[MentorSessionOut]


class MentorSessionListParams(CursorParams):
    kind: Literal["chat", "daily"] | None = Field(None, description="Only chats or only journal days.")


class MentorSessionDetailOut(MentorSessionOut):
    messages: list[MentorMessageOut] = Field(description="Oldest first; at most the newest 200.")
    has_more_messages: bool = Field(description="Older messages exist: page through `mentorHistory?session_id=`.")


class MentorDailySessionOut(MentorSessionDetailOut):
    session_id: int = Field(description="The same as `id`.")
    entry: str = Field(
        description="Your entries of the day, oldest first, separated by a blank line (one by one in `messages`; "
        "like it, from the day's newest 200 messages)."
    )
    reply: str = Field(description="The mentor's replies of the day, oldest first, separated by a blank line.")

    @staticmethod
    def resolve_session_id(detail: SessionDetail) -> int:
        return detail.id

    @staticmethod
    def resolve_entry(detail: SessionDetail) -> str:
        return _joined(detail, Role.USER)

    @staticmethod
    def resolve_reply(detail: SessionDetail) -> str:
        return _joined(detail, Role.ASSISTANT)


def _joined(detail: SessionDetail, role: str) -> str:
    return "\n\n".join(m.content for m in detail.messages if m.role == role and m.content.strip())


class MentorDailyEntryIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    text: MessageText
    date: dt.date | None = Field(
        None, description="The journal day (YYYY-MM-DD, your local date); default: today in UTC."
    )
    language: LanguageValue | None = Field(None, description="Reply language; default: your mentor profile's.")


class MentorDailyEntryOut(Schema):
    session_id: int
    date: dt.date
    entry: MentorMessageOut
    reply: MentorMessageOut
    provider: ProviderValue


class MentorDailyHistoryParams(Schema):
    limit: int = Field(7, ge=1, le=100, description="How many journal days (the latest first).")


class MentorDailyDayOut(Schema):
    session_id: int
    date: dt.date
    language: LanguageValue
    entries: int = Field(description="How many entries you wrote that day.")
    last_entry: str = Field(description="Your last entry of the day, whole.")
    last_reply: str = Field(description="The mentor's last reply of the day, whole.")
    entry_preview: str = Field(description="The start of `last_entry` (at most 120 characters, on one line).")
    reply_preview: str = Field(description="The start of `last_reply` (at most 120 characters, on one line).")
    last_message_at: dt.datetime

    @staticmethod
    def resolve_date(day: DailySummary) -> dt.date:
        return day.day

    @staticmethod
    def resolve_entry_preview(day: DailySummary) -> str:
        return preview(day.last_entry)

    @staticmethod
    def resolve_reply_preview(day: DailySummary) -> str:
        return preview(day.last_reply)


class MentorDailyHistoryOut(Schema):
    results: list[MentorDailyDayOut]


class MentorProfileOut(Schema):
    tone: ToneValue
    language: LanguageValue
    goals: list[str]
    updated_at: dt.datetime | None


Goal = Annotated[str, Field(min_length=1, max_length=200)]


class MentorProfilePatch(InputSchema):
    """Send only what changes."""

    model_config = ConfigDict(extra="forbid")

    tone: ToneValue | None = Field(None, description="`warm`, `direct` or `calm`.")
    language: LanguageValue | None = Field(None, description="The mentor's default language.")
    goals: list[Goal] | None = Field(None, max_length=10, description="Up to 10 goals; replaces the list.")

    @field_validator("goals")
    @classmethod
    def _clean_goals(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        goals = list(dict.fromkeys(" ".join(goal.split()) for goal in value))
        if any(not goal for goal in goals):
            raise ValueError("Goals cannot be blank.")
        return goals


class MentorMemoryOut(Schema):
    summary: str = Field(description="What the mentor remembers of your earlier conversations (empty if nothing).")
    messages_summarised: int
    provider: Literal["", "offline", "openai"] = Field(description="Who wrote the summary.")
    updated_at: dt.datetime | None
    cleared_at: dt.datetime | None


class MentorHistoryDeletedOut(Schema):
    deleted_sessions: int
    deleted_messages: int
