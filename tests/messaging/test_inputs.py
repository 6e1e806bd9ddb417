"""Every endpoint refuses anonymous callers, malformed JSON, wrong types and oversize bodies the same way."""

import pytest

from tests.messaging.conftest import direct, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people):
    a, b = people(2)
    thread = direct(a, b)
    message = sent(a, thread["id"])
    return a, thread["id"], message["id"]


def endpoints(thread_id: int, message_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/threads/"),
        ("POST", "/threads/"),
        ("POST", "/threads/direct/"),
        ("GET", f"/threads/{thread_id}/"),
        ("POST", f"/threads/{thread_id}/leave/"),
        ("POST", f"/threads/{thread_id}/read/"),
        ("GET", f"/threads/{thread_id}/typing/"),
        ("POST", f"/threads/{thread_id}/typing/"),
        ("GET", f"/threads/{thread_id}/sync/"),
        ("POST", f"/threads/{thread_id}/messages/"),
        ("GET", f"/messages/?thread={thread_id}"),
        ("POST", "/messages/"),
        ("GET", f"/messages/{message_id}/"),
        ("DELETE", f"/messages/{message_id}/"),
        ("POST", f"/messages/{message_id}/ack/"),
        ("POST", f"/messages/{message_id}/reactions/"),
    ]


JSON_BODIES = {
    "/threads/": {"participant_ids": ["x"]},
    "/threads/direct/": {"user_id": [1]},
    "/read/": {"last_read_message_id": "latest"},
    "/typing/": {"is_typing": {"a": 1}},
    "/messages/": {"thread": "one", "body": "x"},
    "/ack/": {"status": True},
    "/reactions/": {"emoji": ["👍"]},
}


def test_anonymous_callers_get_401(anon, world):
    _, thread_id, message_id = world
    for method, path in endpoints(thread_id, message_id):
        response = anon.request(method, path.split("?")[0], json_body={} if method == "POST" else None)
        assert response.status == 401, (method, path, response)
        assert response.json()["code"] == "not_authenticated"


def test_malformed_json_is_a_400_everywhere(world):
    a, thread_id, message_id = world
    for method, path in endpoints(thread_id, message_id):
        if method != "POST" or path.endswith("/leave/"):
            continue
        response = a.request("POST", path, raw=b'{"broken": ')
        assert response.status == 400, (path, response)
        assert response.json()["code"] == "malformed_json"


def test_wrong_types_are_a_422_with_field_errors(world):
    a, thread_id, message_id = world
    for method, path in endpoints(thread_id, message_id):
        if path.startswith("/threads/") and path.endswith("/messages/"):
            body = {"body": 5, "client_uuid": "no\tpe"}
        else:
            body = next((b for suffix, b in JSON_BODIES.items() if path.endswith(suffix)), None)
        if method != "POST" or body is None:
            continue
        response = a.post(path, body)
        assert response.status == 422, (path, response)
        assert response.json()["code"] == "validation_error" and response.json()["errors"], (path, response)


def test_oversize_bodies_are_a_413(world):
    a, thread_id, _ = world
    huge = b'{"body": "' + b"x" * 3_000_000 + b'"}'
    for path in ("/messages/", f"/threads/{thread_id}/messages/", "/threads/"):
        assert a.request("POST", path, raw=huge).status == 413, path


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", str(2**53)])
def test_path_ids_are_validated(world, bad_id):
    a, _, _ = world
    assert a.get(f"/threads/{bad_id}/").status in {404, 422}
    assert a.get(f"/messages/{bad_id}/").status in {404, 422}
