"""The shared kernel's HTTP surface: what other modules' `api.py` and `schemas.py` build their endpoints with.

Request-body and list schemas, path and time types, the error-response declarations and the JSON-or-multipart
body helpers. Everything a service or selector may use is in `public.py` instead.
"""

from modules.core.request_body import multipart_or_json_body, parse_json_or_form
from modules.core.schemas import CursorPageOut, CursorParams, InputSchema, LocalTime, PathId, error_responses

__all__ = [
    "CursorPageOut",
    "CursorParams",
    "InputSchema",
    "LocalTime",
    "PathId",
    "error_responses",
    "multipart_or_json_body",
    "parse_json_or_form",
]
