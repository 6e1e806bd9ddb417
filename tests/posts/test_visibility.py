"""The visibility and block matrix, on every path that can reveal a post."""

import pytest

from tests.conftest import client_for
from tests.factories import BlockFactory, FollowFactory, UserFactory
from tests.posts.factories import CommentFactory, PostFactory, PostLikeFactory

pytestmark = pytest.mark.django_db

AUTHOR, FOLLOWER, STRANGER, BLOCKED = "author", "follower", "stranger", "blocked"
EXPECTED = {  # (viewer, visibility) → visible?
    (AUTHOR, "public"): True,
    (AUTHOR, "followers"): True,
    (AUTHOR, "private"): True,
    (FOLLOWER, "public"): True,
    (FOLLOWER, "followers"): True,
    (FOLLOWER, "private"): False,
    (STRANGER, "public"): True,
    (STRANGER, "followers"): False,
    (STRANGER, "private"): False,
    (BLOCKED, "public"): False,
    (BLOCKED, "followers"): False,
    (BLOCKED, "private"): False,
}


@pytest.fixture
def world():
    author, follower, stranger, blocked = (
        UserFactory(name=n, handle=n) for n in (AUTHOR, FOLLOWER, STRANGER, "blockedone")
    )
    FollowFactory(follower=follower, followee=author)
    FollowFactory(follower=blocked, followee=author)  # following does not survive a block…
    BlockFactory(blocker=author, blocked=blocked)  # …in the service; here the factory only adds the block row
    posts = {
        v: PostFactory(author=author, visibility=v, text=f"zebra sighting {v}")
        for v in ("public", "followers", "private")
    }
    for post in posts.values():
        CommentFactory(post=post)
        PostLikeFactory(post=post)
    clients = {
        AUTHOR: client_for(author),
        FOLLOWER: client_for(follower),
        STRANGER: client_for(stranger),
        BLOCKED: client_for(blocked),
    }
    return posts, clients


@pytest.mark.parametrize(("viewer", "visibility"), sorted(EXPECTED))
def test_detail_comments_likes_and_lists(world, viewer, visibility):
    posts, clients = world
    post, client = posts[visibility], clients[viewer]
    visible = EXPECTED[(viewer, visibility)]
    assert (client.get(f"/posts/{post.id}/").status == 200) is visible
    assert (client.get("/comments/", post=post.id).status == 200) is visible
    assert (client.get(f"/posts/{post.id}/likes/").status == 200) is visible
    assert (client.post(f"/posts/{post.id}/like/").status == 200) is visible
    assert (client.post("/comments/", {"post": post.id, "text": "hi"}).status == 201) is visible
    listed = {p["id"] for p in client.get(f"/users/{post.author_id}/posts/").json()["results"]}
    assert (post.id in listed) is visible


@pytest.mark.parametrize("viewer", [FOLLOWER, STRANGER, BLOCKED])
def test_feeds_and_search(world, viewer):
    posts, clients = world
    client = clients[viewer]
    expected = {p.id for v, p in posts.items() if EXPECTED[(viewer, v)]}
    following = {i["id"] for i in client.get("/feed/following/").json()["items"]}
    for_you = {i["id"] for i in client.get("/feed/for_you/").json()["items"]}
    searched = {p["id"] for p in client.get("/search/posts/", q="zebra").json()["results"]}
    assert searched == expected
    assert for_you == expected
    assert following == (expected if viewer == FOLLOWER else set())


def test_a_comment_by_a_blocked_user_is_hidden(world):
    posts, clients = world
    stranger_client = clients[STRANGER]
    post = posts["public"]
    blocker = UserFactory()
    comment = CommentFactory(post=post, author=blocker)
    BlockFactory(blocker=blocker, blocked=stranger_client.user)
    ids = {c["id"] for c in stranger_client.get("/comments/", post=post.id).json()["results"]}
    assert comment.id not in ids
    assert stranger_client.post(f"/comments/{comment.id}/like/").status == 404
