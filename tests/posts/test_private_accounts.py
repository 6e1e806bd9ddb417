"""A private account's posts, on every path that can reveal a post (issue 10, item 5): until a follow request is
approved, the requester sees exactly what a stranger sees, which is nothing; an approved follower sees public and
followers-only posts. Posts of public accounts keep the per-post visibility (tests/posts/test_visibility.py)."""

import pytest

from modules.notifications.models import Notification
from modules.realtime.access import authorize
from tests.conftest import client_for
from tests.factories import FollowFactory, UserFactory
from tests.posts.factories import CommentFactory, PostFactory, PostLikeFactory

pytestmark = pytest.mark.django_db

OWNER, FOLLOWER, REQUESTER, STRANGER = "owner", "follower", "requester", "stranger"
VISIBLE = {  # viewer → the visibilities of the private account's posts they see
    OWNER: {"public", "followers", "private"},
    FOLLOWER: {"public", "followers"},
    REQUESTER: set(),
    STRANGER: set(),
}


@pytest.fixture
def world():
    owner = UserFactory(handle="owner", privacy="private")
    follower, requester, stranger = (UserFactory(handle=n) for n in (FOLLOWER, REQUESTER, STRANGER))
    FollowFactory(follower=follower, followee=owner)
    clients = {OWNER: client_for(owner), FOLLOWER: client_for(follower)}
    clients |= {REQUESTER: client_for(requester), STRANGER: client_for(stranger)}
    clients[REQUESTER].post(f"/users/{owner.id}/follow/")  # a pending request (202, tests/social)
    posts = {
        v: PostFactory(author=owner, visibility=v, text=f"quokka sighting {v}")
        for v in ("public", "followers", "private")
    }
    comments = {v: CommentFactory(post=post, author=follower) for v, post in posts.items()}
    for post in posts.values():
        PostLikeFactory(post=post, user=follower)
    return owner, posts, comments, clients


@pytest.mark.parametrize("viewer", sorted(VISIBLE))
@pytest.mark.parametrize("visibility", ["public", "followers", "private"])
def test_each_post_path(world, viewer, visibility):
    owner, posts, comments, clients = world
    client, post, comment = clients[viewer], posts[visibility], comments[visibility]
    visible = visibility in VISIBLE[viewer]
    assert (client.get(f"/posts/{post.id}/").status == 200) is visible
    assert (client.get("/comments/", post=post.id).status == 200) is visible
    assert (client.get(f"/posts/{post.id}/likes/").status == 200) is visible
    assert (client.post(f"/comments/{comment.id}/like/").status == 200) is visible
    assert (client.post(f"/posts/{post.id}/like/").status == 200) is visible
    assert (client.post("/comments/", {"post": post.id, "text": "hi"}).status == 201) is visible
    listed = {p["id"] for p in client.get(f"/users/{owner.id}/posts/").json()["results"]}
    assert (post.id in listed) is visible
    # Realtime: the post's and the comment's counts channels are open only to those who may see them.
    assert authorize(client.user.id, f"post:{post.id}") is visible
    assert authorize(client.user.id, f"comment:{comment.id}") is visible


@pytest.mark.parametrize("viewer", [FOLLOWER, REQUESTER, STRANGER])
def test_feeds_and_search(world, viewer):
    _, posts, _, clients = world
    client = clients[viewer]
    expected = {p.id for v, p in posts.items() if v in VISIBLE[viewer]}
    assert {p["id"] for p in client.get("/search/posts/", q="quokka").json()["results"]} == expected
    assert {i["id"] for i in client.get("/feed/for_you/").json()["items"]} == expected
    assert {i["id"] for i in client.get("/feed/following/").json()["items"]} == expected
    assert {i["id"] for i in client.get("/feed/home/").json()["items"]} == expected


def test_approval_opens_and_unfollowing_closes_again(world):
    owner, posts, _, clients = world
    requester = clients[REQUESTER]
    public = posts["public"]
    assert requester.get(f"/posts/{public.id}/").status == 404
    clients[OWNER].post(f"/users/me/follow-requests/{requester.user.id}/approve/")
    assert requester.get(f"/posts/{public.id}/").status == 200
    assert requester.get(f"/posts/{posts['followers'].id}/").status == 200
    assert requester.get(f"/users/{owner.id}/followers/").status == 200
    requester.delete(f"/users/{owner.id}/follow/")
    assert requester.get(f"/posts/{public.id}/").status == 404
    assert requester.get(f"/users/{owner.id}/followers/").status == 403


def test_a_feed_page_read_after_the_follow_ends_leaves_the_posts_out(world):
    owner, posts, _, clients = world
    follower = clients[FOLLOWER]
    first = follower.get("/feed/for_you/", limit=1).json()
    assert first["next"]
    follower.delete(f"/users/{owner.id}/follow/")
    rest = follower.get("/feed/for_you/", limit=10, cursor=first["next"]).json()
    assert not {i["id"] for i in rest["items"]} & {p.id for p in posts.values()}


def test_going_public_shows_public_posts_to_everyone(world):
    _, posts, _, clients = world
    clients[OWNER].patch("/users/me/", {"settings": {"privacy": "public"}})
    stranger = clients[STRANGER]
    assert stranger.get(f"/posts/{posts['public'].id}/").status == 200
    assert stranger.get(f"/posts/{posts['followers'].id}/").status == 404
    # The pending request was approved with the switch: the requester now follows.
    assert clients[REQUESTER].get(f"/posts/{posts['followers'].id}/").status == 200


def test_mentions_in_a_private_accounts_posts_reach_only_followers(world):
    clients = world[3]
    response = clients[OWNER].post("/posts/", {"text": "hello @follower and @stranger", "visibility": "public"})
    assert response.status == 201
    mentioned = set(Notification.objects.filter(type="mention").values_list("recipient__handle", flat=True))
    assert mentioned == {FOLLOWER}


def test_comments_of_a_private_account_on_public_posts_stay_visible(world):
    """A private account keeps its own posts for followers; what it writes under someone else's public post
    belongs to that conversation, which the post's author opened to everyone."""
    owner, _, _, clients = world
    public_post = PostFactory(author=UserFactory())
    comment = CommentFactory(post=public_post, author=owner)
    listed = {c["id"] for c in clients[STRANGER].get("/comments/", post=public_post.id).json()["results"]}
    assert comment.id in listed
