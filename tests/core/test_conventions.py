"""The API's conventions, checked through real endpoints: unknown fields are refused by name, and every list's
`next` is an absolute URL that carries the cursor (GET it as it is, or send it back as `cursor`)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from selflink.api import api as ninja_api
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_field_is_a_422_naming_it_and_nothing_changes(api):
    response = api.patch("/users/me/", {"bio": "new", "favourite_colour": "blue"})
    assert response.status == 422, response
    assert response.json() == {
        "detail": "Unknown field: favourite_colour.",
        "code": "unknown_field",
        "errors": {"favourite_colour": ["Unknown field: this endpoint does not accept it."]},
    }
    assert api.get("/users/me/").json()["bio"] == ""


def test_unknown_fields_next_to_invalid_ones_are_named_too(api):
    response = api.patch("/users/me/", {"name": "x" * 500, "colour": "blue"})
    body = response.json()
    assert (response.status, body["code"]) == (422, "validation_error")
    assert set(body["errors"]) == {"name", "colour"} and body["detail"] == "Unknown field: colour."


def test_an_unknown_form_field_is_refused_as_well(api):
    response = api.request("POST", "/posts/", data={"text": "hello", "mood": "sunny"})
    assert response.status == 422 and response.json()["errors"] == {
        "mood": ["Unknown field: this endpoint does not accept it."]
    }


def test_every_request_body_refuses_unknown_fields():
    schema = ninja_api.get_openapi_schema()
    components = schema["components"]["schemas"]
    checked = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media["schema"].get("$ref") or media["schema"].get("allOf", [{}])[0].get("$ref")
                if ref is None:
                    continue
                name = ref.rsplit("/", 1)[1]
                assert components[name].get("additionalProperties") is False, f"{method.upper()} {path}: {name}"
                checked += 1
    assert checked > 20


def test_next_is_an_absolute_url_that_pages_through_everything(api):
    people = UserFactory.create_batch(5)
    response = api.get("/users/", limit=2)
    body = response.json()
    seen = [u["id"] for u in body["results"]]
    assert body["next"].startswith("http://testserver/api/v1/users/?")
    while body["next"]:
        query = parse_qs(urlsplit(body["next"]).query)
        assert query["limit"] == ["2"] and query["cursor"]
        body = api.get(body["next"].removeprefix("http://testserver")).json()
        seen += [u["id"] for u in body["results"]]
    assert sorted(seen) == sorted([p.id for p in people] + [api.user.id])


def test_the_next_url_or_its_cursor_may_be_sent_back_as_cursor(api):
    UserFactory.create_batch(3)
    first = api.get("/users/", page_size=2).json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    by_url = api.get("/users/", page_size=2, cursor=first["next"]).json()
    by_cursor = api.get("/users/", page_size=2, cursor=cursor).json()
    assert by_url["results"] == by_cursor["results"] and len(by_url["results"]) == 2
    assert {u["id"] for u in by_url["results"]}.isdisjoint(u["id"] for u in first["results"])


def test_page_size_is_limit_by_another_name(api):
    UserFactory.create_batch(4)
    assert len(api.get("/users/", page_size=3).json()["results"]) == 3
    assert len(api.get("/users/", limit=3, page_size=3).json()["results"]) == 3
    conflicting = api.get("/users/", limit=2, page_size=3)
    assert conflicting.status == 422 and conflicting.json()["code"] == "validation_error"
    assert api.get("/users/", page_size=101).status == 422


def test_next_keeps_the_scheme_and_host_the_client_used(api, settings):
    UserFactory.create_batch(2)
    settings.ALLOWED_HOSTS = ["api.example.org", "testserver"]
    response = api.get("/users/", limit=1, headers={"Host": "api.example.org"})
    assert response.json()["next"].startswith("http://api.example.org/api/v1/users/?")
