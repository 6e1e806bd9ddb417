"""/api/v1/threads/… and /api/v1/messages/…: conversations for their active members only (others get 404).

Two routers, each mounted at its prefix by `selflink/api.py`; sending is on both (`POST /threads/{id}/messages/`
and `POST /messages/`), through the same service."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Body, Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.core.http import PathId, error_responses, multipart_or_json_body, parse_json_or_form
from modules.core.public import rate_limit_enforce
from modules.messaging import selectors, services
from modules.messaging.schemas import (
    AckIn,
    DirectThreadIn,
    GroupCreateIn,
    MessageCreateIn,
    MessageListParams,
    MessageOut,
    MessagePageOut,
    ReactionIn,
    ReactionsOut,
    ReadIn,
    ReceiptOut,
    SyncOut,
    SyncParams,
    ThreadListParams,
    ThreadMessageIn,
    ThreadOut,
    ThreadPageOut,
    TypingIn,
    TypingOut,
    TypingStateOut,
)

threads_router = Router(auth=bearer_auth, tags=["threads"])
messages_router = Router(auth=bearer_auth, tags=["messages"])

SEND_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429)
ATTACHMENTS = {"attachments": "Up to 4 JPEG, PNG, WebP or GIF images, or one MP4/QuickTime video (repeat the field)."}


def _viewer(request: HttpRequest) -> int:
    return current_principal(request).user_id


def _limit_messages(request: HttpRequest) -> None:
    rate_limit_enforce(
        "message:user",
        str(_viewer(request)),
        settings.RATE_MESSAGES_PER_USER,
        detail="You are sending messages too fast. Try again in a moment.",
    )


def _send(request: HttpRequest, payload: ThreadMessageIn, files, thread_id: int):
    """Both send endpoints: 201 with the new message, 200 with the stored one for a client_uuid retry."""
    sent = services.message_send(
        sender_id=_viewer(request),
        thread_id=thread_id,
        body=payload.body,
        client_uuid=payload.client_uuid,
        reply_to_message_id=payload.reply_to_message_id,
        attachments=files.getlist("attachments"),
    )
    return Status(201 if sent.created else 200, sent.view)


def _limit_threads(request: HttpRequest) -> None:
    rate_limit_enforce(
        "thread:user",
        str(_viewer(request)),
        settings.RATE_THREADS_PER_USER,
        detail="You are starting conversations too fast. Try again in a moment.",
    )


# --- threads ---------------------------------------------------------------------------------------


@threads_router.get(
    "/",
    response={200: ThreadPageOut, **error_responses(400, 401, 422)},
    summary="Your conversations (not those you deleted), most recent activity first, with unread counts",
)
def threads_list(request: HttpRequest, params: Query[ThreadListParams]):
    return selectors.threads_page(viewer_id=_viewer(request), cursor=params.cursor, limit=params.limit)


@threads_router.post(
    "/",
    response={201: ThreadOut, **error_responses(400, 401, 403, 404, 422, 429)},
    summary="Start a group with other people (403 `blocked` / `dm_not_allowed` when one of them refuses you)",
)
def threads_create(request: HttpRequest, payload: GroupCreateIn):
    _limit_threads(request)
    thread = services.group_create(
        creator_id=_viewer(request),
        participant_ids=payload.participant_ids,
        title=payload.title,
        initial_message=payload.initial_message,
    )
    return Status(201, selectors.thread_view(viewer_id=_viewer(request), thread_id=thread.id))


@threads_router.post(
    "/direct/",
    response={200: ThreadOut, 201: ThreadOut, **error_responses(400, 401, 403, 404, 422, 429)},
    summary="Your one-to-one thread with someone: 200 when it exists, 201 when created; `initial_message` is "
    "sent into it (once: a retry does not send it again)",
)
def threads_direct(request: HttpRequest, payload: DirectThreadIn):
    _limit_threads(request)
    thread, created = services.direct_thread_open(
        user_id=_viewer(request), other_id=payload.user_id, initial_message=payload.initial_message
    )
    return Status(201 if created else 200, selectors.thread_view(viewer_id=_viewer(request), thread_id=thread.id))


@threads_router.get(
    "/{thread_id}/",
    response={200: ThreadOut, **error_responses(401, 404, 422)},
    summary="A thread you are a member of",
)
def threads_get(request: HttpRequest, thread_id: PathId):
    return selectors.thread_view(viewer_id=_viewer(request), thread_id=thread_id)


@threads_router.post(
    "/{thread_id}/leave/",
    response={204: None, **error_responses(401, 404, 422)},
    summary="Leave a group; on a direct thread, delete the conversation for yourself (it comes back, with only "
    "the later messages, at the next message)",
)
def threads_leave(request: HttpRequest, thread_id: PathId):
    services.thread_leave(user_id=_viewer(request), thread_id=thread_id)
    return Status(204, None)


@threads_router.post(
    "/{thread_id}/read/",
    response={200: ReceiptOut, **error_responses(400, 401, 404, 422)},
    summary="Mark read up to a message (default: the latest); the pointer never moves back",
)
def threads_read(request: HttpRequest, thread_id: PathId, payload: Body[ReadIn | None] = None):
    return services.thread_read(
        user_id=_viewer(request),
        thread_id=thread_id,
        last_read_message_id=payload.last_read_message_id if payload else None,
    )


@threads_router.get(
    "/{thread_id}/typing/",
    response={200: TypingOut, **error_responses(401, 404, 422)},
    summary="Who else is typing in the thread now",
)
def threads_typing(request: HttpRequest, thread_id: PathId):
    return selectors.typing_view(viewer_id=_viewer(request), thread_id=thread_id)


@threads_router.post(
    "/{thread_id}/typing/",
    response={200: TypingStateOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Say you are typing (lasts 6 s; repeat while typing) or that you stopped",
)
def threads_typing_set(request: HttpRequest, thread_id: PathId, payload: TypingIn):
    return services.typing_set(user_id=_viewer(request), thread_id=thread_id, is_typing=payload.is_typing)


@threads_router.get(
    "/{thread_id}/sync/",
    response={200: SyncOut, **error_responses(401, 404, 422)},
    summary="Catch up: the messages after `since` (`results`, oldest first, bounded) and the thread",
)
def threads_sync(request: HttpRequest, thread_id: PathId, params: Query[SyncParams]):
    return selectors.thread_sync(
        viewer_id=_viewer(request), thread_id=thread_id, since=params.since, limit=params.limit
    )


@threads_router.post(
    "/{thread_id}/messages/",
    tags=["messages"],
    response={200: MessageOut, 201: MessageOut, **SEND_ERRORS},
    summary="Send a message to this thread (JSON, or multipart with `attachments`); 200 for a client_uuid retry",
    openapi_extra=multipart_or_json_body(ThreadMessageIn, files=ATTACHMENTS),
)
def threads_messages_create(request: HttpRequest, thread_id: PathId):
    _limit_messages(request)
    payload, files = parse_json_or_form(request, ThreadMessageIn)
    return _send(request, payload, files, thread_id)


# --- messages --------------------------------------------------------------------------------------


@messages_router.get(
    "/",
    response={200: MessagePageOut, **error_responses(400, 401, 404, 422)},
    summary="A thread's messages, newest first",
)
def messages_list(request: HttpRequest, params: Query[MessageListParams]):
    return selectors.messages_page(
        viewer_id=_viewer(request), thread_id=params.thread, cursor=params.cursor, limit=params.limit
    )


@messages_router.post(
    "/",
    response={200: MessageOut, 201: MessageOut, **SEND_ERRORS},
    summary="Send a message (JSON, or multipart with `attachments`); a client_uuid retry returns it with 200",
    openapi_extra=multipart_or_json_body(MessageCreateIn, files=ATTACHMENTS),
)
def messages_create(request: HttpRequest):
    _limit_messages(request)
    payload, files = parse_json_or_form(request, MessageCreateIn)
    return _send(request, payload, files, payload.thread)


@messages_router.get(
    "/{message_id}/",
    response={200: MessageOut, **error_responses(401, 404, 422)},
    summary="A message of a thread you are a member of",
)
def messages_get(request: HttpRequest, message_id: PathId):
    return selectors.message_view(viewer_id=_viewer(request), message_id=message_id)


@messages_router.delete(
    "/{message_id}/",
    response={200: MessageOut, **error_responses(401, 403, 404, 422)},
    summary="Delete your message for everyone: it stays as a tombstone (`deleted: true`, no body or attachments)",
)
def messages_delete(request: HttpRequest, message_id: PathId):
    services.message_delete(user_id=_viewer(request), message_id=message_id)
    return selectors.message_view(viewer_id=_viewer(request), message_id=message_id)


@messages_router.post(
    "/{message_id}/ack/",
    response={200: ReceiptOut, **error_responses(400, 401, 404, 422)},
    summary="Acknowledge messages up to this one as delivered (or read); pointers never move back",
)
def messages_ack(request: HttpRequest, message_id: PathId, payload: AckIn):
    return services.message_ack(user_id=_viewer(request), message_id=message_id, status=payload.status)


@messages_router.post(
    "/{message_id}/reactions/",
    response={200: ReactionsOut, **error_responses(400, 401, 404, 422, 429)},
    summary="Toggle your reaction with this emoji",
)
def messages_react(request: HttpRequest, message_id: PathId, payload: ReactionIn):
    viewer = _viewer(request)
    rate_limit_enforce(
        "reaction:user", str(viewer), settings.RATE_MESSAGES_PER_USER, detail="You are reacting too fast."
    )
    return services.reaction_toggle(user_id=viewer, message_id=message_id, emoji=payload.emoji)
