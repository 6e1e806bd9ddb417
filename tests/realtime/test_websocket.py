"""The /ws endpoint against a real daphne process and real PostgreSQL."""

import datetime as dt
import json
import re

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from modules.accounts.tokens import refresh_token_generate
from tests.factories import UserFactory
from tests.messaging.factories import DirectThreadFactory
from tests.posts.factories import PostFactory
from tests.realtime.conftest import emit, recv_events, recv_json, token_for, ws_url

pytestmark = pytest.mark.integration


# What the mobile app treats as "sign in again" (src/auth/isAuthError.ts), on a frame and on a close reason.
APP_AUTH_ERROR = re.compile(r"expired\s*token|unauthorized", re.IGNORECASE)


def refused(url: str) -> tuple[dict, int]:
    with connect(url) as ws:
        frame = recv_json(ws)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    if closed.value.rcvd.code == 4401:  # authentication: recognisable by the frame and by the close reason
        assert frame["status"] == 401 and APP_AUTH_ERROR.search(frame["detail"]), frame
        assert closed.value.rcvd.reason == f"unauthorized: {frame['code']}"
        assert APP_AUTH_ERROR.search(closed.value.rcvd.reason)
    return frame, closed.value.rcvd.code


@pytest.mark.parametrize("token", ["", "garbage", "refresh"])
def test_bad_tokens_get_an_error_frame_and_4401(daphne_server, person, token):
    if token == "refresh":
        token = refresh_token_generate()[0]
    frame, code = refused(ws_url(daphne_server, token))
    assert frame["type"] == "error" and frame["code"] in {"token_invalid", "not_authenticated"}
    assert code == 4401


def test_expired_token(daphne_server, person):
    token = token_for(person, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    frame, code = refused(ws_url(daphne_server, token))
    assert (frame["code"], code) == ("token_expired", 4401)


def test_socket_is_closed_when_its_token_expires(daphne_server, person, settings):
    almost = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS - 2)
    with connect(ws_url(daphne_server, token_for(person, now=almost))) as ws:
        frame = recv_json(ws, timeout=15)
        assert frame == {
            "type": "error",
            "code": "token_expired",
            "detail": "Unauthorized: the access token has expired.",
            "status": 401,
        }
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "unauthorized: token_expired")


def test_ping_pong_and_own_events_only(socket, person):
    emit(f"user:{person.id}", "test:mine", n=1)
    emit(f"user:{person.id + 1000}", "test:someone_else", n=2)
    emit(f"user:{person.id}", "test:mine", n=3)
    frames = recv_events(socket, 2)
    assert [f["payload"]["n"] for f in frames] == [1, 3]
    # The envelope, and the payload's fields once more at the top level (where the mobile app reads them).
    assert set(frames[0]) == {"id", "type", "topic", "payload", "created_at", "n"} and frames[0]["n"] == 1
    assert frames[0]["topic"] == f"user:{person.id}" and frames[0]["type"] == "test:mine"


def test_rolled_back_changes_announce_nothing(socket, person):
    from django.db import transaction

    from modules.realtime.publishing import record as publish

    def publish_then_fail():
        with transaction.atomic():
            publish([f"user:{person.id}"], "test:ghost", {})
            raise RuntimeError

    with pytest.raises(RuntimeError):
        publish_then_fail()
    emit(f"user:{person.id}", "test:after", n=1)
    assert [f["type"] for f in recv_events(socket, 1)] == ["test:after"]


def test_channels_only_where_the_user_may_see(daphne_server, person):
    author = UserFactory()
    public_post = PostFactory(author=author)
    private_post = PostFactory(author=author, visibility="private")
    url = ws_url(
        daphne_server,
        token_for(person),
        channels=f"post:{public_post.id},post:{private_post.id},thread:1,user:999,bogus",
    )
    with connect(url) as ws:
        refusals = [recv_json(ws) for _ in range(4)]
        assert {r["channel"] for r in refusals} == {f"post:{private_post.id}", "thread:1", "user:999", "bogus"}
        assert all(r["code"] == "channel_forbidden" for r in refusals)
        emit(f"post:{private_post.id}", "test:secret")
        emit(f"post:{public_post.id}", "test:public")
        assert [f["type"] for f in recv_events(ws, 1)] == ["test:public"]


def test_thread_channels_only_for_members(daphne_server, person):
    mine = DirectThreadFactory(user_a=person)
    others = DirectThreadFactory()
    url = ws_url(daphne_server, token_for(person), channels=f"thread:{mine.id},thread:{others.id}")
    with connect(url) as ws:
        refusal = recv_json(ws)
        assert (refusal["code"], refusal["channel"]) == ("channel_forbidden", f"thread:{others.id}")
        emit(f"thread:{others.id}", "test:not_yours")
        emit(f"thread:{mine.id}", "test:yours")
        [frame] = recv_events(ws, 1)
        assert (frame["type"], frame["topic"]) == ("test:yours", f"thread:{mine.id}")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"last_event_id": "abc"}, "last_event_id"),
        ({"last_event_id": "-5"}, "last_event_id"),
        ({"last_event_id": "1" * 30}, "last_event_id"),
        ({"channels": ",".join(f"post:{n}" for n in range(1, 52))}, "channels"),
    ],
)
def test_malformed_queries_get_an_error_frame_and_4400(daphne_server, person, query, field):
    frame, code = refused(ws_url(daphne_server, token_for(person), **query))
    assert frame["type"] == "error" and frame["field"] == field
    assert frame["code"] in {"invalid_last_event_id", "too_many_channels"}
    assert code == 4400


def test_resume_replays_exactly_what_was_missed_in_order(daphne_server, person):
    with connect(ws_url(daphne_server, token_for(person))) as ws:
        ws.send(json.dumps({"type": "ping"}))
        recv_json(ws)
        emit(f"user:{person.id}", n=1)
        last_seen = recv_events(ws, 1)[0]["id"]
    for n in range(2, 7):  # while disconnected
        emit(f"user:{person.id}", n=n)
    with connect(ws_url(daphne_server, token_for(person), last_event_id=last_seen)) as ws:
        replayed = recv_events(ws, 5)
        assert [f["payload"]["n"] for f in replayed] == [2, 3, 4, 5, 6]
        emit(f"user:{person.id}", n=7)
        assert [f["payload"]["n"] for f in recv_events(ws, 1)] == [7]  # then live, no duplicates


def test_resume_from_an_unknown_or_purged_event_asks_to_resync(daphne_server, person):
    with connect(ws_url(daphne_server, token_for(person), last_event_id=987654321)) as ws:
        assert recv_json(ws)["type"] == "resync_required"
        emit(f"user:{person.id}", n=1)
        assert recv_events(ws, 1)[0]["payload"] == {"n": 1}


def test_readiness_reports_the_listener(socket, daphne_server):
    import urllib.request

    try:
        with urllib.request.urlopen(f"{daphne_server.url}/api/v1/health/ready/", timeout=10) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:  # no worker in this test: 503, but the checks are listed
        body = json.loads(error.read())
    assert body["checks"]["realtime"]["ok"] is True
    assert "listening" in body["checks"]["realtime"]["detail"]
