"""Blocks on posts and comments, in both directions (issue 10, Low "Blocks"): people blocked either way do not exist
for each other, so neither can comment on the other's posts, reply to the other's comments, like either, or reach
the other with a mention. The conversations of third parties stay open to both."""

import pytest

from modules.notifications.models import Notification
from modules.posts.models import Comment
from tests.conftest import client_for
from tests.factories import BlockFactory, UserFactory
from tests.posts.factories import CommentFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    """(blocker, blocked) signed-in clients, and a public post of a third person where both may talk."""
    blocker, blocked = client_for(UserFactory(handle="blocker")), client_for(UserFactory(handle="blocked"))
    BlockFactory(blocker=blocker.user, blocked=blocked.user)
    return blocker, blocked, PostFactory(author=UserFactory())


def directions(pair):
    blocker, blocked, post = pair
    return [(blocked, blocker, post), (blocker, blocked, post)]  # (actor, the other one, a third person's post)


@pytest.mark.parametrize("direction", [0, 1], ids=["blocked_to_blocker", "blocker_to_blocked"])
def test_no_reply_to_the_others_comment(pair, direction):
    actor, other, post = directions(pair)[direction]
    their_comment = CommentFactory(post=post, author=other.user)
    response = actor.post("/comments/", {"post": post.id, "text": "actually…", "parent": their_comment.id})
    assert response.status == 404
    assert not Comment.objects.filter(parent=their_comment).exists()
    assert not Notification.objects.filter(recipient=other.user).exists()
    # The conversation itself stays open: a top-level comment, or a reply to a third person, is fine.
    assert actor.post("/comments/", {"post": post.id, "text": "hello"}).status == 201
    third = CommentFactory(post=post)
    assert actor.post("/comments/", {"post": post.id, "text": "yes", "parent": third.id}).status == 201


@pytest.mark.parametrize("direction", [0, 1], ids=["blocked_to_blocker", "blocker_to_blocked"])
def test_no_comment_or_like_on_the_others_posts_and_comments(pair, direction):
    actor, other, post = directions(pair)[direction]
    their_post = PostFactory(author=other.user)
    their_comment = CommentFactory(post=post, author=other.user)
    assert actor.post("/comments/", {"post": their_post.id, "text": "hi"}).status == 404
    assert actor.post(f"/posts/{their_post.id}/like/").status == 404
    assert actor.post(f"/comments/{their_comment.id}/like/").status == 404
    assert their_comment.id not in {c["id"] for c in actor.get("/comments/", post=post.id).json()["results"]}
    assert not Notification.objects.filter(recipient=other.user).exists()


@pytest.mark.parametrize("direction", [0, 1], ids=["blocked_to_blocker", "blocker_to_blocked"])
def test_mentions_do_not_reach_the_other(pair, direction):
    actor, other, post = directions(pair)[direction]
    handle = other.user.handle
    assert actor.post("/posts/", {"text": f"look @{handle}"}).status == 201
    assert actor.post("/comments/", {"post": post.id, "text": f"@{handle} see this"}).status == 201
    assert not Notification.objects.filter(recipient=other.user).exists()
