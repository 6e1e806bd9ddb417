"""The OpenAPI schema is part of the product: it generates the mobile client."""

import json
import re
from pathlib import Path

import pytest

from scripts.export_openapi import render_schema

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(render_schema())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_committed_schema_matches_the_code():
    assert COMMITTED.read_text() == render_schema(), (
        "docs/openapi.json is out of date: run `just openapi` and commit the result"
    )


def test_schema_names_are_unique_across_modules():
    """Ninja names a component after its class: two modules' `SessionOut` would silently share one entry, and
    one of them would be documented (and generated into the client) with the other's fields."""
    import importlib
    import inspect

    from ninja import Schema

    owners: dict[str, list[str]] = {}
    for path in sorted((ROOT / "modules").glob("*/schemas.py")):
        module = importlib.import_module(f"modules.{path.parent.name}.schemas")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                owners.setdefault(name, []).append(module.__name__)
    assert not {name: mods for name, mods in owners.items() if len(mods) > 1}


def test_operation_ids_are_unique_camel_case(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", op_id) for op_id in ids), ids


def test_every_operation_has_a_tag_and_summary(schema):
    for path, method, operation in operations(schema):
        assert operation.get("tags"), (method, path)
        assert operation.get("summary"), (method, path)


# File names are not directories: these paths name a file (docs/API.md lists them as exceptions).
FILE_PATHS = {"/api/v1/astro/natal/me/chart.svg"}


def test_paths_end_with_a_slash_under_api_v1(schema):
    assert all(path.startswith("/api/v1/") and (path.endswith("/") or path in FILE_PATHS) for path in schema["paths"])


def test_errors_use_the_shared_schemas(schema):
    for path, method, operation in operations(schema):
        for status, response in operation["responses"].items():
            if int(status) < 400 or path.startswith("/api/v1/health/"):
                continue
            ref = response["content"]["application/json"]["schema"]["$ref"]
            expected = "ValidationErrorOut" if status == "422" else "ErrorOut"
            if ref.endswith("ErrorOut") and not ref.endswith(f"/{expected}"):
                # An extension of the shared shape (a 422 that also lists `candidates`): all its fields, same types.
                shared = schema["components"]["schemas"][expected]["properties"]
                extended = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
                assert all(extended.get(name) == field for name, field in shared.items()), (method, path, ref)
                continue
            assert ref.endswith(f"/{expected}"), (method, path, status, ref)


def test_operations_with_input_declare_validation_errors(schema):
    for path, method, operation in operations(schema):
        has_input = "requestBody" in operation or operation.get("parameters")
        if has_input:
            assert "422" in operation["responses"], (method, path)
        if "requestBody" in operation:
            assert "400" in operation["responses"], (method, path)  # malformed JSON


def test_authenticated_operations_declare_401(schema):
    for path, method, operation in operations(schema):
        if operation.get("security"):
            assert "401" in operation["responses"], (method, path)


def test_integer_ids_are_javascript_safe(schema):
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                assert parameter["schema"]["maximum"] <= 2**53 - 1, (method, path)


def test_multipart_endpoints_reference_named_schemas(schema):
    body = schema["paths"]["/api/v1/me/profile/"]["patch"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert "PersonalProfilePatch" in schema["components"]["schemas"]
