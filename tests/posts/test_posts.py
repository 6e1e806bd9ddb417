import threading

import pytest
from django.db import connection

from modules.posts.models import Post, PostLike
from modules.social.models import UserStats
from tests.conftest import client_for
from tests.factories import BlockFactory, FollowFactory, UserFactory
from tests.posts.factories import PostFactory, PostLikeFactory
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


def test_create_text_post_json(api):
    response = api.post("/posts/", {"text": "  Hello SelfLink  ", "visibility": "followers", "language": "ka"})
    assert response.status == 201, response
    body = response.json()
    assert body["text"] == "Hello SelfLink" and body["visibility"] == "followers" and body["language"] == "ka"
    assert body["author"]["id"] == api.user.id and body["images"] == [] and body["video"] is None
    assert body["like_count"] == 0 and body["liked"] is False
    assert UserStats.objects.get(user=api.user).posts_count == 1


def test_create_post_with_images_multipart(api):
    response = api.request(
        "POST",
        "/posts/",
        data={"text": "two photos", "images": [upload("a.jpg", image_bytes()), upload("b.png", image_bytes("PNG"))]},
    )
    assert response.status == 201, response
    images = response.json()["images"]
    assert len(images) == 2
    assert all(i["url"].startswith("http://testserver/media/") for i in images)
    assert all(i["thumbnail_url"] for i in images)
    assert [i["mime_type"] for i in images] == ["image/jpeg", "image/png"]


def test_image_only_post_is_allowed(api):
    response = api.request("POST", "/posts/", data={"images": [upload("a.jpg", image_bytes())]})
    assert response.status == 201
    assert response.json()["text"] == ""


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"text": ""}, "empty_post"),
        ({"text": "x", "language": "english"}, None),
        ({"text": "x", "visibility": "friends"}, None),
        ({"text": "x" * 5001}, None),
    ],
)
def test_invalid_posts(api, data, code):
    response = api.post("/posts/", data)
    assert response.status == 422, response
    if code:
        assert response.json()["code"] == code
    assert not Post.objects.exists()


def test_too_many_images(api):
    response = api.request("POST", "/posts/", data={"images": [upload(f"{n}.jpg", image_bytes()) for n in range(5)]})
    assert response.status == 422 and response.json()["code"] == "too_many_images"
    assert not Post.objects.exists()


def test_renamed_text_file_is_refused_and_nothing_is_kept(api, media_root):
    response = api.request(
        "POST",
        "/posts/",
        data={"text": "x", "images": [upload("ok.jpg", image_bytes()), upload("evil.jpg", b"<script>")]},
    )
    assert response.status == 415
    assert not Post.objects.exists()


def test_post_rate_limit(api, settings):
    from selflink.env import Rate

    settings.RATE_POSTS_PER_USER = Rate(2, 60)
    assert api.post("/posts/", {"text": "1"}).status == 201
    assert api.post("/posts/", {"text": "2"}).status == 201
    limited = api.post("/posts/", {"text": "3"})
    assert limited.status == 429 and "Retry-After" in limited.headers


def test_only_the_author_edits_or_deletes(api):
    post = PostFactory(author=api.user, text="original")
    other = client_for(UserFactory())
    assert other.patch(f"/posts/{post.id}/", {"text": "hacked"}).status == 403
    assert other.delete(f"/posts/{post.id}/").status == 403
    edited = api.patch(f"/posts/{post.id}/", {"text": "edited", "visibility": "private"}).json()
    assert edited["text"] == "edited" and edited["visibility"] == "private" and edited["edited_at"]
    assert other.patch(f"/posts/{post.id}/", {"text": "x"}).status == 404  # private now: not even visible
    assert api.delete(f"/posts/{post.id}/").status == 204
    assert api.get(f"/posts/{post.id}/").status == 404


def test_delete_removes_media_files(api, media_root, django_capture_on_commit_callbacks):
    created = api.request("POST", "/posts/", data={"text": "pic", "images": [upload("a.jpg", image_bytes())]}).json()
    stored = media_root / created["images"][0]["url"].split("/media/", 1)[1]
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        api.delete(f"/posts/{created['id']}/")
    assert not stored.exists()


def test_like_and_unlike_are_idempotent(api):
    post = PostFactory()
    assert api.post(f"/posts/{post.id}/like/").json() == {"liked": True, "like_count": 1}
    assert api.post(f"/posts/{post.id}/like/").json() == {"liked": True, "like_count": 1}
    assert api.get(f"/posts/{post.id}/").json()["liked"] is True
    assert api.delete(f"/posts/{post.id}/unlike/").json() == {"liked": False, "like_count": 0}
    assert api.delete(f"/posts/{post.id}/unlike/").json() == {"liked": False, "like_count": 0}


def test_likers_list_hides_blocked_people(api):
    post = PostFactory()
    fan, blocker = UserFactory(), UserFactory()
    PostLikeFactory(post=post, user=fan)
    PostLikeFactory(post=post, user=blocker)
    BlockFactory(blocker=blocker, blocked=api.user)
    assert [u["id"] for u in api.get(f"/posts/{post.id}/likes/").json()["results"]] == [fan.id]


@pytest.mark.django_db(transaction=True)
def test_counters_stay_exact_under_concurrent_likes():
    post = PostFactory()
    clients = [client_for(UserFactory()) for _ in range(10)]
    barrier = threading.Barrier(len(clients))

    def hammer(client):
        barrier.wait()
        for _ in range(3):
            client.post(f"/posts/{post.id}/like/")
            client.delete(f"/posts/{post.id}/unlike/")
            client.post(f"/posts/{post.id}/like/")
        connection.close()

    threads = [threading.Thread(target=hammer, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    post.refresh_from_db()
    assert post.like_count == PostLike.objects.filter(post=post).count() == 10


@pytest.mark.django_db(transaction=True)
def test_likes_racing_a_delete_never_fail_with_500():
    author = UserFactory()
    post = PostFactory(author=author)
    author_client = client_for(author)
    likers = [client_for(UserFactory()) for _ in range(8)]
    statuses: list[int] = []
    barrier = threading.Barrier(len(likers) + 1)

    def like(client):
        barrier.wait()
        statuses.append(client.post(f"/posts/{post.id}/like/").status)
        connection.close()

    def delete():
        barrier.wait()
        statuses.append(author_client.delete(f"/posts/{post.id}/").status)
        connection.close()

    threads = [threading.Thread(target=like, args=(c,)) for c in likers] + [threading.Thread(target=delete)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(statuses) <= {200, 204, 404}
    assert not Post.objects.filter(id=post.id).exists()
    assert not PostLike.objects.filter(post_id=post.id).exists()


def test_posts_of_a_user_respect_visibility(api):
    author = UserFactory()
    public, followers, private = (PostFactory(author=author, visibility=v) for v in ("public", "followers", "private"))
    seen = {p["id"] for p in api.get(f"/users/{author.id}/posts/").json()["results"]}
    assert seen == {public.id}
    FollowFactory(follower=api.user, followee=author)
    seen = {p["id"] for p in api.get(f"/users/{author.id}/posts/").json()["results"]}
    assert seen == {public.id, followers.id}
    own = client_for(author).get(f"/users/{author.id}/posts/").json()["results"]
    assert {p["id"] for p in own} == {public.id, followers.id, private.id}


def test_unauthenticated_requests_are_refused(anon):
    post = PostFactory()
    assert anon.get(f"/posts/{post.id}/").status == 401
    assert anon.post("/posts/", {"text": "x"}).status == 401
    assert anon.get("/feed/for_you/").status == 401
    assert anon.get("/feed/rules/").status == 200


def test_deleting_an_account_removes_its_posts_and_media(api, django_capture_on_commit_callbacks):
    from modules.media.models import MediaAsset

    api.request("POST", "/posts/", data={"text": "pic", "images": [upload("a.jpg", image_bytes())]})
    with django_capture_on_commit_callbacks(execute=True):
        api.user.delete()
    assert not Post.objects.exists() and not MediaAsset.objects.exists()


# --- what the mobile app sends and reads (contract rows 17, 18, 29) ----------------------------------------


def test_author_follow_state_is_the_viewers(api):
    followed, stranger = UserFactory(), UserFactory()
    FollowFactory(follower=api.user, followee=followed)
    mine, theirs, other = PostFactory(author=api.user), PostFactory(author=followed), PostFactory(author=stranger)
    for post, following in ((mine, False), (theirs, True), (other, False)):
        author = api.get(f"/posts/{post.id}/").json()["author"]
        assert author["is_following"] is following and author["flags"] == {"following": following}
    listed = api.get(f"/users/{followed.id}/posts/").json()["results"]
    assert [p["author"]["is_following"] for p in listed] == [True]
    # The same post seen by someone else: the state is the viewer's, not the first reader's.
    assert client_for(stranger).get(f"/posts/{theirs.id}/").json()["author"]["is_following"] is False


def test_an_image_only_post_as_the_app_sends_it(api):
    """Multipart with `text=""` and images named `upload-N.jpg`, all typed image/jpeg (a PNG among them)."""
    response = api.request(
        "POST",
        "/posts/",
        data={
            "text": "",
            "images": [upload("upload-0.jpg", image_bytes()), upload("upload-1.jpg", image_bytes("PNG"))],
        },
    )
    assert response.status == 201, response
    body = response.json()
    assert body["text"] == "" and [i["mime_type"] for i in body["images"]] == ["image/jpeg", "image/png"]


def test_a_video_post_with_visibility_and_language_multipart(api):
    from tests.media.videos import mp4, video_upload

    response = api.request(
        "POST",
        "/posts/",
        data={
            "text": "clip",
            "visibility": "followers",
            "language": "ka",
            "video": video_upload("upload.mp4", mp4(duration=4_000)),
        },
    )
    assert response.status == 201, response
    body = response.json()
    assert body["visibility"] == "followers" and body["language"] == "ka" and body["images"] == []
    assert body["video"]["url"].startswith("http://testserver/media/") and body["video"]["duration"] == 4.0


def test_a_text_post_as_json_and_unknown_fields_refused(api):
    assert api.post("/posts/", {"text": "hello"}).status == 201
    refused = api.post("/posts/", {"text": "hello", "content": "hello"})
    assert refused.status == 422 and refused.json()["code"] == "unknown_field" and "content" in refused.json()["errors"]


def test_a_file_under_another_name_is_an_unknown_field(api):
    response = api.request("POST", "/posts/", data={"text": "x", "image": upload("a.jpg", image_bytes())})
    assert response.status == 422 and response.json()["code"] == "unknown_field"
    assert list(response.json()["errors"]) == ["image"]
    assert not Post.objects.exists()
