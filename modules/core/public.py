"""Public interface of the shared kernel: what every other module may import."""

from modules.core.api_errors import install_error_handlers
from modules.core.errors import (
    ERROR_CODES,
    ApiError,
    BadRequest,
    Conflict,
    InvalidCursor,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
    register_error_codes,
)
from modules.core.http import client_ip
from modules.core.jobs import PeriodicJob, periodic, periodic_jobs
from modules.core.pagination import Page, decode_cursor, encode_cursor, paginate_queryset, paginate_ranked
from modules.core.ratelimit import Rate, rate_limit_check, rate_limit_enforce, rate_limit_hit
from modules.core.request_body import EXTRA_OPENAPI_SCHEMAS, SafeParser, multipart_or_json_body, parse_json_or_form
from modules.core.schemas import (
    MAX_SAFE_ID,
    CursorPageOut,
    CursorParams,
    ErrorOut,
    InputSchema,
    LocalTime,
    OkOut,
    PathId,
    ValidationErrorOut,
    error_responses,
)

__all__ = [
    "ERROR_CODES",
    "EXTRA_OPENAPI_SCHEMAS",
    "MAX_SAFE_ID",
    "ApiError",
    "BadRequest",
    "Conflict",
    "CursorPageOut",
    "CursorParams",
    "ErrorOut",
    "InputSchema",
    "InvalidCursor",
    "LocalTime",
    "NotAuthenticated",
    "NotFound",
    "OkOut",
    "Page",
    "PathId",
    "PayloadTooLarge",
    "PeriodicJob",
    "PermissionDenied",
    "Rate",
    "RateLimited",
    "SafeParser",
    "ServiceUnavailable",
    "ValidationErrorOut",
    "ValidationFailed",
    "client_ip",
    "decode_cursor",
    "encode_cursor",
    "error_responses",
    "install_error_handlers",
    "multipart_or_json_body",
    "paginate_queryset",
    "paginate_ranked",
    "parse_json_or_form",
    "periodic",
    "periodic_jobs",
    "rate_limit_check",
    "rate_limit_enforce",
    "rate_limit_hit",
    "register_error_codes",
]
