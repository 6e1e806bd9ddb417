"""Bring your own key: X-LLM-Key is used for that request only, and never stored, logged, queued or echoed."""

import logging

import pytest

from modules.mentor.models import MentorMessage, MentorTask
from modules.mentor.services import memory_update
from tests.mentor.conftest import BYO_KEY, PLATFORM_KEY, database_contains, queued, stream
from tests.mentor.fakellm import Behaviour

pytestmark = pytest.mark.django_db

BYO = {"X-LLM-Key": BYO_KEY}


@pytest.fixture
def everything_logged(caplog):
    """Capture every log record, the LLM client's and HTTP library's debug output included."""
    for name in (None, "openai", "httpx", "httpcore", "django.request", "modules"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_the_personal_key_is_used_for_the_request(api, fake_llm, monkeypatch):
    monkeypatch.setenv("OPENAI_ORG_ID", "org-platform-secret")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-should-not-be-used")
    response = api.post("/mentor/chat/", {"message": "hi"}, headers={**BYO, "X-LLM-Model": "fake-model-large"})
    assert response.status == 200, response
    assert response.json()["model"] == "fake-model-large" and response.json()["provider"] == "openai"
    [request] = fake_llm.requests
    assert request.headers["authorization"] == f"Bearer {BYO_KEY}"
    assert request.body["model"] == "fake-model-large"
    assert "openai-organization" not in request.headers and "openai-project" not in request.headers
    reply = MentorMessage.objects.get(role="assistant")
    assert reply.byo is True and reply.model == "fake-model-large"


def test_a_failing_personal_key_is_an_error_not_a_fallback(api, fake_llm, everything_logged):
    fake_llm.script.append(Behaviour(status=401))  # the fake quotes the key in its error, as OpenAI does
    response = api.post("/mentor/chat/", {"message": "hi"}, headers=BYO)
    assert response.status == 502
    assert response.json() == {
        "detail": "The LLM provider refused your LLM key (X-LLM-Key).",
        "code": "provider_unauthorized",
    }
    assert len(fake_llm.requests) == 1  # never retried with the platform key
    assert BYO_KEY not in response.content.decode() and BYO_KEY not in str(response.headers)
    assert BYO_KEY not in everything_logged.text
    assert "provider_unauthorized" in everything_logged.text  # the failure is logged, without the key


def test_a_failing_personal_key_in_a_stream(api, fake_llm, everything_logged):
    fake_llm.script.append(Behaviour(status=429))
    result = stream(api, message="hi", headers=BYO)
    assert result.events()[-1] == {
        "event": "error",
        "detail": "The LLM provider is rate-limiting your key.",
        "code": "provider_rate_limited",
    }
    assert len(fake_llm.requests) == 1
    assert BYO_KEY not in result.body.decode() and BYO_KEY not in everything_logged.text


def test_a_stream_with_a_personal_key(api, fake_llm):
    result = stream(api, message="hi", headers=BYO)
    assert result.text() == "Hello from the fake model."
    assert fake_llm.requests[0].headers["authorization"] == f"Bearer {BYO_KEY}"
    long = stream(api, method="POST", body={"message": "long " * 500}, headers=BYO)
    assert long.events()[-1]["event"] == "end"


@pytest.mark.parametrize(
    ("headers", "field", "code"),
    [
        ({"X-LLM-Model": "fake-model"}, "X-LLM-Key", "byo_key_missing"),
        ({"X-LLM-Base-URL": "https://api.openai.com/v1"}, "X-LLM-Key", "byo_key_missing"),
        ({"X-LLM-Key": "short"}, "X-LLM-Key", "byo_key_invalid"),
        ({"X-LLM-Key": "has spaces in the key"}, "X-LLM-Key", "byo_key_invalid"),
        ({**BYO, "X-LLM-Base-URL": "https://evil.example/v1"}, "X-LLM-Base-URL", "byo_base_url_not_allowed"),
        ({**BYO, "X-LLM-Model": "gpt-9"}, "X-LLM-Model", "byo_model_not_allowed"),
    ],
)
def test_personal_key_headers_are_validated(api, fake_llm, headers, field, code):
    response = api.post("/mentor/chat/", {"message": "hi"}, headers=headers)
    assert response.status == 422 and response.json()["code"] == code
    assert field in response.json()["errors"]
    assert fake_llm.requests == [] and not MentorMessage.objects.exists()
    assert "short" not in response.json()["detail"]  # an invalid key is not echoed either
    stream_response = stream(api, message="hi", headers=headers)
    assert stream_response.status == 422 and stream_response.json()["code"] == code


def test_personal_keys_can_be_switched_off(api, fake_llm, settings):
    settings.MENTOR_BYO_BASE_URLS = []
    response = api.post("/mentor/chat/", {"message": "hi"}, headers=BYO)
    assert response.status == 422 and response.json()["code"] == "byo_disabled"


def test_no_background_job_with_a_personal_key(api, fake_llm, stub_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.request("POST", "/mentor/chat/?async=true", json_body={"message": "hi"}, headers=BYO)
    assert response.status == 422 and response.json()["code"] == "byo_async"
    assert not MentorTask.objects.exists() and not MentorMessage.objects.exists()
    assert queued(stub_broker) == []


def test_personal_key_replies_do_not_count_against_the_quota(api, fake_llm, settings):
    settings.MENTOR_DAILY_QUOTA = 1
    assert api.post("/mentor/chat/", {"message": "platform"}).status == 200
    assert api.post("/mentor/chat/", {"message": "platform again"}).status == 429
    assert api.post("/mentor/chat/", {"message": "mine"}, headers=BYO).status == 200


def test_the_personal_key_is_nowhere_afterwards(
    api, fake_llm, stub_broker, everything_logged, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        chat = api.post("/mentor/chat/", {"message": "hello"}, headers=BYO)
        entry = api.post("/mentor/daily/entry/", {"text": "a day"}, headers=BYO)
        streamed = stream(api, message="more", headers=BYO)
        fake_llm.script.append(Behaviour(status=401))
        failed = api.post("/mentor/chat/", {"message": "again"}, headers=BYO)
    assert (chat.status, entry.status, streamed.status, failed.status) == (200, 200, 200, 502)
    for response in (chat, entry, failed):
        assert BYO_KEY not in response.content.decode() and BYO_KEY not in str(response.headers)
    assert BYO_KEY not in streamed.body.decode()
    # Not in any table (the job queue's included), not in any log record.
    assert database_contains(BYO_KEY) == []
    assert database_contains("hello") != []  # the scan does find what is stored
    assert BYO_KEY not in everything_logged.text and PLATFORM_KEY not in everything_logged.text
    # The memory jobs enqueued after those replies carry a user id only.
    messages = queued(stub_broker)
    assert messages and all(m.actor_name == "mentor_memory_update" for m in messages)
    assert all(m.args == (api.user.id,) and m.kwargs == {} for m in messages)
    assert not any(BYO_KEY in m.encode().decode() for m in messages)


def test_memory_after_personal_key_conversations_uses_the_platform_key(api, fake_llm):
    api.post("/mentor/chat/", {"message": "I study at night"}, headers=BYO)
    fake_llm.script.append(Behaviour(tokens=["Studies at night."]))
    assert memory_update(user_id=api.user.id)
    summary_request = fake_llm.requests[-1]
    assert summary_request.headers["authorization"] == f"Bearer {PLATFORM_KEY}"
    assert api.get("/mentor/memory/").json()["summary"] == "Studies at night."
