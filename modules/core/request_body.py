"""Endpoints that accept either JSON or multipart form data (the mobile client sends files as multipart)."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import pydantic
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from ninja import Schema

from modules.core.api_errors import validation_body
from modules.core.errors import ApiError, BadRequest, ValidationFailed

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
            try:
                raw: Any = json.loads(request.body or b"{}")
            except ValueError as exc:
                raise BadRequest("Malformed JSON in the request body.", code="malformed_json") from exc
            if not isinstance(raw, dict):
                raise ValidationFailed.for_field("non_field_errors", "Expected a JSON object.")
            return schema.model_validate(raw), MultiValueDict()
        if content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
            try:
                form, files = _form_and_files(request)
            except MultiPartParserError as exc:
                raise BadRequest("Malformed multipart body.", code="malformed_multipart") from exc
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
