"""Typed data the mentor passes between its parts (and, through `public`, to other modules)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

MODES = ("default", "daily", "reflection", "goals")
LANGUAGES = ("en", "ka", "ru")
TONES = ("warm", "direct", "calm")


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
