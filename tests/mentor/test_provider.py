"""The OpenAI-compatible provider against the local fake server: replies, streams, errors, timeouts, retries."""

import time

import pytest

from modules.mentor.models import MentorMessage
from tests.mentor.conftest import PLATFORM_KEY, stream
from tests.mentor.fakellm import Behaviour

pytestmark = pytest.mark.django_db


def test_chat_uses_the_configured_server(api, fake_llm, settings):
    settings.MENTOR_MAX_TOKENS = 321
    response = api.post("/mentor/chat/", {"message": "What matters today?"})
    assert response.status == 200, response
    body = response.json()
    assert (
        body["reply"] == "Hello from the fake model." and body["provider"] == "openai" and body["model"] == "fake-model"
    )
    [request] = fake_llm.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {PLATFORM_KEY}"
    assert request.body["model"] == "fake-model" and request.body["max_tokens"] == 321
    assert not request.body.get("stream")
    stored = MentorMessage.objects.get(id=body["message_id"])
    assert (stored.provider, stored.model, stored.byo, stored.status) == ("openai", "fake-model", False, "complete")


def test_a_keyless_server_gets_no_authorization_header(api, fake_llm, settings):
    settings.MENTOR_API_KEY = ""  # Ollama, llama.cpp … need none
    assert api.post("/mentor/chat/", {"message": "hi"}).status == 200
    assert "authorization" not in fake_llm.requests[0].headers


@pytest.mark.parametrize(
    ("status", "http", "code"),
    [
        (401, 502, "provider_unauthorized"),
        (429, 503, "provider_rate_limited"),
        (500, 502, "provider_error"),
        (404, 502, "provider_model_unavailable"),
        (400, 502, "provider_rejected"),
    ],
)
def test_provider_errors_become_clear_api_errors(api, fake_llm, status, http, code):
    fake_llm.script.append(Behaviour(status=status))
    response = api.post("/mentor/chat/", {"message": "hi"})
    assert response.status == http and response.json()["code"] == code, response
    assert PLATFORM_KEY not in response.content.decode()
    # The person's message is kept; no reply was stored.
    assert list(MentorMessage.objects.values_list("role", flat=True)) == ["user"]


def test_server_errors_are_retried_when_configured(api, fake_llm, settings):
    settings.MENTOR_MAX_RETRIES = 1
    fake_llm.script.append(Behaviour(status=500))
    response = api.post("/mentor/chat/", {"message": "hi"})
    assert response.status == 200 and len(fake_llm.requests) == 2


def test_an_unreachable_server(api, fake_llm, settings):
    settings.MENTOR_BASE_URL = "http://127.0.0.1:9/v1"
    response = api.post("/mentor/chat/", {"message": "hi"})
    assert response.status == 502 and response.json()["code"] == "provider_unavailable"


def test_a_slow_server_times_out(api, fake_llm, settings):
    settings.MENTOR_TIMEOUT_SECONDS = 1
    fake_llm.script.append(Behaviour(hang=True))
    started = time.monotonic()
    response = api.post("/mentor/chat/", {"message": "hi"})
    assert response.status == 504 and response.json()["code"] == "provider_timeout"
    assert time.monotonic() - started < 5


def test_an_empty_reply_is_an_error(api, fake_llm):
    fake_llm.script.append(Behaviour(tokens=["  "]))
    response = api.post("/mentor/chat/", {"message": "hi"})
    assert response.status == 502 and response.json()["code"] == "provider_empty_reply"


# --- streaming ------------------------------------------------------------------------------------


def test_stream_relays_the_chunks(api, fake_llm):
    fake_llm.default = Behaviour(tokens=["Breathe", " in", ",", " breathe", " out", "."], token_delay=0.01)
    result = stream(api, message="I am anxious", mode="default")
    assert result.status == 200
    events = result.events()
    assert events[0] == {
        "event": "start",
        "session_id": events[0]["session_id"],
        "mode": "default",
        "provider": "openai",
    }
    assert [e["delta"] for e in events[1:-1]] == ["Breathe", " in", ",", " breathe", " out", "."]
    reply = MentorMessage.objects.get(role="assistant")
    assert events[-1] == {"event": "end", "session_id": events[0]["session_id"], "message_id": reply.id}
    assert reply.content == "Breathe in, breathe out." and reply.status == "complete"
    [request] = fake_llm.requests
    assert request.body["stream"] is True


def test_stream_first_token_timeout_is_an_error_event(api, fake_llm, settings):
    settings.MENTOR_FIRST_TOKEN_TIMEOUT_SECONDS = 0.5
    fake_llm.script.append(Behaviour(first_token_delay=5))
    started = time.monotonic()
    result = stream(api, message="hi")
    assert time.monotonic() - started < 3
    assert result.events()[-1] == {
        "event": "error",
        "detail": "The LLM provider did not start answering within 0.5 s.",
        "code": "provider_timeout",
    }
    assert not MentorMessage.objects.filter(role="assistant").exists()


def test_stream_idle_timeout_keeps_what_arrived(api, fake_llm, settings):
    settings.MENTOR_IDLE_TIMEOUT_SECONDS = 0.5
    fake_llm.script.append(Behaviour(tokens=["One", " two", " three"], token_delay=3))
    result = stream(api, message="hi")
    events = result.events()
    assert [e["event"] for e in events] == ["start", "token", "error"]
    assert events[-1]["code"] == "provider_timeout" and "sent nothing for 0.5 s" in events[-1]["detail"]
    reply = MentorMessage.objects.get(role="assistant")
    assert (reply.content, reply.status) == ("One", "error")


def test_stream_total_timeout(api, fake_llm, settings):
    settings.MENTOR_TIMEOUT_SECONDS = 1
    settings.MENTOR_IDLE_TIMEOUT_SECONDS = 5
    fake_llm.script.append(Behaviour(tokens=["tick"] * 50, token_delay=0.1))
    events = stream(api, message="hi").events()
    assert events[-1]["code"] == "provider_timeout" and "did not finish within 1 s" in events[-1]["detail"]
    assert 3 <= len(events) - 2 <= 12


def test_stream_provider_dropping_the_connection(api, fake_llm):
    fake_llm.script.append(Behaviour(tokens=["a", "b", "c", "d"], drop_after=2))
    events = stream(api, message="hi").events()
    assert [e.get("delta") for e in events[1:3]] == ["a", "b"]
    assert events[-1] == {
        "event": "error",
        "detail": "The LLM provider closed the connection before finishing.",
        "code": "provider_disconnected",
    }
    assert MentorMessage.objects.get(role="assistant").status == "error"


def test_stream_provider_error_event(api, fake_llm):
    fake_llm.script.append(Behaviour(tokens=["a", "b"], error_event_after=1))
    events = stream(api, message="hi").events()
    assert events[-1]["event"] == "error" and events[-1]["code"] == "provider_error"


def test_stream_provider_refusing(api, fake_llm):
    fake_llm.script.append(Behaviour(status=401))
    result = stream(api, message="hi")
    assert result.status == 200
    assert result.events()[-1] == {
        "event": "error",
        "detail": "The LLM provider refused the server's LLM credentials.",
        "code": "provider_unauthorized",
    }
    assert PLATFORM_KEY not in result.body.decode()
