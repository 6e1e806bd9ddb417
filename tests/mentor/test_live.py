"""The mentor stream on a real daphne process talking to the fake LLM server: bytes on the wire, client
disconnects, streams that would hang, and personal keys kept out of the server's logs and database."""

import json
import time

import httpx
import pytest

from modules.mentor import offline
from modules.mentor.models import MentorMessage
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.live import start_daphne
from tests.mentor.conftest import BYO_KEY, PLATFORM_KEY, database_contains
from tests.mentor.fakellm import Behaviour, FakeLLMServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def live_llm():
    server = FakeLLMServer()
    yield server
    server.close()


# Long enough that a loaded CI machine never trips them on a healthy reply (a 1 s first-token budget did: the
# stream ended with a `provider_timeout` frame and no reply was stored), short enough for the hang test.
FIRST_TOKEN_TIMEOUT = 4
IDLE_TIMEOUT = 4


@pytest.fixture(scope="module")
def mentor_server(django_db_setup, django_db_blocker, tmp_path_factory, live_llm):
    """daphne with the fake LLM as platform provider (and allowed personal-key server), short timeouts and
    debug logging (which must still never show a key)."""
    with django_db_blocker.unblock():
        process = start_daphne(
            tmp_path_factory.mktemp("mentor-live"),
            MENTOR_PROVIDER="openai",
            MENTOR_BASE_URL=live_llm.url,
            MENTOR_API_KEY=PLATFORM_KEY,
            MENTOR_MODEL="fake-model",
            MENTOR_BYO_BASE_URLS=live_llm.url,
            MENTOR_BYO_MODELS="fake-model",
            MENTOR_MAX_RETRIES="0",
            MENTOR_FIRST_TOKEN_TIMEOUT_SECONDS=str(FIRST_TOKEN_TIMEOUT),
            MENTOR_IDLE_TIMEOUT_SECONDS=str(IDLE_TIMEOUT),
            LOG_LEVEL="debug",
        )
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def fresh_llm(live_llm):
    live_llm.script.clear()
    live_llm.aborted.clear()
    live_llm.requests.clear()
    live_llm.default = Behaviour()
    return live_llm


def auth(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {client_for(user).token}"}


def wait_until(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return None


def test_stream_bytes_and_headers(mentor_server, fresh_llm):
    person = UserFactory()
    fresh_llm.script.append(Behaviour(tokens=["Hi", " Ana", ", ", "breathe", "."]))
    with (
        httpx.Client(timeout=15) as client,
        client.stream(
            "GET", f"{mentor_server.url}/api/v1/mentor/stream/", params={"message": "hello"}, headers=auth(person)
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["cache-control"] == "no-cache, no-store"
        assert response.headers["x-accel-buffering"] == "no"
        raw = b"".join(response.iter_raw())
    # The reply is committed before the `end` frame is written, so it is there once the last byte has arrived.
    assert raw.endswith(b"}\n\n") and b'"event":"end"' in raw, (raw, mentor_server.log()[-3000:])
    reply = MentorMessage.objects.get(role="assistant")
    session = reply.session_id
    expected = (
        f'data: {{"event":"start","session_id":{session},"mode":"default","provider":"openai"}}\n\n'
        'data: {"event":"token","delta":"Hi"}\n\n'
        'data: {"event":"token","delta":" Ana"}\n\n'
        'data: {"event":"token","delta":", "}\n\n'
        'data: {"event":"token","delta":"breathe"}\n\n'
        'data: {"event":"token","delta":"."}\n\n'
        f'data: {{"event":"end","session_id":{session},"message_id":{reply.id}}}\n\n'
    ).encode()
    assert raw == expected
    assert reply.content == "Hi Ana, breathe."


def test_offline_stream_bytes_on_the_default_server(daphne_server):
    person = UserFactory(name="Lia Test")
    with httpx.Client(timeout=15) as client:
        response = client.post(
            f"{daphne_server.url}/api/v1/mentor/stream/",
            json={"message": "Is it normal to feel lost after moving?", "mode": "reflection", "language": "en"},
            headers=auth(person),
        )
    reply = MentorMessage.objects.get(role="assistant", user=person)
    assert reply.provider == "offline" and "Lia" in reply.content
    frames = [
        json.dumps(f, separators=(",", ":"), ensure_ascii=False)
        for f in [
            {"event": "start", "session_id": reply.session_id, "mode": "reflection", "provider": "offline"},
            *({"event": "token", "delta": chunk} for chunk in offline.chunks(reply.content)),
            {"event": "end", "session_id": reply.session_id, "message_id": reply.id},
        ]
    ]
    assert response.content == "".join(f"data: {frame}\n\n" for frame in frames).encode()


def test_client_disconnect_stops_generation_and_keeps_the_partial_reply(mentor_server, fresh_llm):
    person = UserFactory()
    planned = [f" w{i}" for i in range(200)]
    fresh_llm.script.append(Behaviour(tokens=planned, token_delay=0.05))  # 10 s if read to the end
    seen = []
    started = time.monotonic()
    with (
        httpx.Client(timeout=15) as client,
        client.stream(
            "GET", f"{mentor_server.url}/api/v1/mentor/stream/", params={"message": "long"}, headers=auth(person)
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event["event"] == "token":
                    seen.append(event["delta"])
                    if len(seen) == 5:
                        break
    # The provider's connection is closed soon after: it stops generating.
    assert fresh_llm.wait_for(lambda: fresh_llm.aborted, timeout=5), "the provider stream was not closed"
    assert fresh_llm.aborted[0].tokens_written < 60
    assert time.monotonic() - started < 6
    reply = wait_until(lambda: MentorMessage.objects.filter(user=person, role="assistant").first())
    assert reply is not None, mentor_server.log()[-3000:]
    assert reply.status == "partial"
    assert reply.content.startswith("".join(seen)) and len(reply.content) < len("".join(planned))


def test_a_stream_never_hangs(mentor_server, fresh_llm):
    person = UserFactory()
    fresh_llm.script.append(Behaviour(hang=True))
    started = time.monotonic()
    with httpx.Client(timeout=15) as client:
        response = client.get(
            f"{mentor_server.url}/api/v1/mentor/stream/", params={"message": "hello?"}, headers=auth(person)
        )
    assert time.monotonic() - started < FIRST_TOKEN_TIMEOUT + 4
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    assert [e["event"] for e in events] == ["start", "error"]
    assert events[-1]["code"] == "provider_timeout"


def test_personal_key_on_a_live_server_leaves_no_trace(mentor_server, fresh_llm):
    person = UserFactory()
    headers = {**auth(person), "X-LLM-Key": BYO_KEY}
    with httpx.Client(timeout=15) as client:
        ok = client.get(f"{mentor_server.url}/api/v1/mentor/stream/", params={"message": "hi"}, headers=headers)
        fresh_llm.script.append(Behaviour(status=401))
        refused = client.post(f"{mentor_server.url}/api/v1/mentor/chat/", json={"message": "hi"}, headers=headers)
        too_async = client.post(
            f"{mentor_server.url}/api/v1/mentor/chat/?async=true", json={"message": "hi"}, headers=headers
        )
    assert ok.status_code == 200 and '"event":"end"' in ok.text
    assert refused.status_code == 502 and refused.json()["code"] == "provider_unauthorized"
    assert too_async.status_code == 422
    assert [r.headers["authorization"] for r in fresh_llm.requests] == [f"Bearer {BYO_KEY}"] * 2
    for response in (ok, refused, too_async):
        assert BYO_KEY not in response.text and BYO_KEY not in str(response.headers)
    log = mentor_server.log()
    assert "mentor provider call failed: provider_unauthorized" in log  # debug logging was on
    assert BYO_KEY not in log and PLATFORM_KEY not in log
    assert database_contains(BYO_KEY) == []
