import uuid

import pytest

from modules.media.models import MediaAsset
from modules.messaging.models import Message, MessageAttachment, MessageReaction
from tests.media.videos import mp4, video_upload
from tests.messaging.conftest import direct, events, group, send, sent, user_topics
from tests.messaging.factories import MessageAttachmentFactory, MessageFactory, MessageReactionFactory
from tests.profiles.images import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(people):
    a, b = people(2)
    return a, b, direct(a, b)


def test_send_and_read_back_a_message(pair):
    a, b, thread = pair
    client_uuid = str(uuid.uuid4())
    response = a.post("/messages/", {"thread": thread["id"], "body": "  hi there ", "client_uuid": client_uuid})
    assert response.status == 201, response
    message = response.json()
    assert message["thread"] == thread["id"] and message["body"] == "hi there"
    assert message["sender"]["id"] == a.user.id and message["sender"]["handle"] == a.user.handle
    assert message["type"] == "text" and message["status"] == "sent" and message["client_uuid"] == client_uuid
    assert message["attachments"] == [] and message["reactions"] == [] and message["reply_to"] is None
    assert message["deleted"] is False and message["delivered_at"] is None and message["read_at"] is None
    assert b.get(f"/messages/{message['id']}/").json() == {
        **message,
        "sender": {**message["sender"], "is_following": False},
    }


def test_send_through_the_thread_path(pair):
    a, _, thread = pair
    response = a.post(f"/threads/{thread['id']}/messages/", {"body": "via path"})
    assert response.status == 201 and response.json()["thread"] == thread["id"]
    assert uuid.UUID(response.json()["client_uuid"])  # chosen by the server when the client sends none


def test_a_client_uuid_retry_returns_the_same_message(pair):
    a, b, thread = pair
    payload = {"thread": thread["id"], "body": "once", "client_uuid": str(uuid.uuid4())}
    first = a.post("/messages/", payload)
    again = a.post("/messages/", payload)
    via_path = a.post(f"/threads/{thread['id']}/messages/", {"body": "once", "client_uuid": payload["client_uuid"]})
    assert first.status == 201 and again.status == 200 and via_path.status == 200
    assert first.json()["id"] == again.json()["id"] == via_path.json()["id"]
    assert Message.objects.count() == 1
    assert len(events("message:new")) == 2  # one event per member, for the one message
    # The same uuid from another sender is another message.
    assert b.post("/messages/", payload).status == 201


def test_a_client_uuid_reused_for_something_else_conflicts(people):
    a, b, c = people(3)
    first, second = direct(a, b), direct(a, c)
    key = str(uuid.uuid4())
    assert a.post("/messages/", {"thread": first["id"], "body": "x", "client_uuid": key}).status == 201
    other_body = a.post("/messages/", {"thread": first["id"], "body": "y", "client_uuid": key})
    other_thread = a.post("/messages/", {"thread": second["id"], "body": "x", "client_uuid": key})
    assert other_body.status == other_thread.status == 409
    assert other_body.json()["code"] == "idempotency_conflict"
    assert Message.objects.count() == 1


def test_messages_list_newest_first_with_cursor(pair):
    a, b, thread = pair
    ids = [sent(a if n % 2 else b, thread["id"], f"m{n}")["id"] for n in range(5)]
    first = b.get("/messages/", thread=thread["id"], limit=3).json()
    second = b.get("/messages/", thread=thread["id"], limit=3, cursor=first["next"]).json()
    assert [m["id"] for m in first["results"] + second["results"]] == list(reversed(ids))
    assert second["next"] is None
    assert b.get("/messages/", thread=thread["id"], cursor="nope").json()["code"] == "invalid_cursor"
    assert b.get("/messages/").status == 422
    assert b.get("/messages/", thread="abc").status == 422


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"body": "x"}, 422),  # no thread
        ({"thread": "abc", "body": "x"}, 422),
        ({"thread": 1, "body": 5}, 422),
        ({"thread": 1, "body": "x", "client_uuid": "has space"}, 422),
        ({"thread": 1, "body": "x", "client_uuid": "x" * 65}, 422),
        ({"thread": 1, "body": "x", "client_uuid": 5}, 422),
        ({"thread": 1, "body": "x" * 4001}, 422),
        ({"thread": 1, "body": "x", "reply_to_message_id": -1}, 422),
        (["not", "an", "object"], 422),
    ],
)
def test_bad_message_input(pair, payload, status):
    a, _, thread = pair
    if isinstance(payload, dict) and payload.get("thread") == 1:
        payload = {**payload, "thread": thread["id"]}
    assert a.post("/messages/", payload).status == status
    assert not Message.objects.exists()


@pytest.mark.parametrize("extra", [{"type": "text"}, {"meta": {"k": 1}}, {"attachments": []}])
def test_fields_the_app_could_add_but_never_sends_are_refused_by_name(pair, extra):
    """sendMessageWithMeta may add `type`, `meta`, `attachments`; no reachable caller passes them."""
    a, _, thread = pair
    response = a.post("/messages/", {"thread": str(thread["id"]), "body": "x", **extra})
    assert response.status == 422 and response.json()["code"] == "unknown_field"
    assert set(response.json()["errors"]) == set(extra)


def test_malformed_and_unsupported_bodies(pair):
    a, _, thread = pair
    malformed = a.request("POST", "/messages/", raw=b'{"thread": ')
    assert malformed.status == 400 and malformed.json()["code"] == "malformed_json"
    assert a.request("POST", "/messages/", raw=b"thread=1", content_type="text/plain").status == 415
    too_big = a.request("POST", f"/threads/{thread['id']}/messages/", raw=b'{"body": "' + b"x" * 3_000_000 + b'"}')
    assert too_big.status == 413


def test_empty_message_is_refused(pair):
    a, _, thread = pair
    response = send(a, thread["id"], "   ")
    assert response.status == 422 and response.json()["code"] == "empty_message"


def test_sending_to_a_thread_you_are_not_in_is_404(pair, people):
    _, _, thread = pair
    (stranger,) = people(1)
    assert send(stranger, thread["id"]).status == 404
    assert stranger.post(f"/threads/{thread['id']}/messages/", {"body": "x"}).status == 404
    assert send(stranger, 999_999_999).status == 404
    assert not Message.objects.exists()


def test_non_members_cannot_reach_a_message(pair, people):
    a, _, thread = pair
    message = sent(a, thread["id"])
    (stranger,) = people(1)
    mid = message["id"]
    assert stranger.get(f"/messages/{mid}/").status == 404
    assert stranger.delete(f"/messages/{mid}/").status == 404
    assert stranger.post(f"/messages/{mid}/ack/", {"status": "delivered"}).status == 404
    assert stranger.post(f"/messages/{mid}/reactions/", {"emoji": "👍"}).status == 404
    assert stranger.get("/messages/", thread=thread["id"]).status == 404
    assert stranger.get(f"/threads/{thread['id']}/sync/", since=0).status == 404
    assert not MessageReaction.objects.exists()


def test_replies_stay_in_their_thread(people):
    a, b, c = people(3)
    thread, other = direct(a, b), direct(a, c)
    original = sent(b, thread["id"], "question " * 30)
    elsewhere = sent(c, other["id"], "elsewhere")
    reply = sent(a, thread["id"], "answer", reply_to_message_id=original["id"])
    assert reply["reply_to"] == {
        "id": original["id"],
        "sender_id": b.user.id,
        "text_preview": ("question " * 30)[:100],
        "has_attachments": False,
    }
    wrong = send(a, thread["id"], "x", reply_to_message_id=elsewhere["id"])
    assert wrong.status == 400 and wrong.json()["code"] == "reply_to_other_thread"
    assert send(a, thread["id"], "x", reply_to_message_id=999_999_999).status == 400


def test_images_as_multipart_attachments(pair):
    a, b, thread = pair
    response = a.request(
        "POST",
        f"/threads/{thread['id']}/messages/",
        data={
            "body": "photos",
            "client_uuid": str(uuid.uuid4()),
            "attachments": [upload("a.jpg", image_bytes()), upload("b.png", image_bytes("PNG"))],
        },
    )
    assert response.status == 201, response
    message = response.json()
    assert message["type"] == "image" and len(message["attachments"]) == 2
    assert [x["kind"] for x in message["attachments"]] == ["image", "image"]
    assert all(x["url"].startswith("http://testserver/media/") and x["thumbnail_url"] for x in message["attachments"])
    reply = sent(b, thread["id"], "nice", reply_to_message_id=message["id"])
    assert reply["reply_to"]["has_attachments"] is True


def test_attachments_only_and_multipart_on_messages_path(pair):
    a, _, thread = pair
    response = a.request(
        "POST", "/messages/", data={"thread": str(thread["id"]), "attachments": [upload("a.jpg", image_bytes())]}
    )
    assert response.status == 201, response
    assert response.json()["body"] == "" and response.json()["type"] == "image"


def test_one_video(pair):
    a, _, thread = pair
    response = a.request(
        "POST", f"/threads/{thread['id']}/messages/", data={"attachments": [video_upload("clip.mp4", mp4())]}
    )
    assert response.status == 201, response
    message = response.json()
    assert message["type"] == "video"
    assert message["attachments"][0]["kind"] == "video" and message["attachments"][0]["duration"] == 12.345


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ([upload(f"{n}.jpg", image_bytes()) for n in range(5)], 422, "too_many_attachments"),
        ([upload("a.jpg", image_bytes()), video_upload("v.mp4", mp4())], 422, "mixed_media"),
        ([video_upload("v.mp4", mp4()), video_upload("w.mp4", mp4())], 422, "mixed_media"),
        ([upload("ok.jpg", image_bytes()), upload("evil.jpg", b"<script>alert(1)</script>")], 415, None),
    ],
)
def test_refused_attachments_keep_nothing(pair, files, status, code):
    a, _, thread = pair
    response = a.request("POST", f"/threads/{thread['id']}/messages/", data={"body": "x", "attachments": files})
    assert response.status == status, response
    if code:
        assert response.json()["code"] == code
    assert not Message.objects.exists() and not MediaAsset.objects.exists()


def test_a_retry_with_attachments_keeps_one_copy(pair):
    a, _, thread = pair
    key = str(uuid.uuid4())

    def post():
        return a.request(
            "POST",
            f"/threads/{thread['id']}/messages/",
            data={"body": "pic", "client_uuid": key, "attachments": [upload("a.jpg", image_bytes())]},
        )

    assert post().status == 201 and post().status == 200
    assert Message.objects.count() == 1 and MediaAsset.objects.count() == 1


def test_delete_leaves_a_tombstone_for_everyone(pair, django_capture_on_commit_callbacks, isolated_media):
    a, b, thread = pair
    message = a.request(
        "POST",
        f"/threads/{thread['id']}/messages/",
        data={"body": "oops", "attachments": [upload("a.jpg", image_bytes())]},
    ).json()
    stored = isolated_media / message["attachments"][0]["url"].split("/media/", 1)[1].split("?")[0]  # a signed URL
    assert stored.exists()
    b.post(f"/messages/{message['id']}/reactions/", {"emoji": "😂"})
    reply = sent(b, thread["id"], "what?", reply_to_message_id=message["id"])
    assert b.delete(f"/messages/{message['id']}/").json()["code"] == "not_sender"
    with django_capture_on_commit_callbacks(execute=True):
        response = a.delete(f"/messages/{message['id']}/")
    assert response.status == 200, response
    tombstone = response.json()
    assert tombstone["deleted"] is True and tombstone["body"] == "" and tombstone["attachments"] == []
    assert tombstone["reactions"] == [] and tombstone["id"] == message["id"]
    assert not stored.exists() and not MediaAsset.objects.exists() and not MessageAttachment.objects.exists()
    seen = b.get("/messages/", thread=thread["id"]).json()["results"]
    assert [m["id"] for m in seen] == [reply["id"], message["id"]] and seen[1]["deleted"] is True
    assert seen[0]["reply_to"] == {
        "id": message["id"],
        "sender_id": a.user.id,
        "text_preview": "",
        "has_attachments": False,
    }
    deleted = events("message:deleted")
    assert {e.topic for e in deleted} == user_topics(a, b)
    assert deleted[0].payload["message"]["deleted"] is True
    # Deleting again changes nothing; reacting to a tombstone is refused.
    assert a.delete(f"/messages/{message['id']}/").status == 200
    assert len(events("message:deleted")) == 2
    refused = b.post(f"/messages/{message['id']}/reactions/", {"emoji": "👍"})
    assert refused.status == 400 and refused.json()["code"] == "message_deleted"
    # Tombstones do not count as unread.
    assert b.get(f"/threads/{thread['id']}/").json()["unread_count"] == 0


def test_reactions_toggle(people):
    a, b, c = people(3)
    thread = group(a, b, c)
    message = sent(a, thread["id"])
    url = f"/messages/{message['id']}/reactions/"
    first = b.post(url, {"emoji": "👍"}).json()
    assert first["action"] == "added" and first["emoji"] == "👍"
    assert first["reactions"] == [{"emoji": "👍", "count": 1, "reacted_by_current_user": True}]
    c.post(url, {"emoji": "👍"})
    c.post(url, {"emoji": "❤️"})
    seen_by_a = a.get(f"/messages/{message['id']}/").json()["reactions"]
    assert seen_by_a == [
        {"emoji": "👍", "count": 2, "reacted_by_current_user": False},
        {"emoji": "❤️", "count": 1, "reacted_by_current_user": False},
    ]
    removed = b.post(url, {"emoji": "👍"}).json()
    assert removed["action"] == "removed"
    assert removed["reactions"][0] == {"emoji": "👍", "count": 1, "reacted_by_current_user": False}
    events_ = events("message:reaction")
    assert {e.topic for e in events_} == user_topics(a, b, c)
    last_for = {e.topic: e.payload for e in events_}
    assert last_for[f"user:{c.user.id}"]["reactions"][0]["reacted_by_current_user"] is True
    assert last_for[f"user:{a.user.id}"]["reactions"][0]["reacted_by_current_user"] is False
    assert last_for[f"user:{a.user.id}"]["user_id"] == b.user.id
    assert last_for[f"user:{a.user.id}"]["action"] == "removed"


@pytest.mark.parametrize("emoji", ["👍🏽", "👨‍👩‍👧", "🇬🇪", "1️⃣", "❤️"])
def test_emoji_sequences_are_accepted(pair, emoji):
    a, _, thread = pair
    message = sent(a, thread["id"])
    response = a.post(f"/messages/{message['id']}/reactions/", {"emoji": emoji})
    assert response.status == 200, response


@pytest.mark.parametrize("emoji", ["", "a", "hello", "1", " ", "👍 👍", "x" * 17, 5, None])
def test_non_emoji_reactions_are_refused(pair, emoji):
    a, _, thread = pair
    message = sent(a, thread["id"])
    assert a.post(f"/messages/{message['id']}/reactions/", {"emoji": emoji}).status == 422
    assert a.request("POST", f"/messages/{message['id']}/reactions/", raw=b"{").status == 400


def test_reactions_per_person_are_bounded(pair):
    a, _, thread = pair
    message = sent(a, thread["id"])
    emojis = ["😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊"]
    for emoji in emojis:
        assert a.post(f"/messages/{message['id']}/reactions/", {"emoji": emoji}).status == 200
    over = a.post(f"/messages/{message['id']}/reactions/", {"emoji": "😋"})
    assert over.status == 422 and over.json()["code"] == "too_many_reactions"
    assert MessageReaction.objects.count() == 10


def test_message_rate_limit(pair, settings):
    from selflink.env import Rate

    a, _, thread = pair
    settings.RATE_MESSAGES_PER_USER = Rate(2, 60)
    assert send(a, thread["id"]).status == 201
    assert send(a, thread["id"]).status == 201
    limited = send(a, thread["id"])
    assert limited.status == 429 and "Retry-After" in limited.headers


def test_messages_of_deactivated_accounts_disappear(pair):
    a, b, thread = pair
    message = sent(b, thread["id"], "from b")
    b.user.is_active = False
    b.user.save()
    assert a.get("/messages/", thread=thread["id"]).json()["results"] == []
    assert a.get(f"/messages/{message['id']}/").status == 404
    listed = a.get("/threads/").json()["results"][0]
    assert listed["last_message"] is None and [p["id"] for p in listed["participants"]] == [a.user.id]
    assert listed["unread_count"] == 0


def test_factories_build_consistent_rows(db):
    attachment = MessageAttachmentFactory()
    reaction = MessageReactionFactory(message=attachment.message)
    assert attachment.message.type == "image" and reaction.message.reactions.count() == 1
    assert MessageFactory().thread.last_message_id is not None
