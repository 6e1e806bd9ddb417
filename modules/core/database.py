"""Fail fast while the database is down, and come back without stalling.

Without this, every request during an outage waits for the connection pool's timeout before failing with a 500,
and after a restart the pool finds its dead connections one request at a time, sleeping between reconnection
attempts. Instead, per process:

* The first database error (`OperationalError`, `InterfaceError`, a pool timeout) closes the gate for
  `RETRY_AFTER_SECONDS`: every request in that window is answered at once with 503 `database_unavailable`
  and `Retry-After`, without touching the pool.
* After the window one request probes with a fresh, short-timeout connection. If the database answers, the
  old pool (full of connections the restart killed, and backing off) is replaced by a new one and the
  request goes on; if not, the gate stays closed for another window.

Requests that never touch the database (liveness, static files) pass the gate regardless.

Code running in the event loop (async authentication, the realtime streams, the mentor's stream) reaches the
database through `database_call`, which gives a synchronous function the connection handling of a request.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import psycopg
from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections, connection, connections

from modules.core.errors import ServiceUnavailable, register_error_codes

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
PROBE_CONNECT_TIMEOUT_SECONDS = 2
READ_ATTEMPTS = 5

P = ParamSpec("P")
R = TypeVar("R")

register_error_codes(
    {
        "database_unavailable": "The database cannot be reached right now; retry after `Retry-After` seconds.",
    }
)


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"
    detail = "The database is unavailable. Try again in a moment."

    def __init__(self, retry_after: float) -> None:
        super().__init__(headers={"Retry-After": str(max(1, math.ceil(retry_after)))})


class _Gate:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._probing = threading.Lock()
        self.closed_until = 0.0  # monotonic; 0 while the database is believed up
        self.down_since: float | None = None

    def trip(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self.down_since is None:
                self.down_since = now
                logger.warning("database unavailable: answering 503 for %ss, then probing", RETRY_AFTER_SECONDS)
            self.closed_until = now + RETRY_AFTER_SECONDS

    def retry_after(self) -> float | None:
        """None when requests may go on; otherwise the seconds a client should wait."""
        if self.down_since is None:
            return None
        remaining = self.closed_until - time.monotonic()
        if remaining > 0:
            return remaining
        if not self._probing.acquire(blocking=False):
            return RETRY_AFTER_SECONDS  # another request is probing right now
        try:
            if _database_answers():
                self._recover()
                return None
            self.trip()
            return RETRY_AFTER_SECONDS
        finally:
            self._probing.release()

    def _recover(self) -> None:
        with self._lock:
            down_for = time.monotonic() - (self.down_since or time.monotonic())
            self.down_since = None
            self.closed_until = 0.0
        # The pool's idle connections died with the server, and its refill is backing off: start a new one.
        connection = connections["default"]
        if connection.pool is not None:
            connection.close_pool()
        logger.warning("database reachable again after %.1fs; connection pool renewed", down_for)


gate = _Gate()


def _database_answers() -> bool:
    params = connections["default"].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params["connect_timeout"] = PROBE_CONNECT_TIMEOUT_SECONDS
    try:
        with psycopg.connect(**params, autocommit=True) as probe:
            probe.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def database_gate_check() -> None:
    """Raise DatabaseUnavailable (503 + Retry-After) while the database is known to be down."""
    retry_after = gate.retry_after()
    if retry_after is not None:
        raise DatabaseUnavailable(retry_after)


def database_failed() -> DatabaseUnavailable:
    """A request hit a database error: close the gate; the caller answers with the returned error."""
    gate.trip()
    return DatabaseUnavailable(RETRY_AFTER_SECONDS)


def database_call(func: Callable[P, R], *, retry_reads: bool = False) -> Callable[P, Awaitable[R]]:
    """`func` (synchronous, touching the database) as a coroutine function for the event loop, run the way a
    request runs: stale connections are replaced before the call and the connection is handed back after.

    Inside an atomic block (a caller's transaction, or a test's) the connection is left alone: closing it would
    end the transaction. `retry_reads=True` is for functions that only read: after a database restart the pool
    may still hand out connections the server closed, so an `OperationalError`/`InterfaceError` is retried on a
    fresh connection (up to READ_ATTEMPTS attempts; never inside an atomic block, whose transaction is lost).
    A function that writes is never retried: its first attempt may have committed.
    """

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        outside_transaction = not connection.in_atomic_block
        attempts = READ_ATTEMPTS if retry_reads and outside_transaction else 1
        if outside_transaction:
            close_old_connections()
        try:
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except (OperationalError, InterfaceError):
                    if attempt == attempts:
                        raise
                    connection.close()
            raise AssertionError("unreachable: the last attempt returns or raises")
        finally:
            if outside_transaction:
                close_old_connections()

    return sync_to_async(run)
