"""Reads: the mentor profile, the context the mentor works with, history, sessions, journal, memory, tasks.

What the API shows comes back as views (frozen dataclasses) that the `…Out` schemas read as they are."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Self

from django.db.models import Count, Max, Q
from django.utils import timezone

from modules.accounts.public import account_get
from modules.core.public import NotFound, Page, paginate_queryset
from modules.mentor.contracts import LANGUAGES, Reply, TaskView, UserContext
from modules.mentor.models import (
    MentorMemory,
    MentorMessage,
    MentorProfile,
    MentorSession,
    MentorTask,
    ReplyStatus,
    Role,
    SessionKind,
)
from modules.profiles.public import compatibility_profile_get, personal_profile_get

JOURNAL_DAYS = 14
JOURNAL_ENTRIES = 5
JOURNAL_ENTRY_CHARS = 200
SESSION_MESSAGES = 200  # a session's detail shows its newest messages; older ones page through history


@dataclass(frozen=True)
class ProfileView:
    tone: str
    language: str
    goals: list[str]
    updated_at: dt.datetime | None


def profile_get(*, user_id: int) -> ProfileView:
    """The mentor profile; before the first change: warm tone, the account's language, no goals."""
    row = MentorProfile.objects.filter(user_id=user_id).first()
    if row is not None:
        return ProfileView(tone=row.tone, language=row.language, goals=list(row.goals), updated_at=row.updated_at)
    language = account_get(user_id=user_id).settings.language
    return ProfileView(tone="warm", language=language if language in LANGUAGES else "en", goals=[], updated_at=None)


def user_context(
    *, user_id: int, profile: ProfileView | None = None, before_message_id: int | None = None
) -> UserContext:
    """Everything the mentor may know about the person, compact: account and profile facts (birth data included;
    the prompt shows it only in the natal mode), goals, the last journal entries of the past two weeks (written
    before the message being answered), and the memory summary."""
    profile = profile or profile_get(user_id=user_id)
    account = account_get(user_id=user_id)
    personal = personal_profile_get(user_id=user_id)
    compat = compatibility_profile_get(user_id=user_id)
    since = timezone.now() - dt.timedelta(days=JOURNAL_DAYS)
    journal = MentorMessage.objects.filter(
        user_id=user_id, role=Role.USER, session__kind=SessionKind.DAILY, created_at__gte=since
    )
    if before_message_id is not None:
        journal = journal.filter(id__lt=before_message_id)
    journal = journal.order_by("-id")[:JOURNAL_ENTRIES]
    memory = MentorMemory.objects.filter(user_id=user_id).values_list("summary", flat=True).first() or ""
    return UserContext(
        user_id=user_id,
        name=personal.first_name or account.name,
        intention=account.intention,
        bio=account.bio,
        values=tuple(compat.values),
        love_languages=tuple(compat.love_language),
        relationship_goal=compat.relationship_goal or "",
        attachment_style=compat.attachment_style or "",
        birth_date=personal.birth_date.isoformat() if personal.birth_date else "",
        birth_time=personal.birth_time.strftime("%H:%M") if personal.birth_time else "",
        birth_place=personal.birth_place,
        birth_timezone=personal.birth_timezone,
        goals=tuple(profile.goals),
        journal=tuple(entry.content[:JOURNAL_ENTRY_CHARS] for entry in journal),
        memory=memory,
        tone=profile.tone,
        language=profile.language,
    )


def session_history(*, session_id: int, before_message_id: int, limit: int = 40) -> list[tuple[str, str]]:
    """The (role, content) of the session's messages before one message, oldest first. Replies cut off by a
    provider error are left out."""
    rows = (
        MentorMessage.objects.filter(session_id=session_id, id__lt=before_message_id)
        .exclude(status=ReplyStatus.ERROR)
        .order_by("-id")
        .values_list("role", "content")[:limit]
    )
    return list(reversed(rows))


def quota_used(*, user_id: int, since: dt.datetime) -> int:
    return MentorMessage.objects.filter(user_id=user_id, role=Role.USER, byo=False, created_at__gte=since).count()


@dataclass(frozen=True)
class MessageView:
    """A message with its session's kind and mode. `role` is the stored one (`user`, `assistant`)."""

    id: int
    session_id: int
    session_kind: str
    mode: str
    role: str
    content: str
    provider: str
    model: str
    status: str
    safety: str
    created_at: dt.datetime

    @classmethod
    def of(cls, message: MentorMessage, session: MentorSession) -> Self:
        return cls(
            id=message.id,
            session_id=session.id,
            session_kind=session.kind,
            mode=session.mode,
            role=message.role,
            content=message.content,
            provider=message.provider,
            model=message.model,
            status=message.status,
            safety=message.safety,
            created_at=message.created_at,
        )


def messages_page(*, user_id: int, session_id: int | None, cursor: str | None, limit: int) -> Page[MessageView]:
    """Your mentor messages, newest first (optionally of one session)."""
    queryset = MentorMessage.objects.filter(user_id=user_id).select_related("session")
    if session_id is not None:
        queryset = queryset.filter(session_id=session_id)
    page = paginate_queryset(queryset, ordering=("-id",), cursor=cursor, limit=limit)
    return Page(results=[MessageView.of(m, m.session) for m in page.results], next=page.next)


@dataclass(frozen=True)
class SessionView:
    id: int
    kind: str
    mode: str
    language: str
    day: dt.date | None  # journal sessions
    title: str
    message_count: int
    created_at: dt.datetime
    last_message_at: dt.datetime

    @classmethod
    def of(cls, session: MentorSession, **more) -> Self:
        """`session` annotated with `message_count` (`_sessions`)."""
        return cls(
            id=session.id,
            kind=session.kind,
            mode=session.mode,
            language=session.language,
            day=session.day,
            title=session.title,
            message_count=session.message_count,
            created_at=session.created_at,
            last_message_at=session.last_message_at,
            **more,
        )


def _sessions(user_id: int):
    return MentorSession.objects.filter(user_id=user_id).annotate(message_count=Count("messages"))


def sessions_page(*, user_id: int, kind: str | None, cursor: str | None, limit: int) -> Page[SessionView]:
    queryset = _sessions(user_id)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    page = paginate_queryset(queryset, ordering=("-last_message_at", "-id"), cursor=cursor, limit=limit)
    return Page(results=[SessionView.of(s) for s in page.results], next=page.next)


@dataclass(frozen=True)
class SessionDetail(SessionView):
    messages: list[MessageView]  # oldest first: the newest SESSION_MESSAGES
    has_more_messages: bool


def session_get(*, user_id: int, session_id: int, kind: str | None = None) -> SessionDetail:
    queryset = _sessions(user_id).filter(id=session_id)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    session = queryset.first()
    if session is None:
        raise NotFound("No such mentor session.")
    newest = list(MentorMessage.objects.filter(session_id=session.id).order_by("-id")[: SESSION_MESSAGES + 1])
    return SessionDetail.of(
        session,
        messages=[MessageView.of(m, session) for m in reversed(newest[:SESSION_MESSAGES])],
        has_more_messages=len(newest) > SESSION_MESSAGES,
    )


@dataclass(frozen=True)
class DailySummary:
    session_id: int
    day: dt.date
    language: str
    entries: int
    last_entry: str
    last_reply: str
    last_message_at: dt.datetime


@dataclass(frozen=True)
class DailyHistory:
    results: list[DailySummary]  # the latest day first


def daily_history(*, user_id: int, limit: int) -> DailyHistory:
    """Your journal days, the latest day first, with the last entry and the mentor's last reply."""
    sessions = list(
        MentorSession.objects.filter(user_id=user_id, kind=SessionKind.DAILY)
        .annotate(
            entries=Count("messages", filter=Q(messages__role=Role.USER)),
            last_entry_id=Max("messages__id", filter=Q(messages__role=Role.USER)),
            last_reply_id=Max("messages__id", filter=Q(messages__role=Role.ASSISTANT)),
        )
        .order_by("-day", "-id")[:limit]
    )
    ids = [s.last_entry_id for s in sessions if s.last_entry_id] + [
        s.last_reply_id for s in sessions if s.last_reply_id
    ]
    texts = dict(MentorMessage.objects.filter(id__in=ids).values_list("id", "content"))
    return DailyHistory(
        [
            DailySummary(
                session_id=s.id,
                day=s.day,
                language=s.language,
                entries=s.entries,
                last_entry=texts.get(s.last_entry_id, ""),
                last_reply=texts.get(s.last_reply_id, ""),
                last_message_at=s.last_message_at,
            )
            for s in sessions
        ]
    )


@dataclass(frozen=True)
class DailyEntry:
    """A journal entry and the mentor's reply to it."""

    session_id: int
    date: dt.date
    entry: MessageView
    reply: MessageView
    provider: str


def daily_entry(*, user_id: int, reply: Reply) -> DailyEntry:
    rows = MentorMessage.objects.filter(user_id=user_id, id__in=[reply.user_message_id, reply.message_id])
    messages = {m.id: m for m in rows.select_related("session")}
    entry = messages[reply.user_message_id]
    return DailyEntry(
        session_id=reply.session_id,
        date=entry.session.day,
        entry=MessageView.of(entry, entry.session),
        reply=MessageView.of(messages[reply.message_id], entry.session),
        provider=reply.provider,
    )


@dataclass(frozen=True)
class MemoryView:
    summary: str
    messages_summarised: int
    provider: str
    updated_at: dt.datetime | None
    cleared_at: dt.datetime | None


def memory_get(*, user_id: int) -> MemoryView:
    row = MentorMemory.objects.filter(user_id=user_id).first() or MentorMemory(user_id=user_id)
    return MemoryView(
        summary=row.summary,
        messages_summarised=row.messages_summarised,
        provider=row.provider,
        updated_at=row.updated_at,
        cleared_at=row.cleared_at,
    )


def task_get(*, user_id: int, task_id: uuid.UUID) -> TaskView:
    task = MentorTask.objects.filter(user_id=user_id, id=task_id).select_related("reply_message").first()
    if task is None:
        raise NotFound("No such mentor task.")
    reply = task.reply_message
    return TaskView(
        id=task.id,
        status=task.status,
        session_id=task.session_id,
        message_id=reply.id if reply else None,
        reply=reply.content if reply else None,
        provider=reply.provider if reply else None,
        error_code=task.error_code,
        error_detail=task.error_detail,
        created_at=task.created_at,
        finished_at=task.finished_at,
    )
