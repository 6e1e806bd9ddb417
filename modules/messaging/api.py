"""/api/v1/threads/… and /api/v1/messages/…: conversations for their active members only (others get 404)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Body, Query, Router, Status

from modules.accounts.http import bearer_auth, current_principal
from modules.core.http import PathId, error_responses, multipart_or_json_body, parse_json_or_form
from modules.core.public import NotFound, rate_limit_enforce
from modules.messaging import selectors, services
from modules.messaging.presenters import message_out, reactions_out, thread_out, typing_out
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

router = Router(auth=bearer_auth)

SEND_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429)
ATTACHMENTS = {"attachments": "Up to 4 JPEG, PNG, WebP or GIF images, or one MP4/QuickTime video (repeat the field)."}


def _viewer(request: HttpRequest) -> int:
    return current_principal(request).user_id


def _thread(request: HttpRequest, thread_id: int) -> dict:
    viewer = _viewer(request)
    return thread_out(selectors.thread_view(viewer_id=viewer, thread_id=thread_id), viewer, request)


def _message(request: HttpRequest, message_id: int) -> dict:
    viewer = _viewer(request)
    return message_out(selectors.message_view(viewer_id=viewer, message_id=message_id), viewer, request)


def _receipt(receipt: services.Receipt, user_id: int) -> dict:
    return {
        "thread_id": receipt.thread_id,
        "last_delivered_message_id": receipt.last_delivered_message_id,
        "last_read_message_id": receipt.last_read_message_id,
        "unread_count": selectors.unread_count(user_id=user_id, thread_id=receipt.thread_id),
    }


def _send(request: HttpRequest, payload: ThreadMessageIn, files, thread_id: int):
    viewer = _viewer(request)
    sent = services.message_send_with_view(
        sender_id=viewer,
        thread_id=thread_id,
        body=payload.body,
        client_uuid=payload.client_uuid,
        reply_to_message_id=payload.reply_to_message_id,
        attachments=files.getlist("attachments"),
    )
    if sent.view is not None:  # a new message: the view built while sending (no second read)
        return Status(201, message_out(sent.view, viewer, request))
    # A retry: the stored message, even if the sender has since cleared it from their history.
    views = selectors.message_views([sent.message], viewer_id=viewer)
    if not views:
        raise NotFound("Message not found.")
    return Status(201 if sent.created else 200, message_out(views[0], viewer, request))


def _limit_messages(request: HttpRequest) -> None:
    rate_limit_enforce(
        "message:user",
        str(_viewer(request)),
        settings.RATE_MESSAGES_PER_USER,
        detail="You are sending messages too fast. Try again in a moment.",
    )


def _limit_threads(request: HttpRequest) -> None:
    rate_limit_enforce(
        "thread:user",
        str(_viewer(request)),
        settings.RATE_THREADS_PER_USER,
        detail="You are starting conversations too fast. Try again in a moment.",
    )


# --- threads ---------------------------------------------------------------------------------------


@router.get(
    "/threads/",
    operation_id="threadsList",
    tags=["threads"],
    response={200: ThreadPageOut, **error_responses(400, 401, 422)},
    summary="Your conversations (not those you deleted), most recent activity first, with unread counts",
)
def threads_list(request: HttpRequest, params: Query[ThreadListParams]):
    viewer = _viewer(request)
    page = selectors.threads_page(viewer_id=viewer, cursor=params.cursor, limit=params.limit)
    return {"results": [thread_out(view, viewer, request) for view in page.results], "next": page.next}


@router.post(
    "/threads/",
    operation_id="threadsCreate",
    tags=["threads"],
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
    return Status(201, _thread(request, thread.id))


@router.post(
    "/threads/direct/",
    operation_id="threadsDirect",
    tags=["threads"],
    response={200: ThreadOut, 201: ThreadOut, **error_responses(400, 401, 403, 404, 422, 429)},
    summary="Your one-to-one thread with someone: 200 when it exists, 201 when created; `initial_message` is "
    "sent into it (once: a retry does not send it again)",
)
def threads_direct(request: HttpRequest, payload: DirectThreadIn):
    _limit_threads(request)
    thread, created = services.direct_thread_open(
        user_id=_viewer(request), other_id=payload.user_id, initial_message=payload.initial_message
    )
    return Status(201 if created else 200, _thread(request, thread.id))


@router.get(
    "/threads/{thread_id}/",
    operation_id="threadsGet",
    tags=["threads"],
    response={200: ThreadOut, **error_responses(401, 404, 422)},
    summary="A thread you are a member of",
)
def threads_get(request: HttpRequest, thread_id: PathId):
    return _thread(request, thread_id)


@router.post(
    "/threads/{thread_id}/leave/",
    operation_id="threadsLeave",
    tags=["threads"],
    response={204: None, **error_responses(401, 404, 422)},
    summary="Leave a group; on a direct thread, delete the conversation for yourself (it comes back, with only "
    "the later messages, at the next message)",
)
def threads_leave(request: HttpRequest, thread_id: PathId):
    services.thread_leave(user_id=_viewer(request), thread_id=thread_id)
    return Status(204, None)


@router.post(
    "/threads/{thread_id}/read/",
    operation_id="threadsRead",
    tags=["threads"],
    response={200: ReceiptOut, **error_responses(400, 401, 404, 422)},
    summary="Mark read up to a message (default: the latest); the pointer never moves back",
)
def threads_read(request: HttpRequest, thread_id: PathId, payload: Body[ReadIn | None] = None):
    viewer = _viewer(request)
    receipt = services.thread_read(
        user_id=viewer, thread_id=thread_id, last_read_message_id=payload.last_read_message_id if payload else None
    )
    return _receipt(receipt, viewer)


@router.get(
    "/threads/{thread_id}/typing/",
    operation_id="threadsTyping",
    tags=["threads"],
    response={200: TypingOut, **error_responses(401, 404, 422)},
    summary="Who else is typing in the thread now",
)
def threads_typing(request: HttpRequest, thread_id: PathId):
    return typing_out(thread_id, selectors.typing_list(viewer_id=_viewer(request), thread_id=thread_id))


@router.post(
    "/threads/{thread_id}/typing/",
    operation_id="threadsTypingSet",
    tags=["threads"],
    response={200: TypingStateOut, **error_responses(400, 401, 403, 404, 422)},
    summary="Say you are typing (lasts 6 s; repeat while typing) or that you stopped",
)
def threads_typing_set(request: HttpRequest, thread_id: PathId, payload: TypingIn):
    result = services.typing_set(user_id=_viewer(request), thread_id=thread_id, is_typing=payload.is_typing)
    return {"thread_id": result.thread_id, "is_typing": result.is_typing, "expires_at": result.expires_at}


@router.get(
    "/threads/{thread_id}/sync/",
    operation_id="threadsSync",
    tags=["threads"],
    response={200: SyncOut, **error_responses(401, 404, 422)},
    summary="Catch up: the messages after `since` (`results`, oldest first, bounded) and the thread",
)
def threads_sync(request: HttpRequest, thread_id: PathId, params: Query[SyncParams]):
    viewer = _viewer(request)
    sync = selectors.thread_sync(viewer_id=viewer, thread_id=thread_id, since=params.since, limit=params.limit)
    return {
        "thread": thread_out(sync.thread, viewer, request),
        "results": [message_out(view, viewer, request) for view in sync.messages],
        "has_more": sync.has_more,
    }


@router.post(
    "/threads/{thread_id}/messages/",
    operation_id="threadsMessagesCreate",
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


@router.get(
    "/messages/",
    operation_id="messagesList",
    tags=["messages"],
    response={200: MessagePageOut, **error_responses(400, 401, 404, 422)},
    summary="A thread's messages, newest first",
)
def messages_list(request: HttpRequest, params: Query[MessageListParams]):
    viewer = _viewer(request)
    page = selectors.messages_page(viewer_id=viewer, thread_id=params.thread, cursor=params.cursor, limit=params.limit)
    return {"results": [message_out(view, viewer, request) for view in page.results], "next": page.next}


@router.post(
    "/messages/",
    operation_id="messagesCreate",
    tags=["messages"],
    response={200: MessageOut, 201: MessageOut, **SEND_ERRORS},
    summary="Send a message (JSON, or multipart with `attachments`); a client_uuid retry returns it with 200",
    openapi_extra=multipart_or_json_body(MessageCreateIn, files=ATTACHMENTS),
)
def messages_create(request: HttpRequest):
    _limit_messages(request)
    payload, files = parse_json_or_form(request, MessageCreateIn)
    return _send(request, payload, files, payload.thread)


@router.get(
    "/messages/{message_id}/",
    operation_id="messagesGet",
    tags=["messages"],
    response={200: MessageOut, **error_responses(401, 404, 422)},
    summary="A message of a thread you are a member of",
)
def messages_get(request: HttpRequest, message_id: PathId):
    return _message(request, message_id)


@router.delete(
    "/messages/{message_id}/",
    operation_id="messagesDelete",
    tags=["messages"],
    response={200: MessageOut, **error_responses(401, 403, 404, 422)},
    summary="Delete your message for everyone: it stays as a tombstone (`deleted: true`, no body or attachments)",
)
def messages_delete(request: HttpRequest, message_id: PathId):
    services.message_delete(user_id=_viewer(request), message_id=message_id)
    return _message(request, message_id)


@router.post(
    "/messages/{message_id}/ack/",
    operation_id="messagesAck",
    tags=["messages"],
    response={200: ReceiptOut, **error_responses(400, 401, 404, 422)},
    summary="Acknowledge messages up to this one as delivered (or read); pointers never move back",
)
def messages_ack(request: HttpRequest, message_id: PathId, payload: AckIn):
    viewer = _viewer(request)
    return _receipt(services.message_ack(user_id=viewer, message_id=message_id, status=payload.status), viewer)


@router.post(
    "/messages/{message_id}/reactions/",
    operation_id="messagesReact",
    tags=["messages"],
    response={200: ReactionsOut, **error_responses(400, 401, 404, 422, 429)},
    summary="Toggle your reaction with this emoji",
)
def messages_react(request: HttpRequest, message_id: PathId, payload: ReactionIn):
    viewer = _viewer(request)
    rate_limit_enforce(
        "reaction:user", str(viewer), settings.RATE_MESSAGES_PER_USER, detail="You are reacting too fast."
    )
    change = services.reaction_toggle(user_id=viewer, message_id=message_id, emoji=payload.emoji)
    return {
        "message_id": change.message_id,
        "thread_id": change.thread_id,
        "emoji": change.emoji,
        "action": change.action,
        "reactions": reactions_out(change.reactions, viewer),
    }
