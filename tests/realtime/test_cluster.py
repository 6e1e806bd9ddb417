"""Several server processes and a database restart: nothing is lost for clients that resume."""

import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
from django.db import connection
from websockets.sync.client import connect

from tests.factories import UserFactory
from tests.live import start_daphne
from tests.realtime.conftest import emit, recv_events, recv_json, token_for, ws_url

pytestmark = pytest.mark.integration


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    servers = [start_daphne(tmp_path), start_daphne(tmp_path)]
    yield servers
    for server in servers:
        server.stop()


@contextmanager
def live_socket(server, user, **query):
    with connect(ws_url(server, token_for(user), **query)) as ws:
        ws.send(json.dumps({"type": "ping"}))
        assert recv_json(ws) == {"type": "pong"}  # subscribed: nothing published from here on is missed
        yield ws


def test_every_process_delivers_to_its_own_sockets(two_servers, person):
    with live_socket(two_servers[0], person) as first, live_socket(two_servers[1], person) as second:
        for n in range(5):
            emit(f"user:{person.id}", n=n)
        for ws in (first, second):
            assert [f["payload"]["n"] for f in recv_events(ws, 5)] == [0, 1, 2, 3, 4]


def test_a_message_sent_through_one_process_reaches_a_socket_on_another(two_servers, person):
    sender_process, receiver_process = two_servers
    friend = UserFactory()
    headers = {"Authorization": f"Bearer {token_for(friend)}"}
    with httpx.Client(base_url=sender_process.url + "/api/v1", headers=headers, timeout=10) as api:
        thread = api.post("/threads/direct/", json={"user_id": person.id})
        assert thread.status_code in {200, 201}, thread.text
        with live_socket(receiver_process, person) as ws:
            sent = api.post(
                f"/threads/{thread.json()['id']}/messages/", json={"body": "across", "client_uuid": str(uuid.uuid4())}
            )
            assert sent.status_code == 201, sent.text
            frames = {f["type"]: f for f in recv_events(ws, 2)}
    assert frames["message:new"]["payload"]["message"]["id"] == sent.json()["id"]
    assert frames["message:new"]["payload"]["message"]["body"] == "across"
    assert frames["message:new"]["topic"] == f"user:{person.id}"
    assert frames["notification:new"]["payload"]["notification"]["type"] == "message"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="needs the embedded PostgreSQL to restart it")
def test_database_restart_loses_nothing(daphne_server, person):
    from selflink.embedded_postgres import server as embedded

    # Requests in parallel: the server's pool holds several idle connections, which the restart kills (psycopg_pool
    # alone would find them one request at a time, sleeping 1, 2, 4 … s in between).
    with ThreadPoolExecutor(8) as executor:
        ready = f"{daphne_server.url}/api/v1/health/ready/"
        assert all(s in (200, 503) for s in executor.map(lambda _: httpx.get(ready, timeout=30).status_code, range(16)))
    with live_socket(daphne_server, person) as ws:
        emit(f"user:{person.id}", n=1)
        last_seen = recv_events(ws, 1)[0]["id"]
        embedded.restart()  # the listener's connection drops; it reconnects with backoff
        connection.close()  # this test's own connection died with the server
        for n in (2, 3, 4):
            emit(f"user:{person.id}", n=n)
        # The live socket is caught up by the listener after it reconnects...
        assert [f["payload"]["n"] for f in recv_events(ws, 3, timeout=30)] == [2, 3, 4]
    # ...and a client that reconnects with its last event id gets exactly what it missed.
    with connect(ws_url(daphne_server, token_for(person), last_event_id=last_seen)) as resumed:
        assert [f["payload"]["n"] for f in recv_events(resumed, 3)] == [2, 3, 4]
