"""Keyset (cursor) pagination, the one paging convention of the API.

`?cursor=&limit=` → `{"results": [...], "next": "<opaque>" | null}`. A cursor
encodes the sort key of the last row of the previous page, so pages stay
stable while rows are inserted (no duplicates, no gaps), unlike offsets.
Cursors are opaque to clients: base64url JSON tagged with the ordering they
belong to; a cursor that does not decode, or belongs to another ordering, is a
400 `invalid_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Q, QuerySet

from modules.core.errors import InvalidCursor

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[T]):
    results: list[T]
    next: str | None


def encode_cursor(tag: str, values: Sequence[Any]) -> str:
    payload = json.dumps({"t": tag, "k": [_jsonable(value) for value in values]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(tag: str, cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(payload, dict) or payload.get("t") != tag:
        raise InvalidCursor()
    values = payload.get("k")
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidCursor()
    return values


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _after(fields: Sequence[tuple[str, bool]], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in the ordering: a lexicographic keyset condition."""
    condition = Q()
    for index, (name, descending) in enumerate(fields):
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[index]})
        for earlier in range(index):
            step &= Q(**{fields[earlier][0]: values[earlier]})
        condition |= step
    return condition


def paginate_queryset(
    queryset: QuerySet[M],
    *,
    ordering: Sequence[str],
    cursor: str | None,
    limit: int,
) -> Page[M]:
    """One page of `queryset` in `ordering` (e.g. `("-created_at", "-id")`; the last field must be unique)."""
    fields = [(name.lstrip("-"), name.startswith("-")) for name in ordering]
    tag = ",".join(ordering)
    queryset = queryset.order_by(*ordering)
    if cursor:
        raw = decode_cursor(tag, cursor, len(fields))
        model = queryset.model
        try:
            values = [
                model._meta.get_field(name).to_python(value) for (name, _), value in zip(fields, raw, strict=True)
            ]
        except (DjangoValidationError, TypeError, ValueError) as exc:
            raise InvalidCursor() from exc
        if any(value is None for value in values):
            raise InvalidCursor()
        queryset = queryset.filter(_after(fields, values))
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(tag, [getattr(last, name) for name, _ in fields])
    return Page(results=rows, next=next_cursor)


def paginate_ranked(queryset: QuerySet[M], *, score: str, tag: str, cursor: str | None, limit: int) -> Page[M]:
    """One page of `queryset` ordered by an annotated float `score` (highest first), then id (newest first).

    For search results: the cursor carries the last (score, id); the same query recomputes the same scores,
    so pages neither repeat nor skip rows.
    """
    queryset = queryset.order_by(f"-{score}", "-id")
    if cursor:
        last_score, last_id = decode_cursor(tag, cursor, 2)
        if not isinstance(last_score, int | float) or not isinstance(last_id, int):
            raise InvalidCursor()
        queryset = queryset.filter(Q(**{f"{score}__lt": last_score}) | Q(**{score: last_score, "id__lt": last_id}))
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(tag, [float(getattr(rows[-1], score)), rows[-1].id]) if has_more and rows else None
    return Page(results=rows, next=next_cursor)
