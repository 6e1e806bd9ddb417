"""Ending live connections when their sign-in session ends.

Two paths, so that a missed announcement cannot keep a connection alive:

* **The announcement.** accounts calls `announce_sessions_ended` (registered in RealtimeConfig.ready) inside
  the transaction that ends sessions; it publishes a `session:revoked` event to the user's topic, which
  reaches every process through the usual table + NOTIFY path, so a rolled-back sign-out announces nothing.
  The hub ends the subscribers of those sessions (`Subscriber.offer`) and drops the event for the others.
* **The re-check.** Every `REALTIME_SESSION_CHECK_SECONDS` each process asks, in one query, which sessions
  of its connections would still authenticate (`live_session_ids`) and ends the others. This covers what
  bypasses the services: an account deactivated or a session ended with SQL, a deleted user, and a session
  ended between a connection's authentication and its subscription.
"""

from __future__ import annotations

import uuid

from modules.accounts.public import SessionsEnded, live_session_ids
from modules.core.public import database_call
from modules.realtime.access import user_topic
from modules.realtime.events import SessionRevokedEvent
from modules.realtime.publishing import publish


def announce_sessions_ended(ended: SessionsEnded) -> None:
    publish(
        [user_topic(ended.user_id)],
        SessionRevokedEvent(session_ids=list(ended.session_ids), reason=str(ended.reason)),
    )


async def sessions_still_live(session_ids: set[str]) -> set[str]:
    """The subset of `session_ids` (as strings) whose access tokens would still authenticate."""
    live = await database_call(live_session_ids, retry_reads=True)(
        session_ids=[uuid.UUID(session_id) for session_id in session_ids]
    )
    return {str(session_id) for session_id in live}
