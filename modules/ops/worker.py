"""Dramatiq worker middleware: the worker's connection pools recover from a PostgreSQL restart before jobs use them.

A restart (or a failover) kills every idle connection of the worker's pools: Django's (`DATABASE_POOL_MAX`) and the
Postgres broker's. psycopg_pool only finds a dead connection when a job checks it out, and then sleeps 1, 2, 4 …
seconds before trying the next one, so the first job after a restart waits for every dead connection in turn and,
with a handful of them, times out (a job without retries is lost). The realtime hub solves this for daphne by
testing the request pool when its listener reconnects; this does the same for workers:

- one thread per worker process keeps a small connection of its own (`selflink-worker-watch`) and notices at once
  when the server closes it (a restart sends every backend a termination message), or within `PING_SECONDS` when
  the connection silently dies;
- when it can connect again it tests both pools' idle connections in one pass (`ConnectionPool.check()`: dead
  ones are replaced, without sleeping) and only then lets jobs start again: a job that begins meanwhile waits
  for that (at most `WAIT_SECONDS`), before its time limit starts counting.

Only worker processes run the thread (`after_worker_boot`); daphne and the scheduler load the middleware with the
broker and never start it.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from dramatiq.middleware import Middleware
from psycopg_pool import ConnectionPool

logger = logging.getLogger(__name__)

PING_SECONDS = 5.0  # a connection that died without a word (a network cut) is noticed this late at most
WAIT_SECONDS = 30.0  # longest a job waits for the pools to be checked; then it runs (and meets what it meets)
BACKOFF_FIRST, BACKOFF_MAX = 0.2, 5.0


def _pools(broker) -> list[ConnectionPool]:
    from django.db import connections  # settings and apps are loaded by the time a worker boots

    found = [connections["default"].pool, getattr(broker, "pool", None)]
    return [pool for pool in found if isinstance(pool, ConnectionPool) and not pool.closed]


def pools_check(broker) -> None:
    """Test the idle connections of the worker's pools now, replacing the dead ones."""
    for pool in _pools(broker):
        pool.check()


def _watch_connection_params() -> dict:
    from django.db import connections

    params = connections["default"].get_connection_params()  # without the pool options
    params.pop("cursor_factory", None)  # Django's cursor classes: a plain connection is enough here
    params.pop("context", None)
    params["application_name"] = f"{params.get('application_name') or 'selflink'}-worker-watch"[:63]
    params.update(autocommit=True, connect_timeout=5, keepalives=1, keepalives_idle=5, keepalives_interval=2)
    params.setdefault("keepalives_count", 2)
    return params


class DatabaseRecovery(Middleware):
    def __init__(self) -> None:
        self.ready = threading.Event()
        self.ready.set()  # until the watcher has seen a loss, nothing needs waiting for
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.recoveries = 0

    def after_worker_boot(self, broker, worker) -> None:
        self.stopping.clear()
        self.thread = threading.Thread(target=self._watch, args=(broker,), name="selflink-db-watch", daemon=True)
        self.thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self.stopping.set()
        self.ready.set()  # never hold a job back during shutdown

    def before_process_message(self, broker, message) -> None:
        if not self.ready.is_set() and not self.ready.wait(WAIT_SECONDS):
            logger.warning("database still unavailable after %.0fs; running %s anyway", WAIT_SECONDS, message)

    def _watch(self, broker) -> None:
        backoff = BACKOFF_FIRST
        lost = False
        while not self.stopping.is_set():
            try:
                with psycopg.connect(**_watch_connection_params()) as conn:
                    if lost:
                        pools_check(broker)
                        self.recoveries += 1
                        logger.info("database reachable again: the worker's connection pools were checked")
                    lost, backoff = False, BACKOFF_FIRST
                    self.ready.set()
                    while not self.stopping.is_set():
                        # Returns after PING_SECONDS, or raises at once when the server closes the connection.
                        for _ in conn.notifies(timeout=PING_SECONDS, stop_after=1):
                            pass
                        conn.execute("SELECT 1")
            except (psycopg.Error, OSError) as exc:
                if not lost:
                    logger.warning(
                        "worker lost its database connection (%s); jobs wait until it is back", type(exc).__name__
                    )
                lost = True
                self.ready.clear()
            except Exception:  # never let the watcher die: jobs would stop waiting for nothing
                logger.exception("database watch failed")
                self.ready.set()
            if not self.stopping.wait(backoff):
                backoff = min(backoff * 2, BACKOFF_MAX)
        self.ready.set()
