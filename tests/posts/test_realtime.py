"""Live counts on the `post:<id>` and `comment:<id>` realtime channels (contract rows 48 and 49)."""

import itertools
import threading

import pytest
from django.db import connection

from modules.posts.selectors import can_follow_comment, can_follow_post
from modules.realtime.events import EVENT_TYPES
from modules.realtime.models import RealtimeEvent
from tests.conftest import client_for
from tests.factories import BlockFactory, FollowFactory, UserFactory
from tests.posts.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


def published(topic: str) -> list[tuple[str, dict]]:
    """(type, payload) of the events on `topic`, in delivery order."""
    return [(e.type, e.payload) for e in RealtimeEvent.objects.filter(topic=topic).order_by("txid", "id")]


def test_a_like_and_an_unlike_publish_the_posts_counts(api):
    post = PostFactory(comment_count=0)
    api.post(f"/posts/{post.id}/like/")
    api.post(f"/posts/{post.id}/like/")  # already liked: nothing changes, nothing is sent
    api.delete(f"/posts/{post.id}/unlike/")
    api.delete(f"/posts/{post.id}/unlike/")
    counts = {"post_id": post.id, "comment_count": 0}
    assert published(f"post:{post.id}") == [
        ("post:counts", {**counts, "like_count": 1}),
        ("post:counts", {**counts, "like_count": 0}),
    ]


def test_comments_written_and_deleted_publish_the_posts_counts(api):
    post = PostFactory()
    first = api.post("/comments/", {"post": post.id, "text": "one"}).json()
    api.post("/comments/", {"post": post.id, "text": "reply", "parent": first["id"]})
    api.delete(f"/comments/{first['id']}/")  # and its reply
    assert [payload["comment_count"] for _, payload in published(f"post:{post.id}")] == [1, 2, 0]


def test_a_comment_like_publishes_the_comments_count(api):
    comment = CommentFactory()
    api.post(f"/comments/{comment.id}/like/")
    api.delete(f"/comments/{comment.id}/unlike/")
    assert published(f"comment:{comment.id}") == [
        ("comment:counts", {"comment_id": comment.id, "post_id": comment.post_id, "like_count": 1}),
        ("comment:counts", {"comment_id": comment.id, "post_id": comment.post_id, "like_count": 0}),
    ]
    assert published(f"post:{comment.post_id}") == []  # a comment's likes are not the post's


def test_a_refused_comment_publishes_nothing(api):
    post = PostFactory()
    assert api.post("/comments/", {"post": post.id, "text": "x", "parent": CommentFactory().id}).status == 400
    assert published(f"post:{post.id}") == []


def test_the_events_are_in_the_catalog():
    assert set(EVENT_TYPES["post:counts"].model_fields) == {"post_id", "like_count", "comment_count"}
    assert set(EVENT_TYPES["comment:counts"].model_fields) == {"comment_id", "post_id", "like_count"}


def test_only_who_may_see_a_post_or_comment_may_follow_its_channel():
    author, follower, stranger, blocked = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    FollowFactory(follower=follower, followee=author)
    BlockFactory(blocker=author, blocked=blocked)
    public, followers_only = PostFactory(author=author), PostFactory(author=author, visibility="followers")
    on_public = CommentFactory(post=public)
    on_followers_only = CommentFactory(post=followers_only)
    for user, expected in ((author, True), (follower, True), (stranger, False), (blocked, False)):
        assert can_follow_post(user.id, followers_only.id) is expected
        assert can_follow_comment(user.id, on_followers_only.id) is expected
    assert can_follow_post(stranger.id, public.id) and can_follow_comment(stranger.id, on_public.id)
    assert not can_follow_post(blocked.id, public.id) and not can_follow_comment(blocked.id, on_public.id)


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_and_comments_arrive_in_commit_order():
    """Each change locks the post before any other write, so the counts on the channel only ever go up here and
    the last event is the post's final state."""
    post = PostFactory()
    clients = [client_for(UserFactory()) for _ in range(8)]
    barrier = threading.Barrier(len(clients))

    def act(n, client):
        requests = [("POST", f"/posts/{post.id}/like/", None), ("POST", "/comments/", {"post": post.id, "text": "x"})]
        barrier.wait()
        for method, path, body in requests if n % 2 else requests[::-1]:  # half like first, half comment first
            assert client.request(method, path, json_body=body).status in {200, 201}
        connection.close()

    threads = [threading.Thread(target=act, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = [(p["like_count"], p["comment_count"]) for _, p in published(f"post:{post.id}")]
    assert len(counts) == 16
    # Every event adds one like or one comment to the one before it.
    assert all(sum(b) - sum(a) == 1 and b[0] >= a[0] and b[1] >= a[1] for a, b in itertools.pairwise(counts))
    post.refresh_from_db()
    assert counts[-1] == (post.like_count, post.comment_count) == (8, 8)
