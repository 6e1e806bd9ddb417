import datetime as dt
import re
from typing import Annotated, Any

from ninja import Field, Path, Schema
from pydantic import BeforeValidator

_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def _local_time(value: Any) -> Any:
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if not isinstance(value, str) or not _LOCAL_TIME.match(value):
        raise ValueError("Use a local time as HH:MM or HH:MM:SS, without a UTC offset.")
    return value


# A wall-clock time of day (birth time, quiet hours): no offset; the zone, when it matters, is a separate field.
LocalTime = Annotated[dt.time, BeforeValidator(_local_time)]


class ErrorOut(Schema):
    """Every error under /api/ has this shape."""

    detail: str = Field(description="Human-readable explanation.")
    code: str = Field(description="Stable machine-readable error code, e.g. `not_found`, `rate_limited`.")


class ValidationErrorOut(ErrorOut):
    errors: dict[str, list[str]] = Field(
        description="Messages per field; `non_field_errors` for errors about the request as a whole."
    )


class CursorParams(Schema):
    cursor: str | None = Field(None, description="Opaque cursor from a previous page's `next`.", max_length=512)
    limit: int = Field(20, ge=1, le=100, description="Page size (1–100).")


class OkOut(Schema):
    ok: bool = True


def error_responses(*statuses: int) -> dict[int, type[Schema]]:
    """Declare an endpoint's possible error responses: 422 gets the field-error schema, the rest `ErrorOut`."""
    return {status: ValidationErrorOut if status == 422 else ErrorOut for status in statuses}


MAX_SAFE_ID = 2**53 - 1  # ids stay JavaScript-safe numbers
PathId = Annotated[int, Path(ge=1, le=MAX_SAFE_ID, description="Object id")]
