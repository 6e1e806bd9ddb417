"""Recording realtime events inside the caller's transaction, and announcing them after it commits.

`publish()` inserts one row per topic in the current transaction (nothing survives a rollback) and the
process sends one small NOTIFY per transaction after commit, carrying only topic names (payloads are read
from the table, so the 8000-byte NOTIFY limit never constrains an event). Ephemeral signals (typing) skip
the table and travel in the NOTIFY itself.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from functools import partial

from django.db import connection, transaction
from psycopg.types.json import Jsonb

from modules.realtime.events import RealtimeEvent
from modules.realtime.models import RealtimeEvent as EventRow

logger = logging.getLogger(__name__)

CHANNEL = "selflink_realtime"
NOTIFY_LIMIT = 7900  # bytes; PostgreSQL refuses payloads of 8000 bytes or more

_pending: dict[tuple[int, str], tuple[int, set[str]]] = {}
_lock = threading.Lock()


def publish(topics: Iterable[str], event: RealtimeEvent) -> None:
    """Record the event for every topic, in the current transaction; announced once it commits."""
    publish_many([(topics, event)])


def publish_many(events: Iterable[tuple[Iterable[str], RealtimeEvent]]) -> None:
    """Record several events, each for its topics, in one statement (a fan-out of one change to many people:
    one notification per recipient). The same as `publish()` for each in turn: rows are numbered in this
    order, so every subscriber receives them in it."""
    rows = []
    for topics, event in events:
        if event.event_kind != "stored":
            raise TypeError(f"{event.event_type} is not a stored event (see publish_ephemeral)")
        payload = event.model_dump(mode="json")
        rows += [(topic, event.event_type, payload) for topic in sorted(set(topics))]
    record_many(rows)


def record(topics: Iterable[str], type: str, payload: dict) -> None:
    """`publish()` without the catalog: any type and payload (tests use made-up ones)."""
    record_many([(topic, type, payload) for topic in sorted(set(topics))])


# One INSERT for every row of a call, numbered in the given order (WITH ORDINALITY … ORDER BY).
_INSERT_SQL = """
    INSERT INTO {table} (topic, type, payload, txid, created_at)
    SELECT r.topic, r.type, r.payload, pg_current_xact_id()::text::bigint, clock_timestamp()
    FROM unnest(%s::text[], %s::text[], %s::jsonb[]) WITH ORDINALITY AS r(topic, type, payload, n)
    ORDER BY r.n
    RETURNING txid
"""


def record_many(rows: list[tuple[str, str, dict]]) -> None:
    """Store (topic, type, payload) rows in the current transaction, in order; the topics are announced after
    commit (one NOTIFY per transaction, however many calls it made)."""
    if not rows:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("realtime.publish() must run inside the transaction that makes the change")
    topics = [topic for topic, _, _ in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SQL.format(table=EventRow._meta.db_table),
            [topics, [type for _, type, _ in rows], [Jsonb(payload) for _, _, payload in rows]],
        )
        txid = cursor.fetchone()[0]
    key = (threading.get_ident(), connection.alias)
    with _lock:
        current = _pending.get(key)
        if current is None or current[0] != txid:  # a different transaction: whatever was left rolled back
            current = _pending[key] = (txid, set())
        current[1].update(topics)
    # Registered on every publish (cheap): a callback registered inside a savepoint that rolls back is dropped,
    # the others still announce. The first one to run sends everything; the rest find nothing left.
    transaction.on_commit(partial(_announce, key, txid), robust=True)


def _announce(key: tuple[int, str], txid: int) -> None:
    with _lock:
        current = _pending.get(key)
        if current is None or current[0] != txid:
            return
        del _pending[key]
    notify_topics(current[1])


def chunks(topics: Iterable[str]) -> list[str]:
    """Comma-separated topic lists, each under the NOTIFY payload limit."""
    out: list[str] = []
    line = ""
    for topic in sorted(topics):
        candidate = f"{line},{topic}" if line else topic
        if len(candidate.encode()) > NOTIFY_LIMIT:
            out.append(line)
            candidate = topic
        line = candidate
    if line:
        out.append(line)
    return out


def notify_topics(topics: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for chunk in chunks(topics):
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, chunk])


def publish_ephemeral(topics: Iterable[str], event: RealtimeEvent) -> None:
    """A signal that is not stored (typing indicators): it reaches whoever is connected now, or nobody."""
    if event.event_kind != "ephemeral":
        raise TypeError(f"{event.event_type} is not an ephemeral event")
    signal(topics, event.event_type, event.model_dump(mode="json"))


def signal(topics: Iterable[str], type: str, payload: dict) -> None:
    """`publish_ephemeral()` without the catalog."""
    message = json.dumps({"topics": sorted(set(topics)), "type": type, "payload": payload}, separators=(",", ":"))
    if len(message.encode()) > NOTIFY_LIMIT:
        raise ValueError("ephemeral realtime signals must stay under 7900 bytes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, message])
