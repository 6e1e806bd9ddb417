"""Typed views → response dicts (absolute media URLs), and the JSON payloads of realtime events.

User cards stay `UserCard` objects: `UserCardOut` turns their photo path into an absolute URL (with the
request's host in responses, `PUBLIC_BASE_URL` in events).
"""

from __future__ import annotations

from django.http import HttpRequest

from modules.media.public import MediaData, media_url
from modules.messaging.schemas import MessageOut, ThreadOut
from modules.messaging.selectors import MessageView, ReactionSummary, ThreadView, TypingUser


def _attachment(m: MediaData, request: HttpRequest | None) -> dict:
    return {
        "id": m.id,
        "kind": m.kind,
        "url": media_url(m.path, request),
        "thumbnail_url": media_url(m.thumbnail_path, request),
        "width": m.width,
        "height": m.height,
        "duration": m.duration_seconds,
        "mime_type": m.mime_type,
    }


def reactions_out(reactions: list[ReactionSummary], viewer_id: int) -> list[dict]:
    return [{"emoji": r.emoji, "count": r.count, "reacted_by_current_user": viewer_id in r.user_ids} for r in reactions]


def reaction_event_reactions(reactions: list[ReactionSummary], viewer_id: int) -> list[dict]:
    """`message:reaction` carries the flag twice: the mobile app's store reads `reactedByCurrentUser` from
    realtime reactions (its REST client maps `reacted_by_current_user` itself)."""
    return [{**r, "reactedByCurrentUser": r["reacted_by_current_user"]} for r in reactions_out(reactions, viewer_id)]


def message_out(view: MessageView, viewer_id: int, request: HttpRequest | None) -> dict:
    reply = view.reply_to
    return {
        "id": view.id,
        "thread": view.thread_id,
        "sender": view.sender,
        "body": view.body,
        "type": view.type,
        "status": view.status,
        "client_uuid": view.client_uuid,
        "delivered_at": view.delivered_at,
        "read_at": view.read_at,
        "attachments": [_attachment(m, request) for m in view.attachments],
        "reactions": reactions_out(view.reactions, viewer_id),
        "reply_to": (
            {
                "id": reply.id,
                "sender_id": reply.sender_id,
                "text_preview": reply.text_preview,
                "has_attachments": reply.has_attachments,
            }
            if reply
            else None
        ),
        "created_at": view.created_at,
        "deleted": view.deleted,
    }


def thread_out(view: ThreadView, viewer_id: int, request: HttpRequest | None) -> dict:
    return {
        "id": view.id,
        "is_group": view.is_group,
        "title": view.title,
        "members": [{"user": member.user, "joined_at": member.joined_at} for member in view.members],
        "participants": view.participants,
        "last_message": message_out(view.last_message, viewer_id, request) if view.last_message else None,
        "unread_count": view.unread_count,
        "last_read_message_id": view.last_read_message_id,
        "last_delivered_message_id": view.last_delivered_message_id,
        "created_at": view.created_at,
        "last_activity_at": view.last_activity_at,
        "updated_at": view.last_activity_at,
    }


def typing_out(thread_id: int, typing: list[TypingUser]) -> dict:
    """Ours (`typing[]`) and the mobile app's reading of the same list (`typing_user_ids[]`, `users[]`)."""
    return {
        "thread_id": thread_id,
        "typing": [
            {"user_id": t.user_id, "user_name": t.user_name, "user_handle": t.user_handle, "expires_at": t.expires_at}
            for t in typing
        ],
        "typing_user_ids": [t.user_id for t in typing],
        "users": [{"id": t.user_id, "name": t.user_name, "handle": t.user_handle} for t in typing],
    }


# --- realtime payloads (what the API would answer; media URLs from PUBLIC_BASE_URL) ---------------------


def message_model(view: MessageView, viewer_id: int) -> MessageOut:
    return MessageOut.model_validate(message_out(view, viewer_id, None))


def thread_model(view: ThreadView, viewer_id: int) -> ThreadOut:
    return ThreadOut.model_validate(thread_out(view, viewer_id, None))
