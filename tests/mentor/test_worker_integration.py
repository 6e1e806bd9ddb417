"""`?async=true` end to end on real processes: daphne takes the message, a Dramatiq worker answers it through the
Postgres broker with the platform provider (the fake LLM server), and the reply reaches the person's socket as a
`mentor:reply` event."""

import json

import httpx
import pytest
from websockets.sync.client import connect

from modules.mentor.models import MentorMessage, MentorTask
from tests.factories import UserFactory
from tests.live import start_daphne, start_worker
from tests.mentor.conftest import PLATFORM_KEY
from tests.mentor.fakellm import Behaviour, FakeLLMServer
from tests.realtime.conftest import recv_events, recv_json, token_for, ws_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def llm():
    server = FakeLLMServer()
    yield server
    server.close()


def test_an_async_reply_is_computed_by_a_worker_and_announced(tmp_path, llm):
    provider = {
        "MENTOR_PROVIDER": "openai",
        "MENTOR_BASE_URL": llm.url,
        "MENTOR_API_KEY": PLATFORM_KEY,
        "MENTOR_MODEL": "fake-model",
    }
    server = start_daphne(tmp_path, **provider)
    worker = start_worker(tmp_path, **provider)
    person = UserFactory()
    token = token_for(person)
    try:
        with connect(ws_url(server, token)) as ws:
            ws.send(json.dumps({"type": "ping"}))
            assert recv_json(ws) == {"type": "pong"}
            response = httpx.post(
                f"{server.url}/api/v1/mentor/chat/?async=true",
                json={"message": "Help me plan my week"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert response.status_code == 202, response.text
            task_id = response.json()["task_id"]
            [event] = recv_events(ws, 1, timeout=45)
        polled = httpx.get(
            f"{server.url}/api/v1/mentor/tasks/{task_id}/", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).json()
    finally:
        worker.stop()
        server.stop()

    assert event["type"] == "mentor:reply" and event["topic"] == f"user:{person.id}", worker.log()[-3000:]
    assert event["payload"]["task_id"] == task_id and event["payload"]["status"] == "done"
    assert event["payload"]["reply"] == "Hello from the fake model." and event["payload"]["provider"] == "openai"
    assert polled["status"] == "done" and polled["reply"] == "Hello from the fake model."
    reply = MentorMessage.objects.get(role="assistant")
    assert reply.id == event["payload"]["message_id"] and MentorTask.objects.get().status == "done"
    # The reply, then (the memory being empty) the memory summary job that the reply enqueued: both with the
    # platform key, as jobs never see a personal one.
    chat = llm.requests[0]
    assert chat.messages[-1] == {"role": "user", "content": "Help me plan my week"}
    assert {r.headers["authorization"] for r in llm.requests} == {f"Bearer {PLATFORM_KEY}"}
    assert PLATFORM_KEY not in worker.log() and PLATFORM_KEY not in server.log()


def test_a_reply_whose_worker_was_killed_is_answered_by_another_worker(tmp_path, llm):
    """kill -9 of the worker in the middle of the provider call: the Postgres broker gives the message to the next
    worker once the dead one's heartbeat is old (about a minute), and the task is answered, not left `running`."""
    import os
    import signal
    import time

    from dramatiq import Message
    from dramatiq_postgres import PostgresBroker

    from modules.mentor import services
    from modules.realtime.models import RealtimeEvent
    from tests.live import current_database_url

    llm.script.append(Behaviour(hang=True))  # the first run waits on the provider until its worker is killed
    provider = {
        "MENTOR_PROVIDER": "openai",
        "MENTOR_BASE_URL": llm.url,
        "MENTOR_API_KEY": PLATFORM_KEY,
        "MENTOR_MODEL": "fake-model",
        "MENTOR_MAX_RETRIES": "0",
        "MENTOR_CONNECT_TIMEOUT_SECONDS": "1",
        "MENTOR_TIMEOUT_SECONDS": "5",  # the lease is a few seconds more than this, plus its margin
    }
    person = UserFactory()
    task = services.chat_enqueue(
        user_id=person.id, message="Help me plan my week", mode="default", language=None, session_id=None
    )
    broker = PostgresBroker(url=current_database_url(), results=False)
    first = start_worker(tmp_path, **provider)
    second = None
    try:
        broker.enqueue(
            Message(queue_name="mentor", actor_name="mentor_chat_reply", args=(str(task.id),), kwargs={}, options={})
        )
        assert llm.wait_for(lambda: len(llm.requests) == 1, timeout=60), first.log()[-3000:]
        task.refresh_from_db()
        assert task.status == "running" and task.attempts == 1
        os.killpg(first.popen.pid, signal.SIGKILL)  # the worker and its worker processes, without a word
        first.popen.wait(10)

        second = start_worker(tmp_path, **provider)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            task.refresh_from_db()
            if task.status != "running":
                break
            assert second.popen.poll() is None, second.log()[-3000:]
            time.sleep(0.5)
    finally:
        broker.close()
        if second is not None:
            second.stop()
        first.stop()

    assert task.status == "done" and task.attempts == 2, second.log()[-3000:]
    asked = [r for r in llm.requests if r.messages[-1] == {"role": "user", "content": "Help me plan my week"}]
    assert len(asked) == 2  # the killed run, then the one that answered (then, maybe, the memory summary job)
    assert MentorMessage.objects.filter(role="assistant").count() == 1
    [event] = RealtimeEvent.objects.filter(type="mentor:reply")
    assert event.payload["status"] == "done" and event.payload["task_id"] == str(task.id)
