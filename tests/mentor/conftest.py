from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import dramatiq
import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient

from tests.conftest import API, ApiClient
from tests.mentor.fakellm import FakeLLMServer

PLATFORM_KEY = "sk-platform-0123456789abcdef"
BYO_KEY = "sk-byo-SECRET-5f1e2d3c4b5a69788796a5b4"


@pytest.fixture
def fake_llm(settings):
    """The fake OpenAI-compatible server, configured as the platform provider with short timeouts, and as the one
    base URL personal keys may use."""
    server = FakeLLMServer()
    settings.MENTOR_PROVIDER = "openai"
    settings.MENTOR_BASE_URL = server.url
    settings.MENTOR_API_KEY = PLATFORM_KEY
    settings.MENTOR_MODEL = "fake-model"
    settings.MENTOR_MAX_RETRIES = 0
    settings.MENTOR_CONNECT_TIMEOUT_SECONDS = 2
    settings.MENTOR_FIRST_TOKEN_TIMEOUT_SECONDS = 3
    settings.MENTOR_IDLE_TIMEOUT_SECONDS = 3
    settings.MENTOR_TIMEOUT_SECONDS = 10
    settings.MENTOR_BYO_BASE_URLS = [server.url]
    settings.MENTOR_BYO_MODELS = ["fake-model", "fake-model-large"]
    yield server
    server.close()


@pytest.fixture
def stub_broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def queued(broker, queue: str = "mentor") -> list[dramatiq.Message]:
    q = broker.queues.get(queue)
    if q is None:
        return []
    return [dramatiq.Message.decode(raw) for raw in list(q.queue)]


@dataclass
class StreamResult:
    status: int
    headers: dict[str, str]
    body: bytes

    def events(self) -> list[dict]:
        return [json.loads(line[6:]) for line in self.body.decode().split("\n") if line.startswith("data: ")]

    def text(self) -> str:
        return "".join(e["delta"] for e in self.events() if e["event"] == "token")

    def json(self):
        return json.loads(self.body)


def stream(
    api: ApiClient,
    *,
    method: str = "GET",
    body: dict | None = None,
    headers: dict[str, str] | None = None,
    **params,
) -> StreamResult:
    """Call /mentor/stream/ in-process through Django's ASGI request path and read the whole stream."""

    async def run() -> StreamResult:
        client = AsyncClient()
        all_headers = {**({"Authorization": f"Bearer {api.token}"} if api.token else {}), **(headers or {})}
        url = f"{API}/mentor/stream/"
        if method == "GET":
            response = await client.get(f"{url}?{urlencode(params)}" if params else url, headers=all_headers)
        else:
            response = await client.post(url, json.dumps(body), content_type="application/json", headers=all_headers)
        if response.streaming:
            content = b"".join([chunk async for chunk in response.streaming_content])
        else:
            content = response.content
        return StreamResult(response.status_code, dict(response.headers), content)

    return async_to_sync(run)()


def database_contains(needle: str) -> list[str]:
    """Every table (in every schema but the system ones) with a row whose text form contains `needle`."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        for schema, table in cursor.fetchall():
            cursor.execute(
                f'SELECT 1 FROM "{schema}"."{table}" t WHERE strpos(t::text, %s) > 0 LIMIT 1',
                [needle],
            )
            if cursor.fetchone():
                found.append(f"{schema}.{table}")
    return found
