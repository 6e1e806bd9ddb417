"""Posts, comments, likes, their uploads and their realtime channels: rows 17–24, 29, 30, 48 and 49 of the
mobile-app contract, replayed as the app makes them (`src/api/social.ts`, `src/api/likes.ts`,
`components/comments/useCommentsController.ts`, `screens/feed/view/FeedScreen.tsx`,
`components/comments/CommentsBottomSheet.tsx`, `src/realtime/index.ts`)."""

from __future__ import annotations

import json
import re

import pytest
from websockets.sync.client import connect

from tests.contract.app import App, frame_of_type, frames_until
from tests.media.videos import mp4, quicktime
from tests.profiles.images import image_bytes

pytestmark = pytest.mark.integration


# --- what the app does with a response ---------------------------------------------------------------------


def following_in_card(post: dict) -> bool:
    """FeedPostCard / SoulReelItem: `author.is_following`, else `author.flags.following || is_following`."""
    author = post["author"]
    if "is_following" in author:
        return bool(author["is_following"])
    flags = author.get("flags") or {}
    return bool(flags.get("following") or flags.get("is_following"))


def comment_body(comment: dict) -> str:
    """normalizeComment: `body` when it is a non-empty string, else `text`."""
    body = comment.get("body")
    return body if isinstance(body, str) and body else comment.get("text") or ""


def comment_image_urls(comment: dict) -> list[str]:
    """normalizeComment: `images[]` as strings or `{url}` / `{uri}`."""
    urls = []
    for item in comment.get("images") or []:
        url = item if isinstance(item, str) else (item.get("url") or item.get("uri"))
        if isinstance(url, str) and url:
            urls.append(url)
    return urls


AUTH_ERROR = re.compile(r"expired\s*token|unauthorized", re.IGNORECASE)


def app_logs_out_on(frame: dict) -> bool:
    """src/realtime/index.ts + auth/isAuthExpiredError: an `error` frame with status 401 or an auth-like text."""
    if frame.get("type") != "error":
        return False
    text = " ".join(str(frame[k]) for k in ("message", "detail", "reason", "error") if frame.get(k))
    return frame.get("status") == 401 or bool(AUTH_ERROR.search(text))


def raw_socket(app: App, channels: str):
    """`connectRealtime(token, {channels})` without the test client's ping-first check (a refused channel's
    error frame comes before anything else)."""
    url = f"{app.server_url.replace('http', 'ws', 1)}/ws?token={app.token}&channels={channels}"
    return connect(url, open_timeout=10)


def comments_sheet(app: App, post_id: int) -> list[dict]:
    """useCommentsController: page 1, then 2, 3 … (`/comments/?post=<id>&page=N`), appending what is new, until
    a page adds nothing."""
    shown: list[dict] = []
    for page in range(1, 100):
        response = app.get(f"/comments/?post={post_id}&page={page}")
        assert response.status_code == 200, response.text
        data = response.json()
        results = data if isinstance(data, list) else data.get("results", [])
        seen = {str(c["id"]) for c in shown}
        new = [c for c in results if str(c["id"]) not in seen]
        shown += new
        if not new:
            return shown
    raise AssertionError("the comments never ended")


def create_post_json(app: App, text: str) -> dict:
    """createPost without media: `{text, visibility: undefined, language: undefined}` (axios drops undefined)."""
    response = app.post("/posts/", {"text": text})
    assert response.status_code == 201, response.text
    return response.json()


def make_comments(post_id: int, count: int) -> list[int]:
    """Comments by other people, written directly (the app's own comment call has its own rows)."""
    from tests.posts.factories import CommentFactory

    return [CommentFactory(post_id=post_id, text=f"comment {n}").id for n in range(count)]


# --- rows 17 and 18: create a text post, read it -----------------------------------------------------------


def test_row_17_create_post_json(sign_up):
    app = sign_up()
    post = create_post_json(app, "Hello from the app")
    assert post["id"] and post["text"] == "Hello from the app" and post["author"]["id"] == app.id
    assert post["like_count"] == 0 and post["comment_count"] == 0 and post["liked"] is False
    assert post["video"] is None and post["images"] == []


def test_row_17_visibility_and_language_when_sent(sign_up):
    response = sign_up().post("/posts/", {"text": "for followers", "visibility": "followers", "language": "ka"})
    assert response.status_code == 201, response.text
    assert response.json()["visibility"] == "followers" and response.json()["language"] == "ka"


def test_row_18_post_detail_with_the_authors_follow_state(sign_up):
    author, reader = sign_up(), sign_up()
    post = create_post_json(author, "follow me")
    detail = reader.get(f"/posts/{post['id']}/").json()
    assert detail["author"]["is_following"] is False and not following_in_card(detail)
    assert reader.post(f"/users/{author.id}/follow/", {}).status_code == 200
    detail = reader.get(f"/posts/{post['id']}/").json()
    assert following_in_card(detail) and detail["author"]["flags"]["following"] is True
    assert {"id", "name", "handle", "photo"} <= set(detail["author"])
    # FeedPostCard opens the author's profile (and, later, gifts) with `author.account_key`.
    assert detail["author"]["account_key"] == author.user["account_key"]
    assert {"text", "images", "video", "like_count", "comment_count", "liked", "created_at"} <= set(detail)
    assert reader.delete(f"/users/{author.id}/follow/").status_code in {200, 204}
    assert not following_in_card(reader.get(f"/posts/{post['id']}/").json())


def test_row_18_a_post_you_may_not_see_is_a_404(sign_up):
    author, stranger = sign_up(), sign_up()
    response = author.post("/posts/", {"text": "just me", "visibility": "private"})
    assert stranger.get(f"/posts/{response.json()['id']}/").status_code == 404


# --- rows 19, 20, 23, 24: likes ----------------------------------------------------------------------------


def test_rows_19_and_20_like_and_unlike_a_post(sign_up):
    author, fan = sign_up(), sign_up()
    post = create_post_json(author, "like me")
    liked = fan.post(f"/posts/{post['id']}/like/", {})
    assert liked.status_code == 200 and liked.json() == {"liked": True, "like_count": 1}
    assert fan.get(f"/posts/{post['id']}/").json()["liked"] is True
    unliked = fan.delete(f"/posts/{post['id']}/unlike/")
    assert unliked.status_code == 200 and unliked.json() == {"liked": False, "like_count": 0}


def test_rows_23_and_24_like_and_unlike_a_comment(sign_up):
    author, fan = sign_up(), sign_up()
    post = create_post_json(author, "comment on me")
    comment = author.post("/comments/", {"post": str(post["id"]), "body": "mine", "text": "mine"}).json()
    liked = fan.post(f"/comments/{comment['id']}/like/", {})
    assert liked.status_code == 200 and liked.json() == {"liked": True, "like_count": 1}
    listed = fan.get(f"/comments/?post={post['id']}&page=1").json()["results"]
    assert listed[0]["liked"] is True and listed[0]["like_count"] == 1  # CommentsBottomSheet's initial state
    unliked = fan.delete(f"/comments/{comment['id']}/unlike/")
    assert unliked.status_code == 200 and unliked.json() == {"liked": False, "like_count": 0}


# --- rows 21 and 22: comments ------------------------------------------------------------------------------


def test_row_21_the_comments_sheet_pages_through_every_comment_oldest_first(sign_up):
    author, reader = sign_up(), sign_up()
    post = create_post_json(author, "many comments")
    written = make_comments(post["id"], 47)
    shown = comments_sheet(reader, post["id"])
    assert [c["id"] for c in shown] == written
    assert all(comment_body(c).startswith("comment ") for c in shown)
    assert {"id", "author", "like_count", "liked", "created_at"} <= set(shown[0])


def test_row_21_post_details_loads_the_first_page_without_a_page_number(sign_up):
    author = sign_up()
    post = create_post_json(author, "details")
    written = make_comments(post["id"], 25)
    body = author.get(f"/comments/?post={post['id']}").json()
    assert [c["id"] for c in body["results"]] == written[:20]
    rest = author.get(body["next"]).json()  # the cursor still works, as a URL
    assert [c["id"] for c in rest["results"]] == written[20:] and rest["next"] is None


def test_row_21_comment_authors_carry_the_readers_follow_state(sign_up):
    author, commenter, reader = sign_up(), sign_up(), sign_up()
    post = create_post_json(author, "who follows whom")
    commenter.post("/comments/", {"post": str(post["id"]), "body": "hi", "text": "hi"})
    reader.post(f"/users/{commenter.id}/follow/", {})
    comment = reader.get(f"/comments/?post={post['id']}&page=1").json()["results"][0]
    assert comment["author"]["is_following"] is True and comment["author"]["flags"]["following"] is True


def test_row_22_comment_json_with_body_and_text(sign_up):
    author, reader = sign_up(), sign_up()
    post = create_post_json(author, "say something")
    response = reader.post("/comments/", {"post": str(post["id"]), "body": "Nice one", "text": "Nice one"})
    assert response.status_code == 201, response.text
    comment = response.json()
    assert comment_body(comment) == "Nice one" and comment["author"]["id"] == reader.id
    assert reader.get(f"/posts/{post['id']}/").json()["comment_count"] == 1
    assert comments_sheet(reader, post["id"])[-1]["id"] == comment["id"]  # shown last, where the app appends it


def test_row_22_body_and_text_that_differ_are_refused(sign_up):
    app = sign_up()
    post = create_post_json(app, "x")
    response = app.post("/comments/", {"post": str(post["id"]), "body": "one", "text": "two"})
    assert response.status_code == 422 and "body" in response.json()["errors"]


# --- rows 29 and 30: uploads -------------------------------------------------------------------------------


def test_row_29_post_with_images_as_the_app_builds_the_form(sign_up):
    app = sign_up()
    response = app.post(
        "/posts/",
        data={"text": "two photos"},
        files=[
            ("images", ("upload-0.jpg", image_bytes(), "image/jpeg")),
            ("images", ("upload-1.jpg", image_bytes("PNG"), "image/jpeg")),  # always labelled jpeg
        ],
    )
    assert response.status_code == 201, response.text
    post = response.json()
    assert [i["mime_type"] for i in post["images"]] == ["image/jpeg", "image/png"]
    assert all(i["url"].startswith(app.server_url) for i in post["images"])
    detail = app.get(f"/posts/{post['id']}/").json()
    assert [i["url"] for i in detail["images"]] == [i["url"] for i in post["images"]]


def test_row_29_image_only_post_with_empty_text(sign_up):
    app = sign_up()
    response = app.post("/posts/", data={"text": ""}, files=[("images", ("upload-0.jpg", image_bytes(), "image/jpeg"))])
    assert response.status_code == 201, response.text
    assert response.json()["text"] == "" and len(response.json()["images"]) == 1


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [("upload.mp4", mp4(duration=6_000), "video/mp4"), ("IMG_0420.MOV", quicktime(duration=6_000), "video/quicktime")],
)
def test_row_29_post_with_a_video(sign_up, name, content, mime):
    app = sign_up()
    response = app.post("/posts/", data={"text": "a clip"}, files=[("video", (name, content, mime))])
    assert response.status_code == 201, response.text
    video = response.json()["video"]
    assert video["url"].startswith(app.server_url) and video["duration"] == 6.0
    assert {"thumbnail_url", "width", "height", "mime_type"} <= set(video)


def test_row_30_comment_with_images_as_the_app_builds_the_form(sign_up):
    author, reader = sign_up(), sign_up()
    post = create_post_json(author, "show me")
    response = reader.post(
        "/comments/",
        data={"post": str(post["id"]), "body": "look", "text": "look"},
        files=[
            ("images", ("comment-photo-1.jpg", image_bytes(), "image/jpeg")),
            ("images", ("comment-photo-2.jpg", image_bytes(), "image/jpeg")),
        ],
    )
    assert response.status_code == 201, response.text
    comment = response.json()
    assert comment_body(comment) == "look" and len(comment_image_urls(comment)) == 2


def test_row_30_image_only_comment(sign_up):
    author = sign_up()
    post = create_post_json(author, "photo reply")
    response = author.post(
        "/comments/",
        data={"post": str(post["id"]), "body": "", "text": ""},
        files=[("images", ("comment-photo-1.jpg", image_bytes(), "image/jpeg"))],
    )
    assert response.status_code == 201, response.text
    assert comment_image_urls(response.json())


# --- rows 48 and 49: the post: and comment: channels -------------------------------------------------------


def test_row_48_post_channels_carry_live_counts(sign_up):
    author, reader, fan = sign_up(), sign_up(), sign_up()
    posts = [create_post_json(author, f"visible {n}") for n in range(2)]
    channels = sorted(f"post:{p['id']}" for p in posts)  # buildChannelList: deduplicated, sorted
    with reader.socket(channels=channels) as ws:
        fan.post(f"/posts/{posts[0]['id']}/like/", {})
        frame = frame_of_type(ws, "post:counts")
        assert frame["topic"] == f"post:{posts[0]['id']}" and frame["post_id"] == posts[0]["id"]
        assert (frame["like_count"], frame["comment_count"]) == (1, 0)
        assert frame["payload"] == {"post_id": posts[0]["id"], "like_count": 1, "comment_count": 0}
        fan.post("/comments/", {"post": str(posts[1]["id"]), "body": "hey", "text": "hey"})
        frame = frame_of_type(ws, "post:counts")
        assert (frame["post_id"], frame["like_count"], frame["comment_count"]) == (posts[1]["id"], 0, 1)
        # FeedScreen's handler acts on `gift.received` only and the socket layer only on `error` frames.
        assert frame["type"] not in {"gift.received", "error", "auth_error"} and not app_logs_out_on(frame)


def test_row_48_a_post_you_may_not_see_is_refused_without_logging_out(sign_up):
    author, stranger = sign_up(), sign_up()
    private = author.post("/posts/", {"text": "secret", "visibility": "private"}).json()
    public = create_post_json(author, "open")
    channels = ",".join(sorted([f"post:{private['id']}", f"post:{public['id']}"]))
    with raw_socket(stranger, channels) as ws:  # the refusal arrives first, before any pong
        refusal = frame_of_type(ws, "error")
        assert refusal["code"] == "channel_forbidden" and refusal["channel"] == f"post:{private['id']}"
        assert not app_logs_out_on(refusal)  # the app keeps the socket and the session
        ws.send(json.dumps({"type": "ping"}))
        assert frame_of_type(ws, "pong")
        author.post(f"/posts/{private['id']}/like/", {})
        author.post(f"/posts/{public['id']}/like/", {})
        frame = frame_of_type(ws, "post:counts")
        assert frame["post_id"] == public["id"]  # the private post's like was never sent here


def test_row_49_comment_channels_carry_live_like_counts(sign_up):
    author, reader, fan = sign_up(), sign_up(), sign_up()
    post = create_post_json(author, "thread")
    comments = [
        author.post("/comments/", {"post": str(post["id"]), "body": f"c{n}", "text": f"c{n}"}).json() for n in range(2)
    ]
    channels = sorted(f"comment:{c['id']}" for c in comments)
    with reader.socket(channels=channels) as ws:
        fan.post(f"/comments/{comments[1]['id']}/like/", {})
        frame = frame_of_type(ws, "comment:counts")
        assert frame["topic"] == f"comment:{comments[1]['id']}"
        assert (frame["comment_id"], frame["post_id"], frame["like_count"]) == (comments[1]["id"], post["id"], 1)
        fan.delete(f"/comments/{comments[1]['id']}/unlike/")
        assert frame_of_type(ws, "comment:counts")["like_count"] == 0
        assert not app_logs_out_on(frame)


def test_row_49_comments_on_a_post_you_may_not_see_are_refused(sign_up):
    author, stranger = sign_up(), sign_up()
    private = author.post("/posts/", {"text": "secret", "visibility": "private"}).json()
    comment = author.post("/comments/", {"post": str(private["id"]), "body": "hidden", "text": "hidden"}).json()
    with raw_socket(stranger, f"comment:{comment['id']}") as ws:
        frames = frames_until(ws, lambda f: f.get("type") == "error")
        assert frames[-1]["code"] == "channel_forbidden" and not app_logs_out_on(frames[-1])
