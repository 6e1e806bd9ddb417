"""Background work: replies computed by a job (`?async=true`), the memory summary, retention."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from modules.core.public import periodic_jobs
from modules.mentor import tasks
from modules.mentor.models import MentorMemory, MentorMessage, MentorSession, MentorTask
from modules.mentor.services import memory_update, mentor_purge, task_run
from modules.realtime.models import RealtimeEvent
from tests.mentor.conftest import PLATFORM_KEY, queued
from tests.mentor.fakellm import Behaviour

pytestmark = pytest.mark.django_db


def enqueue(api, message="Help me plan my week", **extra):
    response = api.request("POST", "/mentor/chat/?async=true", json_body={"message": message, **extra})
    assert response.status == 202, response
    return response.json()


def test_async_chat_is_answered_by_the_job(api, stub_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        accepted = enqueue(api)
    assert accepted["status"] == "pending" and set(accepted) == {"task_id", "status", "session_id", "user_message_id"}
    [message] = queued(stub_broker)
    assert message.actor_name == "mentor_chat_reply" and message.args == (accepted["task_id"],)  # the id only
    pending = api.get(f"/mentor/tasks/{accepted['task_id']}/").json()
    assert pending["status"] == "pending" and pending["reply"] is None

    with django_capture_on_commit_callbacks(execute=True):
        tasks.mentor_chat_reply(accepted["task_id"])  # what the worker runs
    done = api.get(f"/mentor/tasks/{accepted['task_id']}/").json()
    assert done["status"] == "done" and done["provider"] == "offline" and done["finished_at"]
    reply = MentorMessage.objects.get(role="assistant")
    assert done["message_id"] == reply.id and done["reply"] == reply.content
    assert done["session_id"] == accepted["session_id"] == reply.session_id

    event = RealtimeEvent.objects.get(type="mentor:reply")
    assert event.topic == f"user:{api.user.id}"
    assert event.payload == {
        "task_id": accepted["task_id"],
        "status": "done",
        "session_id": reply.session_id,
        "message_id": reply.id,
        "mode": "default",
        "reply": reply.content,
        "provider": "offline",
        "code": None,
        "detail": None,
    }
    assert task_run(task_id=uuid.UUID(accepted["task_id"])) == "skipped"  # a redelivered message does nothing


def test_a_failing_job_is_reported(api, fake_llm):
    accepted = enqueue(api)
    fake_llm.script.append(Behaviour(status=500))
    assert task_run(task_id=uuid.UUID(accepted["task_id"])) == "failed"
    failed = api.get(f"/mentor/tasks/{accepted['task_id']}/").json()
    assert failed["status"] == "failed" and failed["error_code"] == "provider_error"
    event = RealtimeEvent.objects.get(type="mentor:reply")
    assert event.payload["status"] == "failed" and event.payload["code"] == "provider_error"
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {PLATFORM_KEY}"


def test_tasks_are_private(api, make_client):
    accepted = enqueue(api)
    other = make_client(type(api.user).objects.create(email="x@example.com", handle="other_one"))
    assert other.get(f"/mentor/tasks/{accepted['task_id']}/").status == 404
    assert api.get(f"/mentor/tasks/{uuid.uuid4()}/").status == 404
    assert api.get("/mentor/tasks/not-a-uuid/").status == 422


def test_async_chat_checks_limits_up_front(api, settings):
    settings.MENTOR_DAILY_QUOTA = 1
    enqueue(api)
    response = api.request("POST", "/mentor/chat/?async=true", json_body={"message": "again"})
    assert response.status == 429 and response.json()["code"] == "mentor_quota_exceeded"


# --- memory ---------------------------------------------------------------------------------------


def talk(api, *messages, mode="default"):
    for message in messages:
        assert api.post("/mentor/chat/", {"message": message, "mode": mode}).status == 200


def test_offline_memory_summary(api, stub_broker, django_capture_on_commit_callbacks):
    api.patch("/mentor/profile/", {"goals": ["Run a marathon"]})
    with django_capture_on_commit_callbacks(execute=True):
        talk(api, "Running in the rain today.", "Running felt easier, but my knee hurts.")
    assert {m.actor_name for m in queued(stub_broker)} == {"mentor_memory_update"}
    tasks.mentor_memory_update(api.user.id)
    memory = api.get("/mentor/memory/").json()
    assert memory["provider"] == "offline" and memory["messages_summarised"] == 4
    summary = memory["summary"]
    assert summary.startswith("4 messages in 1 conversations since")
    assert "running" in summary and "Goals mentioned: Run a marathon." in summary
    assert "Most recently: Running felt easier, but my knee hurts." in summary
    # Few new messages: the summary waits for more.
    talk(api, "One more thing.")
    assert memory_update(user_id=api.user.id) is False
    talk(api, "a", "b")
    assert memory_update(user_id=api.user.id) is True
    assert api.get("/mentor/memory/").json()["messages_summarised"] == 10


def test_memory_is_part_of_later_prompts(api, fake_llm):
    MentorMemory.objects.create(user=api.user, summary="Training for a marathon; worried about a knee.")
    api.post("/mentor/chat/", {"message": "hi"})
    assert "worried about a knee" in fake_llm.requests[0].messages[1]["content"]


def test_model_memory_summary_and_its_fallback(api, fake_llm):
    talk(api, "I moved to Tbilisi.")
    fake_llm.script.append(Behaviour(tokens=["Moved to Tbilisi recently."]))
    assert memory_update(user_id=api.user.id)
    request = fake_llm.requests[-1]
    assert request.roles() == ["system", "user"] and "I moved to Tbilisi." in request.messages[1]["content"]
    memory = api.get("/mentor/memory/").json()
    assert memory == {**memory, "summary": "Moved to Tbilisi recently.", "provider": "openai"}
    talk(api, "a", "b", "c")
    fake_llm.script.append(Behaviour(status=500))
    assert memory_update(user_id=api.user.id)
    assert api.get("/mentor/memory/").json()["provider"] == "offline"  # the model failed: offline summary


def test_clearing_memory_forgets_what_was_said(api):
    talk(api, "Secret hobby: collecting stamps.")
    memory_update(user_id=api.user.id)
    assert "stamps" in api.get("/mentor/memory/").json()["summary"]
    cleared = api.delete("/mentor/memory/").json()
    assert cleared["summary"] == "" and cleared["cleared_at"] is not None
    assert memory_update(user_id=api.user.id, force=True) is False  # nothing new since
    talk(api, "Now about gardening.")
    memory_update(user_id=api.user.id)
    summary = api.get("/mentor/memory/").json()["summary"]
    assert "gardening" in summary and "stamps" not in summary
    assert MentorMessage.objects.filter(content__contains="stamps").exists()  # history itself stays


# --- retention ------------------------------------------------------------------------------------


def test_retention_purges_old_messages_sessions_and_tasks(api, settings):
    settings.MENTOR_RETENTION_DAYS = 30
    talk(api, "old")
    enqueue(api, "old too")
    old = timezone.now() - dt.timedelta(days=31)
    MentorMessage.objects.update(created_at=old)
    MentorSession.objects.update(last_message_at=old)
    MentorTask.objects.update(created_at=old)
    talk(api, "new", mode="goals")
    assert mentor_purge() == {"messages": 3, "sessions": 1, "tasks": 1}
    assert next(iter(MentorMessage.objects.values_list("content", flat=True).order_by("id"))) == "new"
    assert MentorSession.objects.count() == 1
    assert "mentor_purge_expired" in {job.name for job in periodic_jobs()}
    tasks.mentor_purge_expired()  # runs clean


def test_memory_jobs_are_enqueued_only_when_there_is_enough_to_summarise(
    api, stub_broker, django_capture_on_commit_callbacks
):
    def turn(n: int) -> int:
        """One chat turn (the person's message and the reply); how many memory jobs are queued after it."""
        with django_capture_on_commit_callbacks(execute=True):
            assert api.post("/mentor/chat/", {"message": f"Message number {n} about my week"}).status == 200
        return len([m for m in queued(stub_broker) if m.actor_name == "mentor_memory_update"])

    assert turn(1) == 1  # an empty memory is written at once
    memory_update(user_id=api.user.id)
    stub_broker.flush_all()
    assert [turn(2), turn(3)] == [0, 0]  # 4 new messages: not yet
    assert turn(4) == 1  # 6 new messages
    assert memory_update(user_id=api.user.id) is True
