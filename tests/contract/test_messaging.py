"""Messaging rows of the mobile-app contract (rows 32 and 34–46), replayed as the app sends them.

Sources in selflink-mobile (762ef39): `src/api/messaging.ts` (getThreads, sendMessageWithMeta,
sendMessageWithAttachments, syncThreadMessages, getOrCreateDirectThread, markThreadRead, deleteThread …),
`src/services/api/threads.ts` (listThreads, createThread, getTypingStatus, sendTypingSignal),
`src/store/messagingStore.ts` (buildThreadSnapshot / sessionOwnsThread, generateClientUuid) and
`src/components/messaging/ThreadListItem.tsx`. The helpers below port the parts of the app's own logic that
decide what a screen shows, and run them on the live responses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.contract.app import App
from tests.profiles.images import image_bytes

pytestmark = pytest.mark.integration

FALLBACK_KEY = "msg-1733450000000-9f3a6c1d2e"  # generateClientUuid() without crypto.randomUUID (Hermes)


def random_uuid_key() -> str:
    return str(uuid.uuid4())  # generateClientUuid() with crypto.randomUUID


# --- the app's own logic, ported -------------------------------------------------------------------------------


def js_date(value: Any) -> dt.datetime:
    """`new Date(value)`: the screens sort and label by it; an unparsable value is "Invalid Date"."""
    assert isinstance(value, str), value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def session_owns_thread(thread: dict, session_user_id: str) -> bool:
    """messagingStore.sessionOwnsThread after normalizeThread (which turns a missing `members` into [])."""
    members = thread.get("members") or []
    return any(
        str((member.get("user") or {}).get("id", member.get("user_id"))) == session_user_id for member in members
    )


def messages_tab(threads: list[dict], session_user_id: str) -> list[dict]:
    """messagingStore.buildThreadSnapshot: the threads the Messages tab shows, sorted by `updated_at`."""
    owned = [t for t in threads if session_owns_thread(t, session_user_id)]
    return sorted(owned, key=lambda t: js_date(t["updated_at"]), reverse=True)


def thread_list_item(thread: dict, session_user_id: str) -> dict:
    """ThreadListItem: the other member's name and photo, the last message's body, the time label."""
    members = thread["members"]
    other = next((m for m in members if str(m["user"]["id"]) != session_user_id), members[0])
    user = other["user"]
    js_date(thread.get("updated_at") or thread["created_at"])  # formatTime: no "Invalid Date"
    return {
        "name": user.get("name") or user.get("handle") or thread.get("title") or "Unknown user",
        "photo": user.get("photo"),
        "preview": (thread.get("last_message") or {}).get("body") or "No messages yet",
        "unread": thread.get("unread_count") or 0,
    }


def extract_results(payload: Any) -> list:
    """api/messaging.ts extractResults / syncThreadMessages: an array, or `results`; anything else is []."""
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("results"), list):
        return [item for item in payload["results"] if item is not None]
    return []


# --- helpers ---------------------------------------------------------------------------------------------------


def direct_thread(app: App, other: App, initial_message: str | None = None) -> dict:
    """getOrCreateDirectThread(userId, initialMessage?) from a profile's "Message" button."""
    payload: dict[str, Any] = {"user_id": str(other.id)}
    if initial_message and initial_message.strip():
        payload["initial_message"] = initial_message.strip()
    response = app.post("/threads/direct/", payload)
    assert response.status_code in {200, 201}, response.text
    return response.json()


def send(app: App, thread_id: int, text: str, client_uuid: str | None = None, reply_to: int | None = None):
    """sendMessageWithMeta(threadId, text, {clientUuid, replyToMessageId}) — the JSON send of messagingStore."""
    data: dict[str, Any] = {"thread": str(thread_id), "body": text}
    if client_uuid:
        data["client_uuid"] = client_uuid
    if reply_to:
        data["reply_to_message_id"] = str(reply_to)
    return app.post("/messages/", data)


# --- row 34: the thread lists ---------------------------------------------------------------------------------


def test_row_34_the_messages_tab_shows_my_threads(server, sign_up):
    me, nino, giorgi = sign_up(name="Me"), sign_up(name="Nino"), sign_up(name="Giorgi")
    quiet = direct_thread(me, giorgi)
    talk = direct_thread(me, nino)
    assert send(nino, talk["id"], "gamarjoba!", random_uuid_key()).status_code == 201
    response = me.get("/threads/")  # getThreads(): no query
    assert response.status_code == 200, response.text
    shown = messages_tab(extract_results(response.json()), str(me.id))
    assert [t["id"] for t in shown] == [talk["id"], quiet["id"]]  # none filtered out, newest activity first
    first, second = (thread_list_item(t, str(me.id)) for t in shown)
    assert first == {"name": "Nino", "photo": None, "preview": "gamarjoba!", "unread": 1}
    assert second == {"name": "Giorgi", "photo": None, "preview": "No messages yet", "unread": 0}
    member = shown[0]["members"][1]["user"]
    assert {"id", "name", "handle", "photo"} <= set(member)
    assert [p["id"] for p in shown[0]["participants"]] == [m["user"]["id"] for m in shown[0]["members"]]
    assert shown[0]["updated_at"] == shown[0]["last_message"]["created_at"]
    assert messages_tab(extract_results(nino.get("/threads/").json()), str(nino.id))[0]["id"] == talk["id"]


def test_row_34_the_inbox_pages_with_ordering_page_size_and_next_as_cursor(server, sign_up):
    me = sign_up()
    others = [sign_up(name=f"Friend {n}") for n in range(3)]
    ids = [direct_thread(me, other)["id"] for other in others]
    listed, cursor = [], None
    for _ in range(3):  # useThreads.loadPage: listThreads({page_size, cursor, ordering: '-updated_at'})
        query = {"cursor": cursor, "ordering": "-updated_at", "page_size": 2}
        response = me.get("/threads/", **query)
        assert response.status_code == 200, response.text
        page = response.json()
        listed += page["results"]
        for thread in page["results"]:  # ThreadCard: title from participants, time from updated_at
            assert [p["name"] for p in thread["participants"]] and js_date(thread["updated_at"])
        cursor = page["next"]
        if not cursor:
            break
    assert [t["id"] for t in listed] == list(reversed(ids))
    refused = me.get("/threads/", ordering="title")
    assert refused.status_code == 422 and "ordering" in refused.json()["errors"]


# --- rows 35, 36: starting conversations ----------------------------------------------------------------------


def test_row_35_create_a_group_with_a_first_message(server, sign_up):
    me, nino, giorgi = sign_up(), sign_up(), sign_up()
    response = me.post(
        "/threads/", {"title": "Hike", "participant_ids": [nino.id, giorgi.id], "initial_message": "Saturday?"}
    )
    assert response.status_code == 201, response.text
    thread = response.json()
    assert thread["id"] and thread["title"] == "Hike" and thread["last_message"]["body"] == "Saturday?"
    assert session_owns_thread(thread, str(me.id)) and js_date(thread["updated_at"])
    assert [p["id"] for p in thread["participants"]] == [me.id, nino.id, giorgi.id]


def test_row_36_direct_thread_from_a_profile(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    assert thread["id"] and session_owns_thread(thread, str(me.id))  # mergeThread keeps it
    assert direct_thread(me, nino)["id"] == thread["id"]
    assert direct_thread(nino, me)["id"] == thread["id"]


def test_row_36_direct_thread_with_an_initial_message_sends_it_once(server, sign_up):
    me, nino = sign_up(), sign_up()
    first = me.post("/threads/direct/", {"user_id": str(nino.id), "initial_message": "hi!"})
    retry = me.post("/threads/direct/", {"user_id": str(nino.id), "initial_message": "hi!"})
    assert (first.status_code, retry.status_code) == (201, 200), (first.text, retry.text)
    assert first.json()["last_message"]["body"] == "hi!"
    messages = nino.get("/messages/", thread=str(first.json()["id"])).json()["results"]
    assert [m["body"] for m in messages] == ["hi!"]


# --- rows 37, 38, 32: reading and sending ---------------------------------------------------------------------


def test_row_38_send_with_the_apps_fallback_key_and_retry(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    response = send(me, thread["id"], "hello", FALLBACK_KEY)
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["client_uuid"] == FALLBACK_KEY  # appendMessage drops the pending entry by this key
    assert message["thread"] == thread["id"] and message["status"] == "sent" and message["body"] == "hello"
    retry = send(me, thread["id"], "hello", FALLBACK_KEY)  # flushPendingQueue after a lost response
    assert retry.status_code == 200 and retry.json()["id"] == message["id"]
    conflict = send(me, thread["id"], "something else", FALLBACK_KEY)
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"


def test_row_38_send_with_a_uuid_key_and_a_reply(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    question = send(nino, thread["id"], "coffee?", random_uuid_key()).json()
    key = random_uuid_key()
    response = send(me, thread["id"], "yes", key, reply_to=question["id"])
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["client_uuid"] == key
    assert message["reply_to"] == {
        "id": question["id"],
        "sender_id": nino.id,
        "text_preview": "coffee?",
        "has_attachments": False,
    }


def test_row_37_the_chat_reads_a_threads_messages(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    mine = send(me, thread["id"], "one", FALLBACK_KEY).json()
    theirs = send(nino, thread["id"], "two", random_uuid_key()).json()
    me.post(f"/messages/{theirs['id']}/reactions/", {"emoji": "❤️"})
    response = me.get("/messages/", thread=str(thread["id"]))  # getThreadMessages: `?thread=<id>`
    assert response.status_code == 200, response.text
    results = extract_results(response.json())
    assert [m["id"] for m in results] == [theirs["id"], mine["id"]]
    latest = results[0]
    assert latest["thread"] == thread["id"] and latest["sender"]["id"] == nino.id and latest["sender"]["name"]
    assert latest["body"] == "two" and latest["type"] == "text" and latest["status"] == "sent"
    assert latest["reactions"] == [{"emoji": "❤️", "count": 1, "reacted_by_current_user": True}]
    assert results[1]["client_uuid"] == FALLBACK_KEY and js_date(latest["created_at"])


def test_row_32_multipart_send_with_attachments_reply_and_key(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    question = send(nino, thread["id"], "show me", random_uuid_key()).json()

    def post(client_uuid: str):  # sendMessageWithAttachments: FormData as the app builds it
        return me.post(
            f"/threads/{thread['id']}/messages/",
            data={"body": "here", "client_uuid": client_uuid, "reply_to_message_id": str(question["id"])},
            files=[
                ("attachments", ("attachment-1.jpeg", image_bytes(), "image/jpeg")),
                ("attachments", ("attachment-2.jpeg", image_bytes("PNG"), "image/jpeg")),
            ],
        )

    response = post(FALLBACK_KEY)
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["client_uuid"] == FALLBACK_KEY and message["reply_to"]["id"] == question["id"]
    assert [a["mime_type"].split("/")[0] for a in message["attachments"]] == ["image", "image"]
    assert all(a["url"].startswith("http") for a in message["attachments"])  # normalizeAttachments keeps them
    again = post(FALLBACK_KEY)  # the offline queue flushing the same entry
    assert again.status_code == 200 and again.json()["id"] == message["id"]
    no_key = post("")  # `form.append('client_uuid', clientUuid ?? '')`
    assert no_key.status_code == 201, no_key.text
    assert no_key.json()["id"] != message["id"] and uuid.UUID(no_key.json()["client_uuid"])


# --- rows 39–41, 44, 46: acting on messages -------------------------------------------------------------------


def test_row_39_ack_delivered(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    message = send(me, thread["id"], "ping", FALLBACK_KEY).json()
    response = nino.post(f"/messages/{message['id']}/ack/", {"status": "delivered"})
    assert response.status_code == 200, response.text
    assert me.get(f"/messages/{message['id']}/").json()["status"] == "delivered"


def test_row_40_toggle_a_reaction(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    message = send(nino, thread["id"], "joke", random_uuid_key()).json()
    added = me.post(f"/messages/{message['id']}/reactions/", {"emoji": "😂"})
    assert added.status_code == 200, added.text
    assert added.json()["reactions"] == [{"emoji": "😂", "count": 1, "reacted_by_current_user": True}]
    removed = me.post(f"/messages/{message['id']}/reactions/", {"emoji": "😂"})
    assert removed.json()["reactions"] == []


def test_row_41_delete_a_message(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    message = send(me, thread["id"], "oops", FALLBACK_KEY).json()
    assert me.delete(f"/messages/{message['id']}/").status_code == 200
    seen = nino.get("/messages/", thread=str(thread["id"])).json()["results"]
    assert seen[0]["id"] == message["id"] and seen[0]["deleted"] is True and seen[0]["body"] == ""


def test_row_44_mark_read_with_a_string_id(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    message = send(nino, thread["id"], "read me", random_uuid_key()).json()
    assert me.get("/threads/").json()["results"][0]["unread_count"] == 1
    response = me.post(f"/threads/{thread['id']}/read/", {"last_read_message_id": str(message["id"])})
    assert response.status_code == 200, response.text
    assert me.get("/threads/").json()["results"][0]["unread_count"] == 0
    assert nino.get(f"/messages/{message['id']}/").json()["status"] == "read"
    assert me.post(f"/threads/{thread['id']}/read/", {}).status_code == 200  # no latest message id known


def test_row_46_typing_signal(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    assert me.post(f"/threads/{thread['id']}/typing/", {"is_typing": True}).status_code == 200
    assert me.post(f"/threads/{thread['id']}/typing/", {"is_typing": False}).status_code == 200


# --- row 45: typing status ------------------------------------------------------------------------------------


def test_row_45_typing_status_as_get_typing_status_reads_it(server, sign_up):
    me, nino = sign_up(name="Me"), sign_up(name="Nino")
    thread = direct_thread(me, nino)
    idle = me.get(f"/threads/{thread['id']}/typing/").json()
    assert idle["typing_user_ids"] == [] and idle.get("users") == []  # typing: false
    nino.post(f"/threads/{thread['id']}/typing/", {"is_typing": True})
    response = me.get(f"/threads/{thread['id']}/typing/").json()
    user = response["users"][0]
    status = {
        "typing": len(response["typing_user_ids"]) > 0,
        "userId": str(user.get("id", response["typing_user_ids"][0])),
        "userName": user.get("name"),
        "userHandle": user.get("handle"),
    }
    assert status == {"typing": True, "userId": str(nino.id), "userName": "Nino", "userHandle": nino.user["handle"]}


# --- row 43: the polling fallback -----------------------------------------------------------------------------


def test_row_43_sync_gives_the_polling_fallback_the_missed_messages(server, sign_up):
    me, nino = sign_up(), sign_up()
    thread = direct_thread(me, nino)
    seen = send(nino, thread["id"], "seen", random_uuid_key()).json()
    missed = [send(nino, thread["id"], f"missed {n}", random_uuid_key()).json()["id"] for n in range(2)]
    # syncThreadMessages(activeThreadId, since = the latest local message id)
    response = me.get(f"/threads/{thread['id']}/sync/", since=str(seen["id"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [m["id"] for m in extract_results(body)] == missed
    assert body["has_more"] is False and body["thread"]["id"] == thread["id"]
    everything = me.get(f"/threads/{thread['id']}/sync/").json()  # no local messages yet: no `since`
    assert [m["id"] for m in extract_results(everything)] == [seen["id"], *missed]


# --- row 42: "Delete conversation" ----------------------------------------------------------------------------


def test_row_42_delete_conversation_hides_a_direct_thread_until_the_next_message(server, sign_up):
    me, nino = sign_up(), sign_up(name="Nino")
    thread = direct_thread(me, nino)
    old = send(nino, thread["id"], "old news", random_uuid_key()).json()
    response = me.post(f"/threads/{thread['id']}/leave/", {})  # deleteThread, then syncThreads
    assert response.status_code == 204, response.text
    assert messages_tab(extract_results(me.get("/threads/").json()), str(me.id)) == []
    assert [t["id"] for t in nino.get("/threads/").json()["results"]] == [thread["id"]]  # not for Nino
    new = send(nino, thread["id"], "are you there?", random_uuid_key()).json()
    shown = messages_tab(extract_results(me.get("/threads/").json()), str(me.id))
    assert [t["id"] for t in shown] == [thread["id"]]
    assert thread_list_item(shown[0], str(me.id))["preview"] == "are you there?"
    history = extract_results(me.get("/messages/", thread=str(thread["id"])).json())
    assert [m["id"] for m in history] == [new["id"]]  # the old history stays gone
    assert me.get(f"/messages/{old['id']}/").status_code == 404


def test_row_42_delete_conversation_on_a_group_leaves_it(server, sign_up):
    me, nino, giorgi = sign_up(), sign_up(), sign_up()
    group = me.post("/threads/", {"participant_ids": [nino.id, giorgi.id]}).json()
    assert nino.post(f"/threads/{group['id']}/leave/", {}).status_code == 204
    assert nino.get("/threads/").json()["results"] == []
    assert [p["id"] for p in me.get(f"/threads/{group['id']}/").json()["participants"]] == [me.id, giorgi.id]
