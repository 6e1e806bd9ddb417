"""Synchronous database work called from the event loop (authentication, channel and session checks)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import InterfaceError, OperationalError, close_old_connections, connection

RETRIES = 5


def database_call(func):
    """Run a synchronous, read-only database function from the event loop the way a request would (stale
    connections replaced first, released after). After a database restart the pool may still hold connections
    the server closed; these calls only read, so they are retried on a fresh connection."""

    def run(*args, **kwargs):
        close_old_connections()
        try:
            for attempt in range(RETRIES):
                try:
                    return func(*args, **kwargs)
                except (OperationalError, InterfaceError):
                    connection.close()
                    if attempt == RETRIES - 1:
                        raise
            raise AssertionError("unreachable")
        finally:
            close_old_connections()

    return sync_to_async(run)
