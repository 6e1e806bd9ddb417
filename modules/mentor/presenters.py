"""Rows and views → response dicts, where the response names or shapes differ from the data's (profile and
memory are returned as they are)."""

from __future__ import annotations

from modules.mentor.contracts import Reply, TaskView
from modules.mentor.models import MentorMessage, MentorSession, Role
from modules.mentor.selectors import DailySummary, SessionDetail

PREVIEW_CHARS = 120
# Stored roles are the model's (`assistant`); the API calls the mentor `mentor`, as the mobile app renders it.
ROLE_OUT = {Role.USER: "user", Role.ASSISTANT: "mentor"}


def _meta(message: MentorMessage) -> dict | None:
    if message.role != Role.ASSISTANT:
        return None
    return {"provider": message.provider, "model": message.model, "status": message.status, "safety": message.safety}


def message_out(message: MentorMessage) -> dict:
    return {
        "id": message.id,
        "session_id": message.session_id,
        "session_kind": message.session.kind,
        "mode": message.session.mode,
        "role": ROLE_OUT[message.role],
        "content": message.content,
        "provider": message.provider or None,
        "model": message.model,
        "status": message.status,
        "safety": message.safety,
        "meta": _meta(message),
        "created_at": message.created_at,
    }


def preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"


def session_out(session: MentorSession) -> dict:
    return {
        "id": session.id,
        "kind": session.kind,
        "mode": session.mode,
        "language": session.language,
        "date": session.day,
        "title": session.title,
        "message_count": getattr(session, "message_count", 0),
        "created_at": session.created_at,
        "last_message_at": session.last_message_at,
    }


def session_detail_out(detail: SessionDetail) -> dict:
    for message in detail.messages:
        message.session = detail.session  # one session for all: no query per message
    return {
        **session_out(detail.session),
        "messages": [message_out(m) for m in detail.messages],
        "has_more_messages": detail.has_more_messages,
    }


def daily_session_out(detail: SessionDetail) -> dict:
    """A journal day as the mobile app reads it (`entry`, `reply`) besides the session detail."""
    out = session_detail_out(detail)

    def joined(role: str) -> str:
        return "\n\n".join(m.content for m in detail.messages if m.role == role and m.content.strip())

    return {**out, "session_id": detail.session.id, "entry": joined(Role.USER), "reply": joined(Role.ASSISTANT)}


def reply_out(reply: Reply) -> dict:
    return {
        "session_id": reply.session_id,
        "mode": reply.mode,
        "language": reply.language,
        "reply": reply.text,
        "message_id": reply.message_id,
        "user_message_id": reply.user_message_id,
        "provider": reply.provider,
        "model": reply.model,
        "safety": reply.safety,
    }


def task_out(task: TaskView) -> dict:
    return {
        "task_id": task.id,
        "status": task.status,
        "session_id": task.session_id,
        "message_id": task.message_id,
        "reply": task.reply,
        "provider": task.provider,
        "error_code": task.error_code or None,
        "error_detail": task.error_detail or None,
        "created_at": task.created_at,
        "finished_at": task.finished_at,
    }


def daily_day_out(day: DailySummary) -> dict:
    return {
        "session_id": day.session_id,
        "date": day.day,
        "language": day.language,
        "entries": day.entries,
        "last_entry": day.last_entry,
        "last_reply": day.last_reply,
        "entry_preview": preview(day.last_entry),
        "reply_preview": preview(day.last_reply),
        "last_message_at": day.last_message_at,
    }
