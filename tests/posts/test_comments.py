import pytest

from modules.posts.models import Comment, Post
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.posts.factories import CommentFactory, PostFactory
from tests.profiles.images import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }
    return tmp_path


def test_comment_reply_and_counts(api):
    post = PostFactory()
    first = api.post("/comments/", {"post": post.id, "text": "first!"})
    assert first.status == 201, first
    reply = api.post("/comments/", {"post": post.id, "text": "reply", "parent": first.json()["id"]})
    assert reply.status == 201 and reply.json()["parent"] == first.json()["id"]
    post.refresh_from_db()
    assert post.comment_count == 2


def test_comment_with_images_multipart(api):
    post = PostFactory()
    response = api.request(
        "POST", "/comments/", data={"post": str(post.id), "images": [upload("a.jpg", image_bytes())]}
    )
    assert response.status == 201, response
    assert len(response.json()["images"]) == 1


def test_parent_must_be_on_the_same_post(api):
    other = CommentFactory()
    response = api.post("/comments/", {"post": PostFactory().id, "text": "x", "parent": other.id})
    assert response.status == 400 and response.json()["code"] == "parent_on_other_post"


@pytest.mark.parametrize(
    "body", [{"post": 1}, {"text": "no post"}, {"post": "abc", "text": "x"}, {"post": 1, "text": "x" * 2001}]
)
def test_invalid_comments(api, body):
    PostFactory(id=1)
    response = api.post("/comments/", body)
    assert response.status == 422 or (response.status == 422 and "errors" in response.json())


def test_comments_are_listed_oldest_first_with_a_cursor(api):
    post = PostFactory()
    comments = [CommentFactory(post=post, text=f"c{n}") for n in range(5)]
    page = api.get("/comments/", post=post.id, limit=3).json()
    rest = api.get("/comments/", post=post.id, limit=3, cursor=page["next"]).json()
    assert [c["id"] for c in page["results"] + rest["results"]] == [c.id for c in comments]
    assert rest["next"] is None


def test_only_the_author_edits_or_deletes_a_comment(api):
    comment = CommentFactory(author=api.user)
    other = client_for(UserFactory())
    assert other.patch(f"/comments/{comment.id}/", {"text": "no"}).status == 403
    assert other.delete(f"/comments/{comment.id}/").status == 403
    assert api.patch(f"/comments/{comment.id}/", {"text": "fixed typo"}).json()["text"] == "fixed typo"


def test_deleting_a_comment_removes_its_replies_and_fixes_the_count(api):
    post = PostFactory()
    root = api.post("/comments/", {"post": post.id, "text": "root"}).json()
    child = api.post("/comments/", {"post": post.id, "text": "child", "parent": root["id"]}).json()
    api.post("/comments/", {"post": post.id, "text": "grandchild", "parent": child["id"]})
    api.post("/comments/", {"post": post.id, "text": "sibling"})
    assert api.delete(f"/comments/{root['id']}/").status == 204
    post.refresh_from_db()
    assert post.comment_count == 1
    assert list(Comment.objects.filter(post=post).values_list("text", flat=True)) == ["sibling"]


def test_comment_likes(api):
    comment = CommentFactory()
    assert api.post(f"/comments/{comment.id}/like/").json() == {"liked": True, "like_count": 1}
    assert api.post(f"/comments/{comment.id}/like/").json()["like_count"] == 1
    assert api.delete(f"/comments/{comment.id}/unlike/").json() == {"liked": False, "like_count": 0}


def test_deleting_the_post_deletes_its_comments(api):
    post = PostFactory(author=api.user)
    CommentFactory(post=post)
    api.delete(f"/posts/{post.id}/")
    assert not Comment.objects.exists() and not Post.objects.exists()


def test_comments_of_unknown_post(api):
    assert api.get("/comments/", post=999999).status == 404
