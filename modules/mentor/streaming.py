"""`/mentor/stream/`: a reply as Server-Sent Events, generated in the server's event loop.

Frames use the default event name; each `data:` line is one JSON object:

    data: {"event":"start","session_id":12,"mode":"default","provider":"offline"}
    data: {"event":"token","delta":"Thank"}
    data: {"event":"end","session_id":12,"message_id":345}
  or, instead of `end`:
    data: {"event":"error","detail":"The LLM provider did not answer in time.","code":"provider_timeout"}

Everything that can fail before the first byte (authentication, input, personal-key headers, rate limit, daily
quota, an unknown session) is an ordinary JSON error response. After `start`, failures are `error` frames and the
stream ends: provider errors and timeouts (connect, first token, idle, total: a stream never hangs) and the
output check stopping a reply. The reply is saved before `end` (its id is in the frame). When the client
disconnects, Django cancels the response: the provider request is closed (so generation stops) and what was
produced so far is saved as a `partial` reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import aclosing

from django.http import StreamingHttpResponse

from modules.core.public import database_call
from modules.mentor import safety, services
from modules.mentor.contracts import ProviderConfig, Turn
from modules.mentor.models import ReplyStatus
from modules.mentor.personas import persona
from modules.mentor.providers import Provider, ProviderError, provider_for

logger = logging.getLogger(__name__)


def frame(payload: dict) -> str:
    return f"data: {json.dumps(payload, separators=(',', ':'), ensure_ascii=False)}\n\n"


async def stream_open(
    *, user_id: int, message: str, mode: str, language: str | None, session_id: int | None, byo: ProviderConfig | None
) -> StreamingHttpResponse:
    """Store the message (raising the usual API errors), then answer with the event stream."""
    provider = provider_for(byo)
    turn = await database_call(services.turn_start)(
        user_id=user_id, message=message, mode=mode, language=language, session_id=session_id, byo=byo is not None
    )
    response = StreamingHttpResponse(
        _events(turn, services.reply_provider(turn, provider)), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"
    return response


async def _save(turn: Turn, provider: Provider, text: str, status: str, safety_flag: str = ""):
    return await database_call(services.reply_record)(
        turn=turn, text=text, provider=provider, status=status, safety_flag=safety_flag
    )


async def _events(turn: Turn, provider: Provider):
    yield frame({"event": "start", "session_id": turn.session_id, "mode": turn.mode, "provider": provider.name})
    guard = safety.StreamGuard()
    produced: list[str] = []
    failure: ProviderError | None = None
    try:
        async with aclosing(provider.astream(turn.prompt)) as deltas:
            try:
                async for delta in deltas:
                    if not turn.crisis and not guard.feed(delta):
                        break  # closing the provider's stream stops the generation
                    produced.append(delta)
                    yield frame({"event": "token", "delta": delta})
            except ProviderError as error:
                failure = error
    except BaseException:
        # The client went away (the response task was cancelled, or this generator closed): keep what was
        # produced. Shielded, so the save completes even though the task around it is being cancelled.
        if produced:
            save = asyncio.ensure_future(_save(turn, provider, "".join(produced), ReplyStatus.PARTIAL))
            try:
                await asyncio.shield(save)
            except BaseException:
                logger.warning("partial mentor reply of session %s could not be saved", turn.session_id)
        raise
    yield frame(await _last_frame(turn, provider, guard, produced, failure))


async def _last_frame(
    turn: Turn, provider: Provider, guard: safety.StreamGuard, produced: list[str], failure: ProviderError | None
) -> dict:
    """Save the reply as the stream ended (withheld by the output check, cut off by the provider, or complete) and
    return the frame that ends the stream."""
    if guard.verdict:
        replacement = safety.replacement(guard.verdict, language=turn.language)
        reply = await _save(turn, provider, replacement.text, ReplyStatus.COMPLETE, replacement.safety)
        return {
            "event": "error",
            "detail": persona(turn.language).safety["stream_withheld"],
            "code": "reply_withheld",
            **({"message_id": reply.message_id} if reply else {}),
        }
    if failure is not None:
        if produced:
            await _save(turn, provider, "".join(produced), ReplyStatus.ERROR)
        return {"event": "error", "detail": failure.detail, "code": failure.code}
    checked = services.reply_check(turn, "".join(produced))
    reply = await _save(turn, provider, checked.text, ReplyStatus.COMPLETE, checked.safety)
    if reply is None:
        return {"event": "error", "detail": "The mentor session was deleted.", "code": "session_deleted"}
    return {"event": "end", "session_id": turn.session_id, "message_id": reply.message_id}
