"""One error shape for every failure under /api/."""

import pytest

from modules.social import selectors

pytestmark = pytest.mark.django_db


def test_unknown_api_url_is_json_404(anon):
    response = anon.get("/api/v1/does-not-exist/")
    assert response.status == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not Found.", "code": "not_found"}


def test_wrong_method_is_json_405_with_allow(anon):
    response = anon.request("PUT", "/health/")
    assert response.status == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_missing_credentials_are_json_401(anon):
    response = anon.get("/users/me/")
    assert response.status == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided or are invalid.",
        "code": "not_authenticated",
    }


def test_validation_errors_list_fields(anon):
    response = anon.post("/auth/login/", {"email": ["not", "a", "string"]})
    assert response.status == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["errors"]) == {"email", "password"}


def test_json_body_that_is_not_an_object(anon):
    response = anon.request("POST", "/auth/login/", raw=b'"just a string"')
    assert response.status == 422
    assert response.json()["code"] == "validation_error"


def test_unexpected_exceptions_are_json_500_without_internals(api, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(selectors, "counts_get", explode)
    response = api.get("/users/me/")
    assert response.status == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}


def test_non_api_pages_keep_html(anon):
    response = anon.get("/admin/login/")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/html")


def test_docs_and_schema_are_served(anon):
    assert anon.get("/api/docs/").status == 200
    schema = anon.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "SelfLink API"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/auth/login/", {"email": "a\u0000@example.org", "password": "x"}),
        ("POST", "/auth/register/", {"email": "a@example.org", "password": "long enough pass", "name": "A\u0000"}),
    ],
)
def test_a_nul_character_in_a_body_is_a_422_naming_the_field(anon, method, path, body):
    response = anon.request(method, path, json_body=body)
    assert response.status == 422, response
    field = next(key for key, value in body.items() if "\u0000" in value)
    assert response.json()["code"] == "nul_character" and field in response.json()["errors"]


def test_a_nul_character_in_a_query_or_a_form_field_is_a_422(api):
    query = api.get("/users/", search="ni\u0000no")
    assert (query.status, query.json()["code"], list(query.json()["errors"])) == (422, "nul_character", ["search"])
    form = api.request("POST", "/posts/", data={"text": "hello\u0000"})
    assert (form.status, form.json()["code"], list(form.json()["errors"])) == (422, "nul_character", ["text"])


def test_deeply_nested_json_is_a_400_not_a_crash(anon):
    for depth in (40, 100_000):
        raw = b'{"email": ' + b"[" * depth + b"]" * depth + b', "password": "x"}'
        response = anon.request("POST", "/auth/login/", raw=raw)
        assert response.status == 400, response
        assert response.json()["code"] == "json_too_deep"
