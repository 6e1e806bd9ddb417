"""One hub per server process: a single LISTEN connection fanning events out to every local socket.

* The listener holds one dedicated autocommit connection (never a transaction-mode pooler) with
  `LISTEN selflink_realtime`. A notification names topics; when a local socket follows one of them, the
  hub reads the new rows (one query for the whole process) and hands each event to its subscribers.
* Positions are (txid, id) and reads stop below the commit watermark (`pg_snapshot_xmin`), so no event is
  ever passed over; when rows are held back by an older running transaction the hub reads again shortly.
* After a reconnect the hub reads from its last position (catching every socket up), and a slow safety poll
  covers lost wake-ups. Each subscriber has a bounded queue; on overflow it is told to resync.
* A subscriber belongs to a sign-in session. A `session:revoked` event naming it ends the subscriber (its
  queue is replaced by the `session_revoked` error frame; the connection closes after sending it); the event
  is never forwarded. Every `session_check_seconds` one query re-checks the sessions of all local
  subscribers, so a missed announcement cannot keep a connection open (see sessions.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import psycopg
from django.db import connections

from modules.realtime.events import SESSION_ENDED, ResyncRequiredFrame, SessionRevokedEvent, flat_frame
from modules.realtime.models import RealtimeEvent as EventRow
from modules.realtime.publishing import CHANNEL

logger = logging.getLogger(__name__)

Position = tuple[int, int]  # (txid, id)

# The table is named by its model, as publishing.py writes it (an identifier of ours, never input).
TABLE = EventRow._meta.db_table
READ_SQL = f"""
    WITH w AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin)
    SELECT e.id, e.topic, e.type, e.payload, e.created_at, e.txid, e.txid < w.xmin AS ready
    FROM {TABLE} e, w
    WHERE e.topic = ANY(%(topics)s) AND (e.txid, e.id) > (%(txid)s, %(id)s)
    ORDER BY e.txid, e.id
    LIMIT %(limit)s
"""  # noqa: S608
HEAD_SQL = f"""
    SELECT COALESCE(max(txid), 0), COALESCE(max(id), 0) FROM {TABLE}
    WHERE txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
"""  # noqa: S608
POSITION_SQL = f"SELECT txid, id FROM {TABLE} WHERE id = %s"  # noqa: S608
BATCH = 1000


@dataclass(frozen=True)
class Event:
    id: int
    topic: str
    type: str
    payload: dict
    created_at: dt.datetime
    position: Position

    def frame(self) -> dict:
        envelope = {
            "id": self.id,
            "type": self.type,
            "topic": self.topic,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
        }
        return flat_frame(envelope, self.payload)


@dataclass(eq=False)
class Subscriber:
    """One connected client: its topics (fixed once subscribed: the hub indexes them), its sign-in session, where
    it is in the stream, its outgoing queue."""

    topics: set[str]
    position: Position
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=500))
    catching_up: bool = True
    pending: list[Event] = field(default_factory=list)
    overflowed: bool = False
    session_id: str | None = None
    ended: bool = False  # its last frame (an authentication failure) is queued; nothing more is delivered

    def offer(self, event: Event) -> None:
        if self.ended:
            return
        if self.catching_up:
            self.pending.append(event)
            return
        self._deliver(event)

    def _deliver(self, event: Event) -> None:
        if self.ended or event.position <= self.position:
            return  # ended, or already delivered
        self.position = event.position
        if event.type == SessionRevokedEvent.event_type:
            # Acted on, never forwarded: other sessions of the same person are not told about this one.
            if self.session_id is not None and self.session_id in event.payload.get("session_ids", ()):
                self.end(SESSION_ENDED)
            return
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event.frame())
        except asyncio.QueueFull:
            # A slow consumer: drop what is queued and tell it to fetch state again over REST.
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(ResyncRequiredFrame(reason="slow_consumer").model_dump())

    def finish_catch_up(self, events: Iterable[Event]) -> None:
        self.catching_up = False
        for event in events:
            self._deliver(event)
        pending, self.pending = self.pending, []
        for event in pending:
            self._deliver(event)

    def end(self, frame: dict) -> None:
        """Make `frame` the last thing this client receives. Whatever it has not read yet is dropped: those are
        stored events it can replay (`last_event_id`) once it has a valid token again."""
        if self.ended:
            return
        self.ended = True
        self.pending.clear()
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(frame)

    def offer_ephemeral(self, frame: dict) -> None:
        if not self.overflowed and not self.ended:
            # ephemeral by definition: a slow client may miss a typing indicator
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait(frame)

    def acknowledge_resync(self) -> None:
        self.overflowed = False


def _discard_broken_pooled_connections() -> None:
    """The database is back after the listener lost it (a restart, a failover): test the request pool's idle
    connections now. psycopg_pool would otherwise find the dead ones one request at a time, sleeping 1, 2, 4 … s
    between them, so with a few idle connections the first requests after a restart time out."""
    pool = connections["default"].pool
    if pool is not None and not pool.closed:
        pool.check()


def _event(row) -> Event:
    event_id, topic, type_, payload, created_at, txid, _ = row
    if isinstance(payload, str):
        payload = json.loads(payload)
    return Event(event_id, topic, type_, payload, created_at, (txid, event_id))


SessionChecker = Callable[[set[str]], Awaitable[set[str]]]


class Hub:
    def __init__(
        self,
        dsn: str,
        *,
        poll_seconds: float = 2.0,
        queue_size: int = 500,
        session_check_seconds: float = 5.0,
        session_checker: SessionChecker | None = None,
    ) -> None:
        self.dsn = dsn
        self.poll_seconds = poll_seconds
        self.queue_size = queue_size
        self.session_check_seconds = session_check_seconds
        self.session_checker = session_checker
        self.subscribers: set[Subscriber] = set()
        # topic → its local subscribers (Odoo's `_channels_to_ws`): a notification or an event finds the sockets
        # that follow its topic without looking at all the others. Kept by subscribe() and unsubscribe() only.
        self._by_topic: dict[str, set[Subscriber]] = {}
        self.position: Position = (0, 0)
        self.connected = False
        self.connected_since: dt.datetime | None = None
        self.last_error = ""
        self.reconnects = 0
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._reader: psycopg.AsyncConnection | None = None
        self._read_lock = asyncio.Lock()
        self._started = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self._listen(), name="realtime-listen"),
            asyncio.create_task(self._read_loop(), name="realtime-read"),
            asyncio.create_task(self._poll(), name="realtime-poll"),
            asyncio.create_task(self._check_sessions_loop(), name="realtime-sessions"),
        ]
        await asyncio.wait_for(self._started.wait(), timeout=30)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self._reader is not None:
            await self._reader.close()

    def status(self) -> dict:
        return {
            "connected": self.connected,
            "subscribers": len(self.subscribers),
            "reconnects": self.reconnects,
            "since": self.connected_since.isoformat() if self.connected_since else None,
            "last_error": self.last_error,
        }

    # -- subscribers ---------------------------------------------------------------------------

    async def subscribe(
        self, topics: set[str], resume_after: Position | None, *, session_id: str | None = None
    ) -> Subscriber:
        """Register first, then catch up from `resume_after` (or start live), so nothing falls in between."""
        subscriber = Subscriber(
            topics=set(topics),
            position=resume_after or self.position,
            queue=asyncio.Queue(maxsize=self.queue_size),
            session_id=session_id,
        )
        self.subscribers.add(subscriber)
        for topic in subscriber.topics:
            self._by_topic.setdefault(topic, set()).add(subscriber)
        caught_up: list[Event] = []
        if resume_after is not None:
            position = resume_after
            while True:
                rows = await self._read(subscriber.topics, position)
                ready = [row for row in rows if row[6]]
                caught_up += [_event(row) for row in ready]
                if len(ready) < BATCH:
                    break
                position = caught_up[-1].position
        subscriber.finish_catch_up(caught_up)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        for topic in subscriber.topics:
            followers = self._by_topic.get(topic)
            if followers is not None:
                followers.discard(subscriber)
                if not followers:
                    del self._by_topic[topic]

    def local_topics(self) -> set[str]:
        return set(self._by_topic)

    def subscribers_of(self, topic: str) -> list[Subscriber]:
        """The local subscribers following `topic` (a copy: delivering may end one, never unsubscribes it)."""
        return list(self._by_topic.get(topic, ()))

    # -- database ------------------------------------------------------------------------------

    async def _connection(self) -> psycopg.AsyncConnection:
        if self._reader is None or self._reader.closed:
            self._reader = await psycopg.AsyncConnection.connect(
                self.dsn, autocommit=True, application_name="selflink-realtime-reader"
            )
        return self._reader

    async def _read(self, topics: set[str], after: Position, limit: int = BATCH) -> list[tuple]:
        async with self._read_lock:
            try:
                conn = await self._connection()
                cursor = await conn.execute(
                    READ_SQL, {"topics": sorted(topics), "txid": after[0], "id": after[1], "limit": limit}
                )
                return await cursor.fetchall()
            except psycopg.Error:
                if self._reader is not None:
                    await self._reader.close()
                self._reader = None
                raise

    async def position_of(self, event_id: int) -> Position | None:
        async with self._read_lock:
            conn = await self._connection()
            cursor = await conn.execute(POSITION_SQL, [event_id])
            row = await cursor.fetchone()
        return (row[0], row[1]) if row else None

    async def _head(self) -> Position:
        async with self._read_lock:
            conn = await self._connection()
            cursor = await conn.execute(HEAD_SQL)
            txid, event_id = await cursor.fetchone()
        return (txid, event_id)

    # -- loops ---------------------------------------------------------------------------------

    async def _listen(self) -> None:
        backoff = 0.2
        first = True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.dsn, autocommit=True, application_name="selflink-realtime-listen"
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if first:
                        self.position = await self._head()
                        first = False
                    else:
                        await asyncio.to_thread(_discard_broken_pooled_connections)
                    self.connected, self.connected_since, backoff = True, dt.datetime.now(dt.UTC), 0.2
                    self._started.set()
                    self._wake.set()  # catch every socket up from the last position (after a reconnect)
                    async for notification in conn.notifies():
                        self._on_notification(notification.payload)
            except (psycopg.Error, OSError) as exc:
                self.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
                logger.warning(
                    "realtime listener lost its connection (%s); retrying in %.1fs", self.last_error, backoff
                )
            self.connected = False
            if not first:
                self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    def _on_notification(self, payload: str) -> None:
        if payload.startswith("{"):
            message = json.loads(payload)
            for topic in message["topics"]:
                for subscriber in self.subscribers_of(topic):
                    envelope = {"type": message["type"], "topic": topic}
                    subscriber.offer_ephemeral(flat_frame(envelope, message["payload"]))  # a frame of its own
            return
        if any(topic in self._by_topic for topic in payload.split(",")):
            self._wake.set()

    async def _read_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                held_back = await self._dispatch_new()
            except (psycopg.Error, OSError) as exc:
                self.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
                await asyncio.sleep(0.5)
                self._wake.set()
                continue
            if held_back:
                # Rows behind an older, still-running transaction: look again very soon.
                asyncio.get_running_loop().call_later(0.02, self._wake.set)

    async def _dispatch_new(self) -> bool:
        topics = self.local_topics()
        while True:
            if not topics:
                self.position = max(self.position, await self._head())
                return False
            rows = await self._read(topics, self.position)
            ready = [row for row in rows if row[6]]
            for row in ready:
                event = _event(row)
                self.position = event.position
                for subscriber in self.subscribers_of(event.topic):
                    subscriber.offer(event)
            if len(ready) < len(rows):
                return True
            if len(rows) < BATCH:
                return False

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            self._wake.set()

    async def _check_sessions_loop(self) -> None:
        while True:
            await asyncio.sleep(self.session_check_seconds)
            try:
                await self.check_sessions()
            except Exception as exc:  # the database is away: keep the connections, look again next time
                logger.warning("realtime session check failed (%s)", exc.__class__.__name__)

    async def check_sessions(self) -> int:
        """End every local subscriber whose session would no longer authenticate (one query for the whole
        process, whatever the number of connections). Returns how many were ended."""
        if self.session_checker is None:
            return 0
        subscribers = [s for s in self.subscribers if s.session_id is not None and not s.ended]
        if not subscribers:
            return 0
        live = await self.session_checker({s.session_id for s in subscribers if s.session_id is not None})
        ended = [s for s in subscribers if s.session_id not in live]
        for subscriber in ended:
            subscriber.end(SESSION_ENDED)
        return len(ended)
