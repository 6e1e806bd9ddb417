"""Typed data the mentor passes between its parts (and, through `public`, to other modules)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

MODES = ("default", "daily", "reflection", "goals", "natal", "soulmatch")
# The mobile app's mode names, each another name for one of ours. `daily_mentor` is the app's daily journal: its
# message is an entry in the day's journal session (as `POST /mentor/daily/entry/` makes), not a chat.
APP_MODES = {
    "chat_mentor": "default",
    "daily_mentor": "daily",
    "natal_mentor": "natal",
    "soulmatch_mentor": "soulmatch",
}
JOURNAL_MODES = frozenset({"daily_mentor"})
LANGUAGES = ("en", "ka", "ru")
TONES = ("warm", "direct", "calm")


@dataclass(frozen=True)
class Ask:
    """A requested mode resolved: the mode the session and the reply carry, and whether the message is a
    journal entry (in the day's journal session) rather than a chat message."""

    mode: str
    journal: bool


def ask_for(requested: str) -> Ask:
    mode = APP_MODES.get(requested, requested)
    if mode not in MODES:
        raise ValueError(f"unknown mentor mode {requested!r}")
    return Ask(mode=mode, journal=requested in JOURNAL_MODES)


@dataclass(frozen=True)
class UserContext:
    """The compact picture of a person the mentor works with (all of it their own data)."""

    user_id: int
    name: str = ""
    intention: str = ""
    bio: str = ""
    values: tuple[str, ...] = ()
    love_languages: tuple[str, ...] = ()
    relationship_goal: str = ""
    attachment_style: str = ""
    # Birth data from the personal map, as written there (ISO date, HH:MM, "city, country"); shown to the model
    # only in the natal mode.
    birth_date: str = ""
    birth_time: str = ""
    birth_place: str = ""
    birth_timezone: str = ""
    goals: tuple[str, ...] = ()
    journal: tuple[str, ...] = ()  # recent journal entries, newest first, trimmed
    memory: str = ""
    tone: str = "warm"
    language: str = "en"


@dataclass(frozen=True)
class ChatMessage:
    role: str  # system | user | assistant
    content: str


@dataclass(frozen=True)
class Prompt:
    """What a provider answers: the model messages, and the same request in structured form for the offline mentor."""

    messages: tuple[ChatMessage, ...]
    user_text: str
    mode: str
    language: str
    tone: str
    context: UserContext
    history_messages: int = 0

    def as_openai(self) -> list[dict[str, str]]:
        return [{"role": message.role, "content": message.content} for message in self.messages]


@dataclass(frozen=True)
class Turn:
    """A person's message, stored, with everything needed to answer it."""

    user_id: int
    session_id: int
    session_kind: str
    day: dt.date | None
    user_message_id: int
    mode: str
    language: str
    prompt: Prompt
    crisis: bool
    byo: bool


@dataclass(frozen=True)
class Reply:
    session_id: int
    message_id: int
    user_message_id: int
    mode: str
    language: str
    text: str
    provider: str
    model: str
    status: str
    safety: str


@dataclass(frozen=True)
class ChatQueued:
    """A chat message stored and queued: a job answers it (`TaskView` then shows the outcome)."""

    task_id: uuid.UUID
    session_id: int
    user_message_id: int
    status: str = "pending"


@dataclass(frozen=True)
class HistoryDeleted:
    deleted_sessions: int
    deleted_messages: int


@dataclass(frozen=True)
class ProviderConfig:
    """Where and how to ask an OpenAI-compatible server. `api_key` is never printed (repr) or stored."""

    base_url: str
    model: str
    api_key: str = field(repr=False)
    byo: bool
    connect_timeout: float
    first_token_timeout: float
    idle_timeout: float
    total_timeout: float
    max_tokens: int
    max_retries: int

    def __reduce__(self):  # never pickled (nothing should try; a job queue must not get one)
        raise TypeError("ProviderConfig holds a key and cannot be serialised")


@dataclass(frozen=True)
class TaskView:
    id: uuid.UUID
    status: str
    session_id: int | None
    message_id: int | None
    reply: str | None
    provider: str | None
    error_code: str
    error_detail: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
