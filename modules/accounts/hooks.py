"""Who is told when sign-in sessions end, and when an account's privacy changes.

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


# --- privacy ------------------------------------------------------------------------------------------------

# Modules above accounts whose data depends on who may see an account (posts: where its media are stored)
# register here; `privacy_changed_announce` runs inside the transaction that changes the setting.
PrivacyChangedListener = Callable[[int, str], None]
_privacy_listeners: list[PrivacyChangedListener] = []


def register_privacy_changed_listener(listener: PrivacyChangedListener) -> None:
    """`listener(user_id, privacy)` runs inside the transaction that changes the account's privacy."""
    if listener not in _privacy_listeners:
        _privacy_listeners.append(listener)


def privacy_changed_announce(user_id: int, privacy: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("privacy_changed_announce() must run inside the transaction that changes it")
    for listener in list(_privacy_listeners):
        listener(user_id, privacy)
