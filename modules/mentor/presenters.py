"""Rows and views → response dicts, where the response names or shapes differ from the data's (profile and
memory are returned as they are)."""

from __future__ import annotations

from modules.mentor.contracts import Reply, TaskView
from modules.mentor.models import MentorMessage, MentorSession
from modules.mentor.selectors import DailySummary, SessionDetail


def message_out(message: MentorMessage) -> dict:
    return {
        "id": message.id,
        "session_id": message.session_id,
        "session_kind": message.session.kind,
        "mode": message.session.mode,
        "role": message.role,
        "content": message.content,
        "provider": message.provider or None,
        "model": message.model,
        "status": message.status,
        "safety": message.safety,
        "created_at": message.created_at,
    }


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
        "last_message_at": day.last_message_at,
    }
