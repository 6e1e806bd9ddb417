import json
import time

import pytest
from django.db import transaction
from websockets.sync.client import connect

from modules.accounts.models import AuthSession
from modules.accounts.tokens import access_token_issue
from modules.realtime.publishing import record as publish
from tests.factories import UserFactory


def token_for(user, *, now=None) -> str:
    session = AuthSession.objects.create(user=user)
    return access_token_issue(user_id=user.id, session_id=session.id, now=now)


def ws_url(server, token: str, **query) -> str:
    extra = "".join(f"&{key}={value}" for key, value in query.items() if value is not None)
    return f"{server.url.replace('http', 'ws')}/ws?token={token}{extra}"


def recv_json(ws, timeout: float = 10) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def recv_events(ws, count: int, timeout: float = 10) -> list[dict]:
    frames = []
    deadline = time.monotonic() + timeout
    while len(frames) < count:
        frame = recv_json(ws, max(0.1, deadline - time.monotonic()))
        if "id" in frame:
            frames.append(frame)
    return frames


def emit(topic: str, type_: str = "test:event", **payload) -> None:
    with transaction.atomic():
        publish([topic], type_, payload)


@pytest.fixture
def person(transactional_db):
    return UserFactory()


@pytest.fixture
def socket(daphne_server, person):
    with connect(ws_url(daphne_server, token_for(person))) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert recv_json(ws) == {"type": "pong"}  # subscribed and live
        yield ws
