"""Writes: mentor profile, turns (the person's message stored, then the mentor's reply), journal entries, replies
computed by jobs, memory, deletion and retention.

A turn is two short transactions around the provider call, never one long one: `turn_start()` checks the rate
limit and the daily quota, stores the person's message in its session and builds the prompt; the provider
answers with no transaction (and, on the blocking path, no database connection) held; `reply_record()` stores the
checked reply and enqueues the memory update after commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from modules.core.public import ApiError, NotFound, RateLimited, ValidationFailed, rate_limit_enforce
from modules.mentor import memory as memory_summaries
from modules.mentor import safety, selectors
from modules.mentor.contracts import ChatQueued, HistoryDeleted, ProviderConfig, Reply, Turn, ask_for
from modules.mentor.events import MentorReplyEvent
from modules.mentor.models import (
    MentorMemory,
    MentorMessage,
    MentorProfile,
    MentorSession,
    MentorTask,
    Mode,
    ReplyStatus,
    Role,
    SessionKind,
    TaskStatus,
)
from modules.mentor.prompts import prompt_build
from modules.mentor.providers import FixedReplyProvider, Provider, ProviderError, platform_provider, provider_for
from modules.realtime.public import publish, user_topic

logger = logging.getLogger(__name__)

RATE_SCOPE = "mentor:user"
SESSION_CONTINUE_HOURS = 6  # a chat message without session_id continues your latest chat in that mode this recent
TITLE_CHARS = 80
MEMORY_MIN_NEW_MESSAGES = 6  # the memory is rewritten once this many messages are new (at once when it is empty)
TASK_RETENTION_DAYS = 7
TASK_MAX_ATTEMPTS = 2  # a reply whose run died is tried once more; a second death fails it (a poison message)
TASK_LEASE_MARGIN_SECONDS = 60
TASK_PENDING_MAX_AGE = dt.timedelta(minutes=30)  # a reply no worker picked up by then fails instead of arriving late
SWEEP_BATCH = 500
EARLIEST_JOURNAL_DAY = dt.date(2000, 1, 1)


class QuotaExceeded(RateLimited):
    code = "mentor_quota_exceeded"


def provider_failure(error: ProviderError) -> ApiError:
    failure = ApiError(error.detail, code=error.code)
    failure.status = error.status
    return failure


# --- profile --------------------------------------------------------------------------------------


def profile_update(*, user_id: int, changes: dict) -> selectors.ProfileView:
    current = selectors.profile_get(user_id=user_id)
    values = {
        "tone": changes.get("tone") or current.tone,
        "language": changes.get("language") or current.language,
        "goals": changes["goals"] if changes.get("goals") is not None else current.goals,
        "updated_at": timezone.now(),
    }
    MentorProfile.objects.update_or_create(user_id=user_id, defaults=values)
    return selectors.profile_get(user_id=user_id)


# --- turns ----------------------------------------------------------------------------------------


def _next_utc_midnight(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.astimezone(dt.UTC).date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def _limits_check(user_id: int, *, byo: bool) -> None:
    rate_limit_enforce(
        RATE_SCOPE,
        str(user_id),
        settings.RATE_MENTOR_PER_USER,
        detail="You are writing to the mentor too fast. Try again in a moment.",
    )
    if byo:
        return  # replies with your own key cost the platform nothing: no daily quota
    now = timezone.now()
    midnight = _next_utc_midnight(now)
    used = selectors.quota_used(user_id=user_id, since=midnight - dt.timedelta(days=1))
    if used >= settings.MENTOR_DAILY_QUOTA:
        raise QuotaExceeded(
            int((midnight - now).total_seconds()) + 1,
            f"You have used today's {settings.MENTOR_DAILY_QUOTA} mentor messages; the quota renews at 00:00 UTC.",
        )


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def _chat_session(*, user_id: int, session_id: int | None, mode: str, language: str) -> MentorSession:
    if session_id is not None:
        session = MentorSession.objects.select_for_update().filter(user_id=user_id, id=session_id).first()
        if session is None:
            raise NotFound("No such mentor session.")
        if session.kind != SessionKind.CHAT:
            raise ValidationFailed.for_field(
                "session_id", "Journal sessions take entries through POST /mentor/daily/entry/.", code="not_a_chat"
            )
        return session
    recent = timezone.now() - dt.timedelta(hours=SESSION_CONTINUE_HOURS)
    session = (
        MentorSession.objects.select_for_update()
        .filter(user_id=user_id, kind=SessionKind.CHAT, mode=mode, last_message_at__gte=recent)
        .order_by("-last_message_at", "-id")
        .first()
    )
    return session or MentorSession.objects.create(user_id=user_id, kind=SessionKind.CHAT, mode=mode, language=language)


def _daily_session(*, user_id: int, day: dt.date, language: str) -> MentorSession:
    session, _ = MentorSession.objects.get_or_create(
        user_id=user_id, kind=SessionKind.DAILY, day=day, defaults={"mode": Mode.DAILY, "language": language}
    )
    return session


def turn_for_message(message: MentorMessage, *, byo: bool = False) -> Turn:
    """Everything needed to answer a stored message of the person (also used by the reply job)."""
    session = message.session
    profile = selectors.profile_get(user_id=message.user_id)
    context = selectors.user_context(user_id=message.user_id, profile=profile, before_message_id=message.id)
    history = selectors.session_history(session_id=session.id, before_message_id=message.id)
    prompt = prompt_build(
        context=context,
        mode=session.mode,
        language=session.language,
        tone=profile.tone,
        history=history,
        message=message.content,
        history_max_chars=settings.MENTOR_HISTORY_MAX_CHARS,
    )
    return Turn(
        user_id=message.user_id,
        session_id=session.id,
        session_kind=session.kind,
        day=session.day,
        user_message_id=message.id,
        mode=session.mode,
        language=session.language,
        prompt=prompt,
        crisis=safety.crisis_detected(message.content),
        byo=byo,
    )


def turn_start(
    *,
    user_id: int,
    message: str,
    mode: str,
    language: str | None,
    session_id: int | None = None,
    byo: bool = False,
    day: dt.date | None = None,
) -> Turn:
    """Check the limits, store the person's message and prepare the prompt. `mode` may be one of the app's names
    (contracts.APP_MODES); the message goes into a journal session when `day` is given or the mode is a journal
    one (today's then). Raises 422 (a session with a journal mode), 429 (rate limit, daily quota) and 404
    (someone else's or no session)."""
    ask = ask_for(mode)
    if ask.journal:
        if session_id is not None:
            raise ValidationFailed.for_field(
                "session_id",
                f"`{mode}` writes in today's journal session: send it without session_id.",
                code="journal_session_id",
            )
        day = journal_day(day)
    mode = ask.mode
    _limits_check(user_id, byo=byo)
    language = language or selectors.profile_get(user_id=user_id).language
    now = timezone.now()
    with transaction.atomic():
        if day is not None:
            session = _daily_session(user_id=user_id, day=day, language=language)
        else:
            session = _chat_session(user_id=user_id, session_id=session_id, mode=mode, language=language)
        session.mode = Mode.DAILY if day is not None else mode
        session.language = language
        session.last_message_at = now
        session.title = session.title or _title(message)
        session.save(update_fields=["mode", "language", "last_message_at", "title"])
        stored = MentorMessage.objects.create(
            session=session, user_id=user_id, role=Role.USER, content=message, byo=byo, created_at=now
        )
    return turn_for_message(stored, byo=byo)


def reply_provider(turn: Turn, provider: Provider) -> Provider:
    """Crisis signals are answered with the supportive reply, whatever was asked for."""
    if turn.crisis:
        return FixedReplyProvider("safety", safety.crisis_reply(turn.language))
    return provider


def reply_check(turn: Turn, text: str) -> safety.Checked:
    if turn.crisis:
        return safety.Checked(safety.clean(text), safety.CRISIS)
    return safety.check_output(text, language=turn.language)


def _release_connection() -> None:
    """A provider call may take a minute: hand the database connection back meanwhile (outside transactions)."""
    if not connection.in_atomic_block:
        connection.close()


def reply_compute(turn: Turn, provider: Provider) -> tuple[Provider, safety.Checked]:
    """Ask the provider (blocking) and check its answer. Raises `ProviderError`."""
    provider = reply_provider(turn, provider)
    _release_connection()
    return provider, reply_check(turn, provider.complete(turn.prompt))


def _enqueue_memory_update(user_id: int) -> None:
    from modules.mentor.tasks import mentor_memory_update  # tasks import services

    mentor_memory_update.send(user_id)


def _memory_due(user_id: int) -> bool:
    """Whether `memory_update` would rewrite the summary now: a job per reply would mostly find nothing to do."""
    row = MentorMemory.objects.filter(user_id=user_id).values("summary", "covered_message_id", "floor_message_id")
    memory = row.first() or {"summary": "", "covered_message_id": 0, "floor_message_id": 0}
    after = max(memory["covered_message_id"], memory["floor_message_id"])
    new = MentorMessage.objects.filter(user_id=user_id, id__gt=after).exclude(status=ReplyStatus.ERROR)
    needed = MEMORY_MIN_NEW_MESSAGES if memory["summary"] else 1
    return new[:needed].count() >= needed


def reply_record(
    *, turn: Turn, text: str, provider: Provider, status: str = ReplyStatus.COMPLETE, safety_flag: str = ""
) -> Reply | None:
    """Store the mentor's reply; None when the session was deleted meanwhile."""
    now = timezone.now()
    try:
        with transaction.atomic():
            message = MentorMessage.objects.create(
                session_id=turn.session_id,
                user_id=turn.user_id,
                role=Role.ASSISTANT,
                content=text,
                provider=provider.name,
                model=provider.model,
                byo=provider.byo,
                status=status,
                safety=safety_flag,
                created_at=now,
            )
            MentorSession.objects.filter(id=turn.session_id).update(last_message_at=now)
            if _memory_due(turn.user_id):
                transaction.on_commit(partial(_enqueue_memory_update, turn.user_id), robust=True)
    except IntegrityError:
        logger.info("mentor session %s was deleted before its reply was stored", turn.session_id)
        return None
    return Reply(
        session_id=turn.session_id,
        message_id=message.id,
        user_message_id=turn.user_message_id,
        mode=turn.mode,
        language=turn.language,
        text=text,
        provider=provider.name,
        model=provider.model,
        status=status,
        safety=safety_flag,
    )


def _answer(turn: Turn, provider: Provider) -> Reply:
    try:
        used, checked = reply_compute(turn, provider)
    except ProviderError as error:
        raise provider_failure(error) from None
    reply = reply_record(turn=turn, text=checked.text, provider=used, safety_flag=checked.safety)
    if reply is None:
        raise NotFound("The mentor session was deleted.")
    return reply


def chat_reply(
    *,
    user_id: int,
    message: str,
    mode: str,
    language: str | None,
    session_id: int | None,
    byo: ProviderConfig | None,
) -> Reply:
    """`POST /mentor/chat/`: store the message, answer it, store the reply."""
    provider = provider_for(byo)
    turn = turn_start(
        user_id=user_id, message=message, mode=mode, language=language, session_id=session_id, byo=byo is not None
    )
    return _answer(turn, provider)


def chat_respond(
    *,
    user_id: int,
    message: str,
    mode: str,
    language: str | None,
    session_id: int | None,
    byo: ProviderConfig | None,
    background: bool,
) -> Reply | ChatQueued:
    """`POST /mentor/chat/`: the reply now (`chat_reply`), or with `background` (`?async=true`) the message stored
    and queued for a job (`chat_enqueue`). A personal key lives only during the request, so it never goes with
    `background` (422 `byo_async`)."""
    if not background:
        return chat_reply(
            user_id=user_id, message=message, mode=mode, language=language, session_id=session_id, byo=byo
        )
    if byo is not None:
        raise ValidationFailed.for_field(
            "async",
            "Personal LLM keys are used during the request only: send them without async.",
            code="byo_async",
        )
    task = chat_enqueue(user_id=user_id, message=message, mode=mode, language=language, session_id=session_id)
    return ChatQueued(task_id=task.id, session_id=task.session_id, user_message_id=task.request_message_id)


def journal_day(day: dt.date | None) -> dt.date:
    """The journal day: given, or today (UTC). At most one day ahead of UTC (time zones east of it)."""
    today = timezone.now().astimezone(dt.UTC).date()
    if day is None:
        return today
    if day > today + dt.timedelta(days=1):
        raise ValidationFailed.for_field("date", "The journal day cannot be in the future.", code="date_in_future")
    if day < EARLIEST_JOURNAL_DAY:
        raise ValidationFailed.for_field("date", "The journal day is too far in the past.", code="date_too_old")
    return day


def daily_entry_create(
    *, user_id: int, text: str, day: dt.date | None, language: str | None, byo: ProviderConfig | None
) -> selectors.DailyEntry:
    """`POST /mentor/daily/entry/`: the entry goes into the day's journal session, and the mentor answers it."""
    day = journal_day(day)
    provider = provider_for(byo)
    turn = turn_start(user_id=user_id, message=text, mode=Mode.DAILY, language=language, byo=byo is not None, day=day)
    return selectors.daily_entry(user_id=user_id, reply=_answer(turn, provider))


# --- replies computed by a job ---------------------------------------------------------------------


def _enqueue_reply(task_id: uuid.UUID) -> None:
    from modules.mentor.tasks import mentor_chat_reply  # tasks import services

    mentor_chat_reply.send(str(task_id))


def chat_enqueue(*, user_id: int, message: str, mode: str, language: str | None, session_id: int | None) -> MentorTask:
    """`POST /mentor/chat/?async=true`: store the message now; a job answers it with the platform's provider.
    Only the task id travels in the queue."""
    turn = turn_start(user_id=user_id, message=message, mode=mode, language=language, session_id=session_id)
    with transaction.atomic():
        task = MentorTask.objects.create(
            user_id=user_id, session_id=turn.session_id, request_message_id=turn.user_message_id
        )
        transaction.on_commit(partial(_enqueue_reply, task.id), robust=True)
    return task


class TaskInterrupted(ApiError):
    status = 503
    code = "mentor_task_interrupted"
    detail = "The reply was interrupted too often (the worker stopped); send the message again."


class TaskExpired(ApiError):
    status = 503
    code = "mentor_task_expired"
    detail = "No worker picked the reply up in time; send the message again."


def task_lease() -> dt.timedelta:
    """How long one run may take before it is presumed dead: the provider's longest answer (each try bounded by the
    connect and total timeouts) plus a margin. A run that outlives it anyway cannot record a second reply: only the
    current run may finish the task (`_task_finish_if_current`)."""
    tries = settings.MENTOR_MAX_RETRIES + 1
    per_try = settings.MENTOR_CONNECT_TIMEOUT_SECONDS + settings.MENTOR_TIMEOUT_SECONDS
    return dt.timedelta(seconds=tries * per_try + TASK_LEASE_MARGIN_SECONDS)


def _task_finish(task: MentorTask, *, reply: Reply | None, error: ApiError | None) -> None:
    """Mark the task and announce it (`mentor:reply` on the person's topic). Call inside a transaction."""
    task.finished_at = timezone.now()
    task.lease_expires_at = None
    if reply is not None:
        task.status = TaskStatus.DONE
        task.reply_message_id = reply.message_id
        event = MentorReplyEvent(
            task_id=str(task.id),
            status=task.status,
            session_id=reply.session_id,
            message_id=reply.message_id,
            mode=reply.mode,
            reply=reply.text,
            provider=reply.provider,
        )
    else:
        task.status = TaskStatus.FAILED
        task.error_code = error.code if error else "reply_failed"
        task.error_detail = (error.detail if error else "The reply could not be computed.")[:300]
        event = MentorReplyEvent(
            task_id=str(task.id),
            status=task.status,
            session_id=task.session_id,
            code=task.error_code,
            detail=task.error_detail,
        )
    task.save(
        update_fields=["status", "reply_message", "error_code", "error_detail", "finished_at", "lease_expires_at"]
    )
    publish([user_topic(task.user_id)], event)


def _enqueue_reply_later(task_id: uuid.UUID, delay: dt.timedelta) -> None:
    from modules.mentor.tasks import mentor_chat_reply  # tasks import services

    mentor_chat_reply.send_with_options(args=(str(task_id),), delay=max(int(delay.total_seconds() * 1000), 0) + 1000)


def _task_claim(task_id: uuid.UUID) -> tuple[MentorTask | None, str]:
    """Start a run: a pending task, or a running one whose run is presumed dead (its lease expired: the worker died
    and the broker delivered the message again, or the sweeper sent it). Out of attempts, the task fails visibly."""
    now = timezone.now()
    with transaction.atomic():
        task = MentorTask.objects.select_for_update().filter(id=task_id).first()
        if task is None:
            return None, "skipped"  # deleted with the person's history
        if task.status == TaskStatus.RUNNING and task.lease_expires_at > now:
            # Another run holds it (or held it, in a worker that died before the lease ends): look again then.
            transaction.on_commit(partial(_enqueue_reply_later, task.id, task.lease_expires_at - now), robust=True)
            return None, "skipped"
        if task.status not in (TaskStatus.PENDING, TaskStatus.RUNNING):
            return None, "skipped"
        if task.attempts >= TASK_MAX_ATTEMPTS:
            _task_finish(task, reply=None, error=TaskInterrupted())
            return None, TaskStatus.FAILED
        task.status = TaskStatus.RUNNING
        task.attempts += 1
        task.lease_expires_at = now + task_lease()
        task.save(update_fields=["status", "attempts", "lease_expires_at"])
    return task, TaskStatus.RUNNING


def _task_finish_if_current(task: MentorTask, *, turn: Turn | None, answer, error: ApiError | None) -> str:
    """Store the reply and finish the task in one transaction, if this run still holds the task: a run presumed
    dead that was only slow finds another run (or the end) in its place and leaves no second reply."""
    with transaction.atomic():
        current = (
            MentorTask.objects.select_for_update()
            .filter(id=task.id, status=TaskStatus.RUNNING, attempts=task.attempts)
            .first()
        )
        if current is None:
            return "superseded"
        reply = None
        if answer is not None:
            used, checked = answer
            reply = reply_record(turn=turn, text=checked.text, provider=used, safety_flag=checked.safety)
            if reply is None:
                error = NotFound("The mentor session was deleted.")
        _task_finish(current, reply=reply, error=error)
        return current.status


def task_run(*, task_id: uuid.UUID) -> str:
    """Answer a queued message (the worker's side of `chat_enqueue`). Safe on redelivery: a run claims the task for
    a lease, and only the run holding it may store the reply and finish it."""
    task, outcome = _task_claim(task_id)
    if task is None:
        return outcome
    try:
        message = MentorMessage.objects.select_related("session").filter(id=task.request_message_id).first()
        if message is None:
            return _task_finish_if_current(
                task, turn=None, answer=None, error=NotFound("The message was deleted before it was answered.")
            )
        turn = turn_for_message(message)
        try:
            answer = reply_compute(turn, platform_provider())
        except ProviderError as error:
            return _task_finish_if_current(task, turn=turn, answer=None, error=provider_failure(error))
        return _task_finish_if_current(task, turn=turn, answer=answer, error=None)
    except Exception:
        # A bug or the database going away: fail it visibly if we still can; otherwise the lease runs out and the
        # sweeper (or a redelivery) takes it from there.
        logger.exception("mentor task %s failed", task_id)
        try:
            return _task_finish_if_current(task, turn=None, answer=None, error=None)
        except Exception:
            logger.warning("mentor task %s left to the sweeper (its lease ends at %s)", task_id, task.lease_expires_at)
            return "interrupted"


def tasks_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The safety net of `task_run` (every minute): a run presumed dead is started again while attempts remain, or
    the task fails visibly (`mentor_task_interrupted`); a task no worker picked up within TASK_PENDING_MAX_AGE fails
    (`mentor_task_expired`). Either way the person hears of it (`mentor:reply`) and the task never stays open."""
    now = now or timezone.now()
    counts = {"resumed": 0, "interrupted": 0, "expired": 0}
    expired_runs = MentorTask.objects.filter(status=TaskStatus.RUNNING, lease_expires_at__lte=now)
    for task_id in list(expired_runs.order_by("lease_expires_at").values_list("id", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            task = MentorTask.objects.select_for_update(skip_locked=True).filter(id=task_id).first()
            if task is None or task.status != TaskStatus.RUNNING or task.lease_expires_at > now:
                continue
            if task.attempts >= TASK_MAX_ATTEMPTS:
                _task_finish(task, reply=None, error=TaskInterrupted())
                counts["interrupted"] += 1
            else:
                transaction.on_commit(partial(_enqueue_reply, task.id), robust=True)
                counts["resumed"] += 1
    stale = MentorTask.objects.filter(status=TaskStatus.PENDING, created_at__lte=now - TASK_PENDING_MAX_AGE)
    for task_id in list(stale.order_by("created_at").values_list("id", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            task = MentorTask.objects.select_for_update(skip_locked=True).filter(id=task_id).first()
            if task is None or task.status != TaskStatus.PENDING:
                continue
            _task_finish(task, reply=None, error=TaskExpired())
            counts["expired"] += 1
    return counts


# --- memory ---------------------------------------------------------------------------------------


def memory_update(*, user_id: int, force: bool = False) -> bool:
    """Rewrite the memory summary when enough is new. Returns whether it changed."""
    row, _ = MentorMemory.objects.get_or_create(user_id=user_id)
    floor = max(row.floor_message_id, 0)
    new = list(
        MentorMessage.objects.filter(user_id=user_id, id__gt=max(row.covered_message_id, floor))
        .exclude(status=ReplyStatus.ERROR)
        .order_by("id")
        .values_list("id", "role", "content")[: memory_summaries.WINDOW]
    )
    if not new or (not force and row.summary and len(new) < MEMORY_MIN_NEW_MESSAGES):
        return False
    profile = selectors.profile_get(user_id=user_id)
    provider = platform_provider()
    summary, used = None, "offline"
    if memory_summaries.is_model(provider):
        _release_connection()
        summary = memory_summaries.model_summary(
            provider=provider,
            previous=row.summary,
            new_messages=[(role, content) for _, role, content in new],
            language=profile.language,
            user_id=user_id,
        )
        used = provider.name
    if summary is None:
        window = list(
            MentorMessage.objects.filter(user_id=user_id, id__gt=floor)
            .exclude(status=ReplyStatus.ERROR)
            .order_by("-id")
            .values_list("role", "content", "created_at", "session_id")[: memory_summaries.WINDOW]
        )
        window.reverse()
        summary = memory_summaries.offline_summary(
            messages=[(role, content, created.date().isoformat()) for role, content, created, _ in window],
            sessions=len({session for *_, session in window}),
            goals=profile.goals,
            language=profile.language,
        )
        used = "offline"
    with transaction.atomic():
        current = MentorMemory.objects.select_for_update().get(user_id=user_id)
        if current.floor_message_id != row.floor_message_id:
            return False  # cleared meanwhile: what was summarised must be forgotten
        if current.covered_message_id != row.covered_message_id:
            return False  # another run (a redelivered or a second message) summarised meanwhile: keep its result
        current.summary = summary
        current.covered_message_id = new[-1][0]
        current.messages_summarised = current.messages_summarised + len(new)
        current.provider = used
        current.updated_at = timezone.now()
        current.save()
    return True


def memory_clear(*, user_id: int) -> selectors.MemoryView:
    """Forget the summary; what was said until now is never summarised again (history itself stays)."""
    _memory_forget(user_id)
    return selectors.memory_get(user_id=user_id)


def _memory_forget(user_id: int) -> None:
    latest = MentorMessage.objects.filter(user_id=user_id).order_by("-id").values_list("id", flat=True).first() or 0
    now = timezone.now()
    MentorMemory.objects.update_or_create(
        user_id=user_id,
        defaults={
            "summary": "",
            "covered_message_id": latest,
            "floor_message_id": latest,
            "messages_summarised": 0,
            "provider": "",
            "updated_at": now,
            "cleared_at": now,
        },
    )


# --- data rights and retention ----------------------------------------------------------------------


def history_delete(*, user_id: int) -> HistoryDeleted:
    """Delete all your mentor sessions and messages (and the memory made of them)."""
    with transaction.atomic():
        MentorTask.objects.filter(user_id=user_id).delete()
        _, deleted = MentorSession.objects.filter(user_id=user_id).delete()
        _memory_forget(user_id)
    return HistoryDeleted(
        deleted_sessions=deleted.get(MentorSession._meta.label, 0),
        deleted_messages=deleted.get(MentorMessage._meta.label, 0),
    )


def session_delete(*, user_id: int, session_id: int) -> None:
    deleted, _ = MentorSession.objects.filter(user_id=user_id, id=session_id).delete()
    if not deleted:
        raise NotFound("No such mentor session.")


def mentor_purge(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Retention: delete messages older than MENTOR_RETENTION_DAYS, sessions left empty and old task records."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.MENTOR_RETENTION_DAYS)
    messages, _ = MentorMessage.objects.filter(created_at__lt=cutoff).delete()
    sessions, _ = MentorSession.objects.filter(last_message_at__lt=cutoff, messages__isnull=True).delete()
    tasks, _ = MentorTask.objects.filter(created_at__lt=now - dt.timedelta(days=TASK_RETENTION_DAYS)).delete()
    return {"messages": messages, "sessions": sessions, "tasks": tasks}
