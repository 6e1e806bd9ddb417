"""Who is told when sign-in sessions end.

Ending a session in the database stops its REST calls at once (every request checks the session), but a
connection that is already open (the realtime WebSocket, the SSE stream) checked only once. Modules above
accounts that hold such connections register a listener here (realtime does, in its AppConfig.ready), so
accounts never imports them. Every path that ends sessions (sign-out, password change, deactivation,
revoking a device, refresh-token reuse, staff actions) goes through `services.sessions_end`, which calls the
listeners inside the transaction that ends the sessions: a rolled-back sign-out announces nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection

from modules.accounts.contracts import SessionsEnded

SessionsEndedListener = Callable[[SessionsEnded], None]
_listeners: list[SessionsEndedListener] = []


def register_sessions_ended_listener(listener: SessionsEndedListener) -> None:
    """`listener(ended)` runs inside the transaction that ends `ended.session_ids` (registered once)."""
    if listener not in _listeners:
        _listeners.append(listener)


def sessions_ended_announce(ended: SessionsEnded) -> None:
    if not ended.session_ids:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("sessions_ended_announce() must run inside the transaction that ends the sessions")
    for listener in list(_listeners):
        listener(ended)
