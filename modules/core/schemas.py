import datetime as dt
import re
from typing import Annotated, Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest
from ninja import Field, Path, Schema
from pydantic import BeforeValidator, ConfigDict, field_validator, model_validator

_LOCAL_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")


def _local_time(value: Any) -> Any:
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if not isinstance(value, str) or not _LOCAL_TIME.match(value):
        raise ValueError("Use a local time as HH:MM or HH:MM:SS, without a UTC offset.")
    return value


# A wall-clock time of day (birth time, quiet hours): no offset; the zone, when it matters, is a separate field.
LocalTime = Annotated[dt.time, BeforeValidator(_local_time)]


class InputSchema(Schema):
    """Base of every request body: a field the endpoint does not know is a 422 naming it, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    """Every error under /api/ has this shape."""

    detail: str = Field(description="Human-readable explanation.")
    code: str = Field(description="Stable machine-readable error code (the `ErrorCode` list), e.g. `not_found`.")


class ValidationErrorOut(ErrorOut):
    errors: dict[str, list[str]] = Field(
        description="Messages per field; `non_field_errors` for errors about the request as a whole."
    )


MAX_PAGE_SIZE = 100


def cursor_from(value: str | None) -> str | None:
    """The opaque cursor, given either itself or a whole `next` URL (which carries it as `?cursor=`)."""
    if not value:
        return None
    if value.startswith(("http://", "https://", "/")):
        return parse_qs(urlsplit(value).query).get("cursor", [""])[0] or None
    return value


class CursorParams(Schema):
    """`?cursor=&limit=` on every list. `page_size` is accepted as another name for `limit` (the mobile app
    sends it), and `cursor` may be the page's whole `next` URL as well as the cursor it carries."""

    cursor: str | None = Field(
        None, max_length=2048, description="From a previous page: its `next` URL, or the cursor that URL carries."
    )
    limit: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE, description="Page size (1–100; default 20).")
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE, description="Another name for `limit`.")

    default_limit: ClassVar[int] = 20

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        return cursor_from(value)

    @model_validator(mode="after")
    def _limit(self):
        if self.limit is not None and self.page_size is not None and self.limit != self.page_size:
            raise ValueError("limit and page_size are the same setting: send one of them.")
        self.limit = self.limit or self.page_size or self.default_limit
        return self


class CursorPageOut(Schema):
    """Base of every list response: `next` is the absolute URL of the next page, or null on the last one.

    The URL is this request's with `cursor` set to the opaque position, so a client may GET it as it is or
    send it (or the cursor inside it) back as `?cursor=`.
    """

    next: str | None = Field(description="Absolute URL of the next page (it carries `cursor=`), null at the end.")

    @staticmethod
    def resolve_next(obj, context) -> str | None:
        cursor = obj["next"] if isinstance(obj, dict) else obj.next
        if not cursor:
            return None
        if cursor.startswith(("http://", "https://")):
            return cursor  # already a URL (a page validated twice)
        return next_page_url(context["request"], cursor)


def next_page_url(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    query.pop("page", None)  # a page number (comments) would contradict the cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def error_responses(*statuses: int) -> dict[int, type[Schema]]:
    """Declare an endpoint's possible error responses: 422 gets the field-error schema, the rest `ErrorOut`."""
    return {status: ValidationErrorOut if status == 422 else ErrorOut for status in statuses}


MAX_SAFE_ID = 2**53 - 1  # ids stay JavaScript-safe numbers
PathId = Annotated[int, Path(ge=1, le=MAX_SAFE_ID, description="Object id")]
