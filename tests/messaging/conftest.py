"""Helpers for the messaging tests: people with signed-in clients, threads, and realtime events."""

from __future__ import annotations

import uuid

import pytest

from modules.realtime.models import RealtimeEvent
from tests.conftest import ApiClient, client_for
from tests.factories import UserFactory


@pytest.fixture
def people(db):
    """`people(n)` → n signed-in API clients (their users as `.user`)."""

    def make(n: int) -> list[ApiClient]:
        return [client_for(UserFactory()) for _ in range(n)]

    return make


def send(client: ApiClient, thread_id: int, body: str = "hello", **extra):
    return client.post("/messages/", {"thread": thread_id, "body": body, "client_uuid": str(uuid.uuid4()), **extra})


def sent(client: ApiClient, thread_id: int, body: str = "hello", **extra) -> dict:
    response = send(client, thread_id, body, **extra)
    assert response.status == 201, response
    return response.json()


def direct(a: ApiClient, b: ApiClient) -> dict:
    response = a.post("/threads/direct/", {"user_id": b.user.id})
    assert response.status in {200, 201}, response
    return response.json()


def group(owner: ApiClient, *others: ApiClient, **extra) -> dict:
    response = owner.post("/threads/", {"participant_ids": [o.user.id for o in others], **extra})
    assert response.status == 201, response
    return response.json()


def events(type_: str | None = None) -> list[RealtimeEvent]:
    queryset = RealtimeEvent.objects.order_by("id")
    if type_:
        queryset = queryset.filter(type=type_)
    return list(queryset)


def topics(type_: str | None = None) -> set[str]:
    return {event.topic for event in events(type_)}


def user_topics(*clients: ApiClient) -> set[str]:
    return {f"user:{c.user.id}" for c in clients}


def clear_events() -> None:
    RealtimeEvent.objects.all().delete()
