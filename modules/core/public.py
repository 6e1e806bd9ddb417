"""Public interface of the shared kernel: what every other module may import.

The error types services raise, pagination, rate limits, periodic jobs, database calls from the event loop,
and what the composition root (`selflink/api.py`) installs. Schemas and request helpers for endpoints are in
`http.py`.
"""

from modules.core.api_errors import install_error_handlers
from modules.core.database import database_call
from modules.core.errors import (
    ERROR_CODES,
    ApiError,
    BadRequest,
    Conflict,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
    register_error_codes,
)
from modules.core.jobs import periodic, periodic_jobs
from modules.core.middleware import client_ip
from modules.core.pagination import Page, decode_cursor, encode_cursor, paginate_queryset, paginate_ranked
from modules.core.ratelimit import rate_limit_check, rate_limit_enforce, rate_limit_hit
from modules.core.request_body import EXTRA_OPENAPI_SCHEMAS, SafeParser
from modules.core.schemas import MAX_SAFE_ID

__all__ = [
    "ERROR_CODES",
    "EXTRA_OPENAPI_SCHEMAS",
    "MAX_SAFE_ID",
    "ApiError",
    "BadRequest",
    "Conflict",
    "NotAuthenticated",
    "NotFound",
    "Page",
    "PayloadTooLarge",
    "PermissionDenied",
    "RateLimited",
    "SafeParser",
    "ServiceUnavailable",
    "ValidationFailed",
    "client_ip",
    "database_call",
    "decode_cursor",
    "encode_cursor",
    "install_error_handlers",
    "paginate_queryset",
    "paginate_ranked",
    "periodic",
    "periodic_jobs",
    "rate_limit_check",
    "rate_limit_enforce",
    "rate_limit_hit",
    "register_error_codes",
]
