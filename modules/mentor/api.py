"""/api/v1/mentor/…: chat (plain, streamed as SSE, or as a background job), history and sessions, the daily
journal, the mentor profile and memory. Bring your own LLM key with `X-LLM-Key` (never stored)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router, Status

from modules.accounts.http import async_bearer_auth, bearer_auth, current_principal
from modules.core.http import PathId, error_responses
from modules.mentor import selectors, services
from modules.mentor.contracts import MODES, ChatQueued
from modules.mentor.models import SessionKind
from modules.mentor.providers import BASE_URL_HEADER, KEY_HEADER, MODEL_HEADER, byo_config
from modules.mentor.schemas import (
    MentorChatIn,
    MentorChatOut,
    MentorChatParams,
    MentorDailyEntryIn,
    MentorDailyEntryOut,
    MentorDailyHistoryOut,
    MentorDailyHistoryParams,
    MentorDailySessionOut,
    MentorHistoryDeletedOut,
    MentorHistoryParams,
    MentorMemoryOut,
    MentorMessagePageOut,
    MentorProfileOut,
    MentorProfilePatch,
    MentorSessionDetailOut,
    MentorSessionListParams,
    MentorSessionPageOut,
    MentorStreamParams,
    MentorTaskAcceptedOut,
    MentorTaskOut,
)
from modules.mentor.streaming import stream_open

router = Router(auth=bearer_auth, tags=["mentor"])  # mounted at /mentor

# Provider failures: 502 (refused, unreachable, cut off), 503 (provider rate limit), 504 (timeout).
REPLY_ERRORS = error_responses(400, 401, 404, 422, 429, 502, 503, 504)
BYO_HEADERS = [
    {
        "name": KEY_HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 8, "maxLength": 512, "pattern": "^[!-~]{8,512}$"},
        "description": "Your own key for an OpenAI-compatible provider, used for this request only: never stored, "
        "logged, queued or echoed. A failing call with it is an error, never retried with the server's key.",
    },
    {
        "name": BASE_URL_HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "maxLength": 300},
        "description": "With X-LLM-Key: one of the server's allowed base URLs (default: the first).",
    },
    {
        "name": MODEL_HEADER,
        "in": "header",
        "required": False,
        "schema": {"type": "string", "maxLength": 120},
        "description": "With X-LLM-Key: one of the server's allowed models (default: the first).",
    },
]
SSE_FRAME_SCHEMA = {
    "type": "object",
    "required": ["event"],
    "properties": {
        "event": {"type": "string", "enum": ["start", "token", "end", "error"]},
        "session_id": {"type": "integer"},
        "mode": {"type": "string", "enum": list(MODES)},
        "provider": {"type": "string"},
        "delta": {"type": "string"},
        "message_id": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
}
SSE_EVENT_SCHEMA = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string", "const": "message"},
        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": SSE_FRAME_SCHEMA},
    },
}
SSE_RESPONSE = {
    200: {
        "description": "text/event-stream of `data:` JSON frames: `start`, `token`…, then `end` or `error`.",
        # OpenAPI 3.1 reads `schema` of an event stream as one event (3.2 calls it itemSchema): the default event
        # name (`message`) and a `data:` line holding one JSON frame.
        "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
    }
}
STREAM_DESCRIPTION = (
    "Server-Sent Events with the default event name; every `data:` line is a JSON object:\n\n"
    '* `{"event":"start","session_id":12,"mode":"default","provider":"offline"}` (`mode` by our name: '
    "`daily_mentor` starts as `daily`)\n"
    '* `{"event":"token","delta":"…"}`, repeated\n'
    '* `{"event":"end","session_id":12,"message_id":345}`, or instead\n'
    '* `{"event":"error","detail":"…","code":"provider_timeout"}`, after which the stream ends.\n\n'
    "Errors before the stream starts (input, rate limit, quota, personal-key headers) are ordinary JSON errors. "
    "If the client disconnects, generation stops and what was produced is kept as a `partial` reply."
)


def _viewer(request: HttpRequest) -> int:
    return current_principal(request).user_id


# --- chat -----------------------------------------------------------------------------------------


@router.post(
    "/chat/",
    response={200: MentorChatOut, 202: MentorTaskAcceptedOut, **REPLY_ERRORS},
    summary="Talk to the mentor: your message and its reply (or, with ?async=true, a task)",
    description=(
        "Crisis or self-harm signals get a supportive reply with help resources instead of model output "
        "(`provider: safety`). Without an LLM configured, the built-in offline mentor answers "
        "(`provider: offline`). Limits: RATE_MENTOR_PER_USER (429 with Retry-After) and a daily quota "
        "(`mentor_quota_exceeded`, renewed at 00:00 UTC; replies with your own key are not counted)."
    ),
    openapi_extra={"parameters": BYO_HEADERS},
)
def mentor_chat(request: HttpRequest, payload: MentorChatIn, params: Query[MentorChatParams]):
    answer = services.chat_respond(
        user_id=_viewer(request),
        message=payload.message,
        mode=payload.mode,
        language=payload.language,
        session_id=payload.session_id,
        byo=byo_config(request.headers),
        background=params.async_,
    )
    return Status(202, answer) if isinstance(answer, ChatQueued) else answer


@router.get(
    "/tasks/{task_id}/",
    response={200: MentorTaskOut, **error_responses(401, 404, 422)},
    summary="A reply computed in the background: pending, running, done (with the reply) or failed",
)
def mentor_task_get(request: HttpRequest, task_id: uuid.UUID):
    return selectors.task_get(user_id=_viewer(request), task_id=task_id)


async def _stream(request: HttpRequest, ask: MentorStreamParams | MentorChatIn):
    return await stream_open(
        user_id=current_principal(request).user_id,
        message=ask.message,
        mode=ask.mode,
        language=ask.language,
        session_id=ask.session_id,
        byo=byo_config(request.headers),
    )


@router.get(
    "/stream/",
    auth=async_bearer_auth,
    response={200: None, **REPLY_ERRORS},
    summary="Talk to the mentor, the reply streamed as Server-Sent Events",
    description=STREAM_DESCRIPTION,
    openapi_extra={"parameters": BYO_HEADERS, "responses": SSE_RESPONSE},
)
async def mentor_stream(request: HttpRequest, params: Query[MentorStreamParams]):
    return await _stream(request, params)


@router.post(
    "/stream/",
    auth=async_bearer_auth,
    response={200: None, **REPLY_ERRORS},
    summary="Like mentorStream, with the message in a JSON body (long messages)",
    description=STREAM_DESCRIPTION,
    openapi_extra={"parameters": BYO_HEADERS, "responses": SSE_RESPONSE},
)
async def mentor_stream_post(request: HttpRequest, payload: MentorChatIn):
    return await _stream(request, payload)


# --- history and sessions -------------------------------------------------------------------------


@router.get(
    "/history/",
    response={200: MentorMessagePageOut, **error_responses(400, 401, 422)},
    summary="Your mentor messages (yours and the mentor's), newest first",
)
def mentor_history(request: HttpRequest, params: Query[MentorHistoryParams]):
    return selectors.messages_page(
        user_id=_viewer(request), session_id=params.session_id, cursor=params.cursor, limit=params.limit
    )


@router.delete(
    "/history/",
    response={200: MentorHistoryDeletedOut, **error_responses(401)},
    summary="Delete all your mentor conversations and journal (and the memory made of them)",
)
def mentor_history_delete(request: HttpRequest):
    return services.history_delete(user_id=_viewer(request))


@router.get(
    "/sessions/",
    response={200: MentorSessionPageOut, **error_responses(400, 401, 422)},
    summary="Your mentor sessions (chats and journal days), most recent activity first",
)
def mentor_sessions_list(request: HttpRequest, params: Query[MentorSessionListParams]):
    return selectors.sessions_page(user_id=_viewer(request), kind=params.kind, cursor=params.cursor, limit=params.limit)


@router.get(
    "/sessions/{session_id}/",
    response={200: MentorSessionDetailOut, **error_responses(401, 404, 422)},
    summary="One of your mentor sessions with its messages",
)
def mentor_session_get(request: HttpRequest, session_id: PathId):
    return selectors.session_get(user_id=_viewer(request), session_id=session_id)


@router.delete(
    "/sessions/{session_id}/",
    response={204: None, **error_responses(401, 404, 422)},
    summary="Delete one of your mentor sessions and its messages",
)
def mentor_session_delete(request: HttpRequest, session_id: PathId):
    services.session_delete(user_id=_viewer(request), session_id=session_id)
    return Status(204, None)


# --- daily journal --------------------------------------------------------------------------------


@router.post(
    "/daily/entry/",
    response={200: MentorDailyEntryOut, **REPLY_ERRORS},
    summary="Write in your journal: the entry goes into that day's session and the mentor replies",
    description="One journal session per day; later entries of the same day continue it. Same limits as mentorChat.",
    openapi_extra={"parameters": BYO_HEADERS},
)
def mentor_daily_entry(request: HttpRequest, payload: MentorDailyEntryIn):
    return services.daily_entry_create(
        user_id=_viewer(request),
        text=payload.text,
        day=payload.date,
        language=payload.language,
        byo=byo_config(request.headers),
    )


@router.get(
    "/daily/history/",
    response={200: MentorDailyHistoryOut, **error_responses(401, 422)},
    summary="Your latest journal days with their last entry and reply",
)
def mentor_daily_history(request: HttpRequest, params: Query[MentorDailyHistoryParams]):
    return selectors.daily_history(user_id=_viewer(request), limit=params.limit)


@router.get(
    "/daily/session/{session_id}/",
    response={200: MentorDailySessionOut, **error_responses(401, 404, 422)},
    summary="One journal day with all its entries and replies",
)
def mentor_daily_session(request: HttpRequest, session_id: PathId):
    return selectors.session_get(user_id=_viewer(request), session_id=session_id, kind=SessionKind.DAILY)


# --- profile and memory ---------------------------------------------------------------------------


@router.get(
    "/profile/",
    response={200: MentorProfileOut, **error_responses(401)},
    summary="How the mentor talks to you: tone, language, goals",
)
def mentor_profile_get(request: HttpRequest):
    return selectors.profile_get(user_id=_viewer(request))


@router.patch(
    "/profile/",
    response={200: MentorProfileOut, **error_responses(400, 401, 422)},
    summary="Change your mentor profile (send only what changes; goals replace the list)",
)
def mentor_profile_update(request: HttpRequest, payload: MentorProfilePatch):
    changes = payload.model_dump(exclude_unset=True)
    return services.profile_update(user_id=_viewer(request), changes=changes)


@router.get(
    "/memory/",
    response={200: MentorMemoryOut, **error_responses(401)},
    summary="What the mentor remembers of your conversations (a rolling summary, updated in the background)",
)
def mentor_memory_get(request: HttpRequest):
    return selectors.memory_get(user_id=_viewer(request))


@router.delete(
    "/memory/",
    response={200: MentorMemoryOut, **error_responses(401)},
    summary="Make the mentor forget: clears the summary; earlier messages are never summarised again",
)
def mentor_memory_clear(request: HttpRequest):
    return services.memory_clear(user_id=_viewer(request))
