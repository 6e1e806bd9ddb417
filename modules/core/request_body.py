"""Reading request bodies and query strings safely, and endpoints that accept either JSON or multipart form data
(the mobile client sends files as multipart).

Every JSON body goes through `load_json` (Ninja's parser is `SafeParser`): nesting deeper than
`MAX_JSON_DEPTH` is a 400 `json_too_deep` (Python's parser would otherwise recurse until `RecursionError`), and
a NUL character anywhere in a body, a form field or a query parameter is a 422 `nul_character` naming the field
(PostgreSQL cannot store NUL in text, so it would otherwise fail as a 500 deep inside a service).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import pydantic
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja import Schema
from ninja.parser import Parser

from modules.core.api_errors import validation_body
from modules.core.errors import ApiError, BadRequest, ValidationFailed, register_error_codes

MAX_JSON_DEPTH = 32
NUL_MESSAGE = "Text may not contain NUL characters."

register_error_codes(
    {
        "json_too_deep": f"The JSON body nests objects or arrays more than {MAX_JSON_DEPTH} levels deep.",
        "nul_character": "A text field or query parameter contains a NUL character (U+0000); `errors` names it.",
    }
)


class JsonTooDeep(ApiError):
    code = "json_too_deep"
    detail = f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."


def _nul_found(field: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {NUL_MESSAGE}", code="nul_character", errors={field: [NUL_MESSAGE]})


def check_json_value(data: Any) -> None:
    """Refuse nesting beyond MAX_JSON_DEPTH and NUL characters in any key or string (iteratively: no recursion
    on hostile input)."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JsonTooDeep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and "\x00" in key:
                    raise _nul_found(path or "non_field_errors")
                stack.append((item, depth + 1, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, str) and "\x00" in value:
            raise _nul_found(path or "non_field_errors")


def load_json(raw: bytes) -> Any:
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise JsonTooDeep() from exc
    except ValueError as exc:
        raise BadRequest("Malformed JSON in the request body.", code="malformed_json") from exc
    check_json_value(data)
    return data


def check_querydict(data: MultiValueDict) -> None:
    for key, values in data.lists():
        if "\x00" in key or any(isinstance(v, str) and "\x00" in v for v in values):
            raise _nul_found(key.replace("\x00", "") or "non_field_errors")


class SafeParser(Parser):
    """Ninja's parser with the checks above. Ninja turns a parse_body exception into a plain 400; the API's
    error handler renders the ApiError it wraps instead (see api_errors.on_http_error)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return load_json(request.body)

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        check_querydict(data)
        return super().parse_querydict(data, list_fields, request)


S = TypeVar("S", bound=Schema)


class UnsupportedContentType(ApiError):
    status = 415
    code = "unsupported_media_type"
    detail = "Send application/json or multipart/form-data."


def _form_and_files(request: HttpRequest) -> tuple[MultiValueDict, MultiValueDict]:
    if request.method == "POST":
        return request.POST, request.FILES
    # Django parses multipart bodies only for POST; PATCH/PUT uploads are parsed here.
    return request.parse_file_upload(request.META, request)


def parse_json_or_form(
    request: HttpRequest, schema: type[S], *, list_fields: tuple[str, ...] = ()
) -> tuple[S, MultiValueDict[str, UploadedFile]]:
    """Validate the body against `schema`, from JSON or from form fields; also return uploaded files.

    In form data an empty value means null, and `list_fields` may repeat.
    """
    content_type = request.content_type or ""
    try:
        if content_type == "application/json" or (not content_type and request.body):
            raw: Any = load_json(request.body or b"{}")
            if not isinstance(raw, dict):
                raise ValidationFailed.for_field("non_field_errors", "Expected a JSON object.")
            return schema.model_validate(raw), MultiValueDict()
        if content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
            try:
                form, files = _form_and_files(request)
            except MultiPartParserError as exc:
                raise BadRequest("Malformed multipart body.", code="malformed_multipart") from exc
            check_querydict(form)
            data: dict[str, Any] = {}
            for key in form:
                if key in list_fields:
                    data[key] = [value for value in form.getlist(key) if value != ""]
                else:
                    value = form.get(key)
                    data[key] = None if value == "" else value
            return schema.model_validate(data), files
    except pydantic.ValidationError as exc:
        # Located like Ninja's own errors, so a field named like a source (`body`) keeps its name.
        errors = [{**error, "loc": ("body", "payload", *error["loc"])} for error in exc.errors(include_url=False)]
        body = validation_body(errors)
        raise ValidationFailed(body["detail"], code=body["code"], errors=body["errors"]) from exc
    raise UnsupportedContentType()


# Schemas referenced only from hand-written request bodies; the API adds them to the OpenAPI components.
EXTRA_OPENAPI_SCHEMAS: dict[str, type[Schema]] = {}


def multipart_or_json_body(schema: type[Schema], *, files: dict[str, str]) -> dict[str, Any]:
    """OpenAPI `requestBody` for such endpoints: the JSON schema, or the same fields plus files as multipart."""
    EXTRA_OPENAPI_SCHEMAS[schema.__name__] = schema
    ref = {"$ref": f"#/components/schemas/{schema.__name__}"}
    file_props = {
        name: (
            {"type": "array", "items": {"type": "string", "format": "binary"}, "description": text}
            if name.endswith("s")
            else {"type": "string", "format": "binary", "description": text}
        )
        for name, text in files.items()
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": ref},
                "multipart/form-data": {"schema": {"allOf": [ref, {"type": "object", "properties": file_props}]}},
            },
        }
    }
