"""Replies computed by a job (`?async=true`) when the worker dies mid-reply: the broker delivers the message again
(at least once), and the task must then be answered, or fail visibly with `mentor:reply` carrying an error. It
must never stay `running`, and a run presumed dead must never leave a second reply."""

import datetime as dt
import uuid

import pytest
import time_machine

from modules.core.public import periodic_jobs
from modules.mentor import services, tasks
from modules.mentor.models import MentorMessage, MentorTask
from modules.mentor.providers import OfflineProvider
from modules.mentor.services import task_run, tasks_sweep
from modules.realtime.models import RealtimeEvent
from tests.mentor.conftest import queued

pytestmark = pytest.mark.django_db


def frozen():
    """The clock stopped now (access tokens were issued now), moved by hand."""
    return time_machine.travel(dt.datetime.now(dt.UTC), tick=False)


class WorkerKilled(BaseException):
    """What the job sees of `kill -9`: nothing after this point runs (no except, no finally that reaches the DB)."""


class DyingProvider(OfflineProvider):
    def complete(self, prompt):
        raise WorkerKilled


def enqueue(api) -> uuid.UUID:
    response = api.request("POST", "/mentor/chat/?async=true", json_body={"message": "Help me plan my week"})
    assert response.status == 202, response
    return uuid.UUID(response.json()["task_id"])


def run_and_die(task_id: uuid.UUID, monkeypatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(services, "platform_provider", DyingProvider)
        with pytest.raises(WorkerKilled):
            task_run(task_id=task_id)


def task_state(api, task_id: uuid.UUID) -> dict:
    return api.get(f"/mentor/tasks/{task_id}/").json()


def reply_events() -> list[dict]:
    return [e.payload for e in RealtimeEvent.objects.filter(type="mentor:reply").order_by("id")]


def test_a_redelivered_task_whose_worker_died_is_answered(
    api, stub_broker, monkeypatch, django_capture_on_commit_callbacks
):
    with frozen() as clock:
        task_id = enqueue(api)
        run_and_die(task_id, monkeypatch)
        assert task_state(api, task_id)["status"] == "running"

        # The broker delivers the message again (the dead worker's heartbeat stopped) while the run's lease lasts:
        # nothing runs twice at once; the task is looked at again when the lease ends.
        with django_capture_on_commit_callbacks(execute=True):
            assert task_run(task_id=task_id) == "skipped"
        [later] = queued(stub_broker, "mentor.DQ")
        assert later.actor_name == "mentor_chat_reply" and later.args == (str(task_id),)
        assert later.options["eta"] >= (dt.datetime.now(dt.UTC) + services.task_lease()).timestamp() * 1000

        clock.shift(services.task_lease() + dt.timedelta(seconds=1))
        assert task_run(task_id=task_id) == "done"

    done = task_state(api, task_id)
    assert done["status"] == "done" and done["reply"]
    assert MentorTask.objects.get(id=task_id).attempts == 2
    assert MentorMessage.objects.filter(role="assistant").count() == 1
    [event] = reply_events()
    assert event["status"] == "done" and event["task_id"] == str(task_id) and event["reply"] == done["reply"]


def test_a_task_whose_worker_dies_twice_fails_visibly(api, monkeypatch):
    with frozen() as clock:
        task_id = enqueue(api)
        run_and_die(task_id, monkeypatch)
        clock.shift(services.task_lease() + dt.timedelta(seconds=1))
        run_and_die(task_id, monkeypatch)  # a reply that kills its worker is not tried forever
        clock.shift(services.task_lease() + dt.timedelta(seconds=1))
        assert task_run(task_id=task_id) == "failed"

    failed = task_state(api, task_id)
    assert failed["status"] == "failed" and failed["error_code"] == "mentor_task_interrupted"
    assert failed["finished_at"] is not None
    [event] = reply_events()
    assert event["status"] == "failed" and event["code"] == "mentor_task_interrupted" and event["detail"]
    assert not MentorMessage.objects.filter(role="assistant").exists()
    assert task_run(task_id=task_id) == "skipped"  # and stays failed


def test_the_sweeper_resumes_a_dead_run_then_fails_it(
    api, stub_broker, monkeypatch, django_capture_on_commit_callbacks
):
    assert tasks.mentor_tasks_sweep.actor_name in {job.name for job in periodic_jobs()}
    with frozen() as clock:
        task_id = enqueue(api)
        stub_broker.flush_all()
        run_and_die(task_id, monkeypatch)
        assert tasks_sweep() == {"resumed": 0, "interrupted": 0, "expired": 0}  # its lease still runs

        clock.shift(services.task_lease() + dt.timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks_sweep() == {"resumed": 1, "interrupted": 0, "expired": 0}
        [resent] = queued(stub_broker)
        assert resent.actor_name == "mentor_chat_reply" and resent.args == (str(task_id),)

        run_and_die(task_id, monkeypatch)  # the second run dies too
        clock.shift(services.task_lease() + dt.timedelta(seconds=1))
        assert tasks_sweep() == {"resumed": 0, "interrupted": 1, "expired": 0}

    assert task_state(api, task_id)["error_code"] == "mentor_task_interrupted"
    assert [e["code"] for e in reply_events()] == ["mentor_task_interrupted"]


def test_a_task_no_worker_picks_up_expires_visibly(api):
    with frozen() as clock:
        task_id = enqueue(api)
        clock.shift(services.TASK_PENDING_MAX_AGE - dt.timedelta(seconds=1))
        assert tasks_sweep()["expired"] == 0
        clock.shift(dt.timedelta(seconds=2))
        assert tasks_sweep()["expired"] == 1
        assert task_run(task_id=task_id) == "skipped"  # the message arriving late changes nothing
    assert task_state(api, task_id)["error_code"] == "mentor_task_expired"
    assert [e["code"] for e in reply_events()] == ["mentor_task_expired"]


def test_a_slow_run_presumed_dead_leaves_no_second_reply(api, monkeypatch):
    """Run A is slower than its lease; run B takes over and answers. A finishing later stores nothing."""
    with frozen() as clock:
        task_id = enqueue(api)

        class SlowProvider(OfflineProvider):
            def complete(self, prompt):
                clock.shift(services.task_lease() + dt.timedelta(seconds=1))
                with monkeypatch.context() as patch:
                    patch.setattr(services, "platform_provider", OfflineProvider)
                    assert task_run(task_id=task_id) == "done"  # run B, started by a redelivery
                return "A late reply from run A."

        monkeypatch.setattr(services, "platform_provider", SlowProvider)
        assert task_run(task_id=task_id) == "superseded"

    replies = list(MentorMessage.objects.filter(role="assistant").values_list("content", flat=True))
    assert len(replies) == 1 and replies[0] != "A late reply from run A."
    assert task_state(api, task_id)["status"] == "done"
    assert [e["status"] for e in reply_events()] == ["done"]


def test_a_run_that_fails_unexpectedly_reports_it(api, monkeypatch):
    task_id = enqueue(api)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "turn_for_message", broken)
    assert task_run(task_id=task_id) == "failed"
    state = task_state(api, task_id)
    assert state["status"] == "failed" and state["error_code"] == "reply_failed"
    assert [e["code"] for e in reply_events()] == ["reply_failed"]


def test_a_memory_job_delivered_twice_counts_the_messages_once(api, monkeypatch):
    """Two runs of `mentor_memory_update` at once (a redelivery, or two replies' jobs): the later one finds the
    summary already moved past what it read and keeps it (it used to count the same messages twice)."""
    from modules.mentor import memory as memory_summaries
    from modules.mentor.services import memory_update

    assert api.post("/mentor/chat/", {"message": "Running in the rain today."}).status == 200
    original = memory_summaries.offline_summary
    nested = []

    def summary_while_another_run_finishes(**kwargs):
        if not nested:
            nested.append(None)
            nested[0] = memory_update(user_id=api.user.id)  # the other delivery, finishing first
        return original(**kwargs)

    monkeypatch.setattr(memory_summaries, "offline_summary", summary_while_another_run_finishes)
    assert memory_update(user_id=api.user.id) is False and nested == [True]
    assert api.get("/mentor/memory/").json()["messages_summarised"] == 2
