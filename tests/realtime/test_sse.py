"""/api/v1/events/stream/ as Server-Sent Events on a real daphne."""

import json

import httpx
import pytest

from tests.realtime.conftest import emit, token_for

pytestmark = pytest.mark.integration


def sse_events(response, count: int) -> list[tuple[str | None, dict]]:
    events, event_id, data = [], None, None
    for line in response.iter_lines():
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and data is not None:
            events.append((event_id, data))
            event_id, data = None, None
            if len(events) == count:
                return events
    return events


def test_stream_headers_events_and_resume(daphne_server, person):
    url = f"{daphne_server.url}/api/v1/events/stream/"
    headers = {"Authorization": f"Bearer {token_for(person)}"}
    with httpx.Client(timeout=15) as client:
        with client.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["x-accel-buffering"] == "no"
            assert "no-cache" in response.headers["cache-control"]
            emit(f"user:{person.id}", n=1)
            ((first_id, first),) = sse_events(response, 1)
            assert first["payload"] == {"n": 1} and first_id == str(first["id"])
        emit(f"user:{person.id}", n=2)
        emit(f"user:{person.id}", n=3)
        with client.stream("GET", url, headers={**headers, "Last-Event-ID": first_id}) as response:
            assert [data["payload"]["n"] for _, data in sse_events(response, 2)] == [2, 3]


def test_stream_requires_a_valid_token(daphne_server, person):
    response = httpx.get(
        f"{daphne_server.url}/api/v1/events/stream/", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("last_event_id", ["abc", "0", "99999999999999999999999"])
def test_a_malformed_last_event_id_is_a_422_before_streaming(daphne_server, person, last_event_id):
    response = httpx.get(
        f"{daphne_server.url}/api/v1/events/stream/",
        headers={"Authorization": f"Bearer {token_for(person)}", "Last-Event-ID": last_event_id},
        timeout=10,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_last_event_id"
    assert response.json()["errors"] == {"last_event_id": ["last_event_id must be the id of an event."]}
