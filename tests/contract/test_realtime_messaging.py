"""Row 47 of the mobile-app contract: the messaging frames on `/ws?token=`, over a real WebSocket.

Each test asserts the top-level fields the app's handlers in `src/hooks/useMessagingSync.ts` read
(`handleRealtimeMessage` after `normalizeEnvelope`, `handleStatusEvent`, `handleReactionEvent`, the `typing`
branch), and runs the part of the handler that decides what the screen does.

Sockets are opened before the data of a test is made: an event committed just before a socket subscribes
may still reach it, and `App.socket()` expects the pong to be its first frame.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.contract.app import App, frame_of_type, frames_until
from tests.contract.test_messaging import direct_thread, send, session_owns_thread

pytestmark = pytest.mark.integration


def normalize_envelope(frame: dict) -> dict:
    """useMessagingSync.normalizeEnvelope: nested `payload` fields spread over the top level."""
    nested = frame.get("payload")
    if isinstance(nested, dict):
        message = nested.get("message") or (nested if {"id", "thread", "body"} <= set(nested) else None)
        return {
            **frame,
            **nested,
            "message": message or frame.get("message"),
            "thread_id": nested.get("thread_id", nested.get("thread", frame.get("thread_id", frame.get("thread")))),
        }
    return frame


def status_event(frame: dict) -> tuple[str, str, str] | None:
    """handleStatusEvent → applyMessageStatus(messageId, status, threadHint), read from the top level."""
    status = frame.get("status")
    message_id = frame.get("message_id") or frame.get("id") or (frame.get("message") or {}).get("id")
    if not status or not message_id:
        return None
    thread = frame.get("thread_id") or frame.get("thread") or (frame.get("message") or {}).get("thread")
    return str(message_id), status, str(thread)


def reaction_event(frame: dict, session_user_id: str) -> dict | None:
    """handleReactionEvent → applyReaction, with the store's normalizeReactions (camelCase flag)."""
    message_id = frame.get("message_id") or frame.get("id")
    emoji = frame.get("emoji")
    action = frame.get("action") or ("removed" if frame.get("removed") else "added")
    if not message_id or not emoji or not action:
        return None
    user_id = frame.get("user_id", frame.get("userId"))
    return {
        "messageId": str(message_id),
        "emoji": emoji,
        "action": action,
        "threadId": str(frame.get("thread_id") or frame.get("thread")),
        "isSelf": str(user_id) == session_user_id,
        "reactions": [
            {
                "emoji": r["emoji"],
                "count": max(1, r.get("count", 1)),
                "reactedByCurrentUser": r.get("reactedByCurrentUser", False),
            }
            for r in frame["reactions"]
            if r.get("emoji")
        ],
    }


def typing_status(frame: dict) -> tuple[str, dict | None]:
    """The `typing` branch: thread from the top level (or payload), the rest from the top level only."""
    thread = frame.get("thread_id") or frame.get("thread") or (frame.get("payload") or {}).get("thread_id")
    if not frame.get("is_typing"):
        return str(thread), None
    return str(thread), {
        "typing": True,
        "userId": str(frame["user_id"]) if frame.get("user_id") is not None else None,
        "userName": frame.get("user_name"),
        "userHandle": frame.get("user_handle"),
    }


def test_row_47_message_new_is_appended_and_acked(server, sign_up):
    me, nino = sign_up(), sign_up(name="Nino")
    ws_me, ws_nino = me.socket(), nino.socket()
    try:
        nino.post(f"/users/{me.id}/follow/", {})
        thread = direct_thread(me, nino)
        key = "msg-1733450000000-9f3a6c1d2e"
        sent = send(me, thread["id"], "hello", key).json()
        frame = frame_of_type(ws_nino, "message:new")
        envelope = normalize_envelope(frame)
        message = envelope["message"]
        assert message == frame["message"]  # at the top level too
        assert message["id"] == sent["id"] and str(message["thread"]) == str(thread["id"])  # appendMessage(thread)
        assert message["body"] == "hello" and message["client_uuid"] == key and message["sender"]["id"] == me.id
        assert message["sender"]["is_following"] is True  # as Nino sees it: Nino follows me
        own = frame_of_type(ws_me, "message:new")["message"]  # my other devices
        assert own["id"] == sent["id"] and own["client_uuid"] == key  # matches the pending entry
        assert own["sender"]["is_following"] is False
        # ackDelivered: the app acknowledges every message it did not send itself.
        assert nino.post(f"/messages/{message['id']}/ack/", {"status": "delivered"}).status_code == 200
        delivered = frame_of_type(ws_me, "message:status")
        assert status_event(delivered) == (str(sent["id"]), "delivered", str(thread["id"]))
        assert delivered["status"] == "delivered" and delivered["message_id"] == sent["id"]
        assert delivered["thread_id"] == thread["id"]
        nino.post(f"/threads/{thread['id']}/read/", {"last_read_message_id": str(sent["id"])})
        assert status_event(frame_of_type(ws_me, "message:status")) == (str(sent["id"]), "read", str(thread["id"]))
    finally:
        ws_me.close()
        ws_nino.close()


def test_row_47_message_reaction_updates_the_chips(server, sign_up):
    me, nino = sign_up(), sign_up()
    ws_me, ws_nino = me.socket(), nino.socket()
    try:
        thread = direct_thread(me, nino)
        message = send(nino, thread["id"], "joke", str(uuid.uuid4())).json()
        me.post(f"/messages/{message['id']}/reactions/", {"emoji": "😂"})
        mine = frame_of_type(ws_me, "message:reaction")
        assert {"message_id", "emoji", "action", "user_id", "reactions", "thread_id"} <= set(mine)
        assert reaction_event(mine, str(me.id)) == {
            "messageId": str(message["id"]),
            "emoji": "😂",
            "action": "added",
            "threadId": str(thread["id"]),
            "isSelf": True,
            "reactions": [{"emoji": "😂", "count": 1, "reactedByCurrentUser": True}],  # my chip stays active
        }
        theirs = reaction_event(frame_of_type(ws_nino, "message:reaction"), str(nino.id))
        assert theirs["isSelf"] is False
        assert theirs["reactions"] == [{"emoji": "😂", "count": 1, "reactedByCurrentUser": False}]
        me.post(f"/messages/{message['id']}/reactions/", {"emoji": "😂"})
        removed = reaction_event(frame_of_type(ws_nino, "message:reaction"), str(nino.id))
        assert removed["action"] == "removed" and removed["reactions"] == []
    finally:
        ws_me.close()
        ws_nino.close()


def test_row_47_typing_shows_and_clears_the_indicator(server, sign_up):
    me, nino = sign_up(), sign_up(name="Nino")
    ws_me = me.socket()
    try:
        thread = direct_thread(me, nino)
        nino.post(f"/threads/{thread['id']}/typing/", {"is_typing": True})
        started = frame_of_type(ws_me, "typing")
        assert typing_status(started) == (
            str(thread["id"]),
            {"typing": True, "userId": str(nino.id), "userName": "Nino", "userHandle": nino.user["handle"]},
        )
        nino.post(f"/threads/{thread['id']}/typing/", {"is_typing": False})
        stopped = frame_of_type(ws_me, "typing")
        assert stopped["is_typing"] is False and typing_status(stopped) == (str(thread["id"]), None)
    finally:
        ws_me.close()


def test_row_47_deleted_thread_updated_and_member_left_frames(server, sign_up):
    me, nino, giorgi = sign_up(), sign_up(), sign_up()
    ws_nino = nino.socket()
    try:
        group = me.post("/threads/", {"participant_ids": [nino.id, giorgi.id], "initial_message": "hi"}).json()
        frames = frames_until(ws_nino, lambda f: f.get("type") == "thread:updated")  # after the first message
        updated = frames[-1]
        assert updated["thread"]["id"] == group["id"] and session_owns_thread(updated["thread"], str(nino.id))
        assert updated["thread"]["updated_at"] and updated["thread"]["unread_count"] == 1
        first = next(f for f in frames if f.get("type") == "message:new")["message"]
        assert updated["thread"]["last_message"]["id"] == first["id"]
        me.delete(f"/messages/{first['id']}/")
        deleted = frame_of_type(ws_nino, "message:deleted")
        assert deleted["message_id"] == first["id"] and deleted["thread_id"] == group["id"]
        assert deleted["message"]["deleted"] is True and deleted["message"]["body"] == ""
        giorgi.post(f"/threads/{group['id']}/leave/", {})
        left = frame_of_type(ws_nino, "member_left")
        assert left["thread_id"] == group["id"] and left["user_id"] == giorgi.id
    finally:
        ws_nino.close()


def test_row_47_delete_conversation_reaches_my_other_devices_only(server, sign_up):
    me, nino = sign_up(), sign_up()
    phone, tablet, ws_nino = me.socket(), me.socket(), nino.socket()
    try:
        thread = direct_thread(me, nino)
        old = send(nino, thread["id"], "old", str(uuid.uuid4())).json()
        assert me.post(f"/threads/{thread['id']}/leave/", {}).status_code == 204
        hidden = frame_of_type(tablet, "thread:hidden")
        assert hidden["thread_id"] == thread["id"] and hidden["cleared_through_message_id"] == old["id"]
        assert frame_of_type(phone, "thread:hidden")["thread_id"] == thread["id"]
        back = send(nino, thread["id"], "back?", str(uuid.uuid4())).json()
        # Nothing told Nino about the deletion before that message.
        seen = frames_until(ws_nino, lambda f: f.get("type") == "message:new" and f["message"]["id"] == back["id"])
        assert not {"thread:hidden", "member_left"} & {f["type"] for f in seen}
        returned = frames_until(tablet, lambda f: f.get("type") == "message:new" and f["message"]["id"] == back["id"])
        assert returned  # the thread returns on my devices
    finally:
        for ws in (phone, tablet, ws_nino):
            ws.close()


def test_row_47_keepalive(server, sign_up):
    me = sign_up()
    ws = me.socket()
    try:
        ws.send(json.dumps({"type": "ping"}))  # every 25 s
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}
    finally:
        ws.close()


def test_row_47_the_socket_url_is_the_apps(server, sign_up):
    me = sign_up()
    assert App(server).server_url == server  # `/ws?token=` on the API's own host and port (App.socket)
    me.socket().close()
