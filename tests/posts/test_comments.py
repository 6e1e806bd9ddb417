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


# --- what the mobile app sends and reads (contract rows 21, 22, 30) ----------------------------------------


def test_body_and_text_with_the_same_text_as_the_app_sends_them(api):
    post = PostFactory()
    response = api.post("/comments/", {"post": str(post.id), "body": "hi there", "text": "hi there"})
    assert response.status == 201, response
    assert response.json()["text"] == "hi there"


def test_body_alone_is_the_text(api):
    response = api.post("/comments/", {"post": PostFactory().id, "body": "  only body  "})
    assert response.status == 201, response
    assert response.json()["text"] == "only body"


def test_body_and_text_that_differ_are_refused(api):
    response = api.post("/comments/", {"post": PostFactory().id, "body": "one", "text": "two"})
    assert response.status == 422, response
    assert response.json()["code"] == "validation_error" and "body" in response.json()["errors"]
    assert not Comment.objects.exists()


def test_an_image_only_comment_as_the_app_sends_it(api):
    """Multipart: `post`, `body` and `text` (both empty) and the images."""
    post = PostFactory()
    response = api.request(
        "POST",
        "/comments/",
        data={"post": str(post.id), "body": "", "text": "", "images": [upload("comment-photo-1.jpg", image_bytes())]},
    )
    assert response.status == 201, response
    assert response.json()["text"] == "" and len(response.json()["images"]) == 1


def test_a_multipart_comment_with_text_and_body(api):
    post = PostFactory()
    response = api.request(
        "POST",
        "/comments/",
        data={"post": str(post.id), "body": "look", "text": "look", "images": [upload("a.jpg", image_bytes())]},
    )
    assert response.status == 201, response
    assert response.json()["text"] == "look"


def test_comments_page_by_number_through_all_of_them_oldest_first(api):
    post = PostFactory()
    comments = [CommentFactory(post=post, text=f"c{n}") for n in range(45)]
    pages = [api.get("/comments/", post=str(post.id), page=n).json() for n in (1, 2, 3, 4)]
    assert [len(p["results"]) for p in pages] == [20, 20, 5, 0]
    assert [c["id"] for p in pages for c in p["results"]] == [c.id for c in comments]
    assert pages[2]["next"] is None and pages[3]["next"] is None
    # A numbered page's `next` is the cursor URL of the following page (no `page` in it).
    assert "page=" not in pages[0]["next"] and "cursor=" in pages[0]["next"]
    follow = api.get("/comments/", post=post.id, cursor=pages[0]["next"]).json()
    assert [c["id"] for c in follow["results"]] == [c.id for c in comments[20:40]]


def test_numbered_pages_do_not_move_when_comments_arrive(api):
    post = PostFactory()
    comments = [CommentFactory(post=post) for _ in range(5)]
    first = api.get("/comments/", post=post.id, page=1, page_size=3).json()
    CommentFactory(post=post)
    second = api.get("/comments/", post=post.id, page=2, page_size=3).json()
    assert [c["id"] for c in first["results"] + second["results"]] == [c.id for c in comments] + [
        second["results"][-1]["id"]
    ]


def test_numbered_pages_leave_out_blocked_authors(api):
    from tests.factories import BlockFactory

    post = PostFactory()
    blocker = UserFactory()
    BlockFactory(blocker=blocker, blocked=api.user)
    kept = [CommentFactory(post=post, author=blocker) if n % 2 else CommentFactory(post=post) for n in range(6)]
    visible = [c.id for c in kept if c.author_id != blocker.id]
    assert [c["id"] for c in api.get("/comments/", post=post.id, page=1, limit=2).json()["results"]] == visible[:2]
    assert [c["id"] for c in api.get("/comments/", post=post.id, page=2, limit=2).json()["results"]] == visible[2:]


@pytest.mark.parametrize("query", [{"page": 0}, {"page": 10_001}, {"page": "x"}, {"page": 2, "cursor": "abc"}])
def test_bad_page_numbers_are_refused(api, query):
    post = PostFactory()
    response = api.get("/comments/", post=post.id, **query)
    assert response.status == 422, response


def test_comment_authors_carry_the_viewers_follow_state(api):
    from tests.factories import FollowFactory

    post = PostFactory()
    followed, stranger = UserFactory(), UserFactory()
    FollowFactory(follower=api.user, followee=followed)
    CommentFactory(post=post, author=followed)
    CommentFactory(post=post, author=stranger)
    authors = [c["author"] for c in api.get("/comments/", post=post.id).json()["results"]]
    assert [(a["is_following"], a["flags"]["following"]) for a in authors] == [(True, True), (False, False)]
    created = api.post("/comments/", {"post": post.id, "text": "me"}).json()
    assert created["author"]["is_following"] is False


def test_a_comment_file_under_another_name_is_an_unknown_field(api):
    post = PostFactory()
    response = api.request(
        "POST", "/comments/", data={"post": post.id, "text": "x", "video": upload("a.jpg", image_bytes())}
    )
    assert response.status == 422 and response.json()["code"] == "unknown_field"
    assert list(response.json()["errors"]) == ["video"] and not Comment.objects.exists()
