"""Private media: DM attachments, followers-only posts and private accounts' media are stored in the private
area and reachable only through signed URLs that expire; public posts' media stay public and cacheable."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client

from modules.media.models import MediaAsset
from modules.media.public import media_set_private, media_url
from modules.media.services import media_upload
from modules.media.signing import (
    MediaLinkError,
    MediaLinkExpired,
    private_url_check,
    private_url_expiry,
    private_url_query,
    private_url_signature,
)
from tests.conftest import client_for
from tests.deploy.test_compose import directive, location_for
from tests.factories import UserFactory
from tests.media.images import image_bytes, upload
from tests.media.videos import mp4, video_upload
from tests.messaging.conftest import direct

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def fetch(url: str, *, method: str = "GET"):
    """GET the URL as a stranger would (no credentials), through the app's routes."""
    parts = urlsplit(url)
    client = Client(raise_request_exception=False)
    return client.generic(method, parts.path, QUERY_STRING=parts.query)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def signed(url: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    return "/media/private/" in url and set(query) == {"exp", "sig"}


# --- the signature --------------------------------------------------------------------------------------------


def test_links_expire_after_the_ttl_and_are_stable_within_a_step(settings):
    settings.MEDIA_PRIVATE_URL_TTL_SECONDS = 3600
    now = NOW.timestamp()
    expires = private_url_expiry(now)
    assert now + 3600 < expires <= now + 3600 + 900
    assert private_url_query("private/a.jpg", now) == private_url_query("private/a.jpg", now + 1)
    assert private_url_query("private/a.jpg", now) != private_url_query("private/a.jpg", now + 900)


def test_a_valid_link_is_accepted_and_an_altered_one_refused():
    path = "private/images/2026/03/abc.jpg"
    expires = private_url_expiry()
    signature = private_url_signature(path, expires)
    assert private_url_check(path, str(expires), signature) == expires
    for bad in [
        ("private/images/2026/03/abd.jpg", str(expires), signature),  # another file
        (path, str(expires + 3600), signature),  # a longer life
        (path, str(expires), signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")),
        (path, str(expires), None),
        (path, None, signature),
        (path, "-1", signature),
        (path, "1e9", signature),
    ]:
        with pytest.raises(MediaLinkError) as caught:
            private_url_check(*bad)
        assert caught.type is MediaLinkError


def test_an_expired_link_is_refused_as_expired(frozen):
    path = "private/images/2026/03/abc.jpg"
    expires = private_url_expiry()
    signature = private_url_signature(path, expires)
    frozen.shift(dt.timedelta(seconds=expires - NOW.timestamp()))
    with pytest.raises(MediaLinkExpired):
        private_url_check(path, str(expires), signature)


def test_links_signed_with_a_previous_secret_key_still_verify(settings):
    path = "private/images/x.jpg"
    expires = private_url_expiry()
    old = private_url_signature(path, expires)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-tests-" + "x" * 20
    assert private_url_check(path, str(expires), old) == expires
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(MediaLinkError):
        private_url_check(path, str(expires), old)


# --- uploads and URLs -------------------------------------------------------------------------------------------


def test_private_uploads_go_to_the_private_area_and_get_signed_urls(user, media_root):
    image = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f", private=True)
    video = media_upload(video_upload("a.mp4", mp4()), owner_id=user.id, kind="video", field="f", private=True)
    public = media_upload(upload("b.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    assert image.path.startswith("private/images/") and image.thumbnail_path.startswith("private/thumbs/")
    assert video.path.startswith("private/videos/")
    assert (media_root / image.path).exists() and (media_root / video.path).exists()
    for path in (image.path, image.thumbnail_path, video.path):
        url = media_url(path)
        assert url.startswith("http://localhost:8000/media/private/") and signed(url)  # PUBLIC_BASE_URL
    assert media_url(public.path) == f"http://localhost:8000/media/{public.path}"


def test_a_signed_link_serves_the_file_until_it_expires(user, frozen):
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f", private=True)
    url = media_url(data.path)
    response = fetch(url)
    assert response.status_code == 200
    assert body(response) == default_storage.open(data.path).read()
    assert response["Content-Type"] == "image/jpeg"
    expires = int(parse_qs(urlsplit(url).query)["exp"][0])
    assert response["Cache-Control"] == f"private, max-age={expires - int(NOW.timestamp())}"
    assert "sandbox" in response["Content-Security-Policy"] and response["X-Content-Type-Options"] == "nosniff"
    assert fetch(url, method="HEAD").status_code == 200

    frozen.shift(dt.timedelta(seconds=expires - NOW.timestamp()))
    response = fetch(url)
    assert response.status_code == 403
    assert response.json()["code"] == "media_link_expired"
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda path, query: (path, ""),  # no signature at all
        lambda path, query: (path, urlencode({**query, "sig": "A" * 43})),
        lambda path, query: (path, urlencode({**query, "exp": int(query["exp"]) + 86400})),
        lambda path, query: (path.replace(".jpg", ".png"), urlencode(query)),
    ],
    ids=["unsigned", "forged signature", "extended expiry", "another file"],
)
def test_an_altered_link_is_refused(user, tamper):
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f", private=True)
    parts = urlsplit(media_url(data.path))
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path, query_string = tamper(parts.path, query)
    response = Client(raise_request_exception=False).get(path, QUERY_STRING=query_string)
    assert response.status_code == 403
    assert response.json() == {"detail": "This media link is not valid.", "code": "media_link_invalid"}


def test_the_private_file_is_not_reachable_by_its_path_in_the_public_area(user):
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f", private=True)
    assert fetch(f"http://testserver/media/{data.path.removeprefix('private/')}").status_code == 404


def test_only_get_and_head(user):
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f", private=True)
    response = fetch(media_url(data.path), method="POST")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


def test_behind_nginx_the_app_hands_the_file_back_with_x_accel_redirect(user, settings):
    settings.SERVE_MEDIA = False
    data = media_upload(video_upload("a.mp4", mp4()), owner_id=user.id, kind="video", field="f", private=True)
    response = fetch(media_url(data.path))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == "/_private_media/" + data.path.removeprefix("private/")
    assert response["Content-Type"] == "video/mp4"
    assert response["Cache-Control"].startswith("private, max-age=")


def test_nginx_never_serves_the_private_area_from_the_volume():
    private = location_for("/media/private/images/2026/03/x.jpg")
    assert directive(private.body, "proxy_pass") == ["http://selflink_app"]
    assert not directive(private.body, "root") and not directive(private.body, "alias")
    internal = location_for("/_private_media/images/2026/03/x.jpg")
    assert "internal;" in internal.body
    assert directive(internal.body, "alias") == ["/srv/media/private/"]
    assert any("sandbox" in value for value in directive(internal.body, "add_header"))
    assert not directive(internal.body, "expires")  # the app's Cache-Control (private, until expiry) stands
    public = location_for("/media/images/2026/03/x.jpg")
    assert directive(public.body, "root") == ["/srv"] and directive(public.body, "expires") == ["7d"]


# --- who gets what ----------------------------------------------------------------------------------------------


@pytest.fixture
def author(db):
    return client_for(UserFactory())


def post_with_image(client, **fields) -> dict:
    response = client.request(
        "POST", "/posts/", data={"text": "look", **fields, "images": [upload("a.jpg", image_bytes())]}
    )
    assert response.status == 201, response
    return response.json()


def public_file(url: str) -> str:
    """The storage path behind a public media URL (served from the volume by nginx, which the test above
    checks), asserting it is a plain permanent URL: no signature, no expiry."""
    parts = urlsplit(url)
    assert not parts.query and parts.path.startswith("/media/") and not parts.path.startswith("/media/private/")
    path = parts.path.removeprefix("/media/")
    assert default_storage.exists(path)
    return path


def test_a_public_posts_image_stays_public(author, frozen):
    post = post_with_image(author)
    image = post["images"][0]
    assert public_file(image["url"]).startswith("images/") and public_file(image["thumbnail_url"]).startswith("thumbs/")
    frozen.shift(dt.timedelta(days=30))  # nothing expires
    later = client_for(author.user)  # (a fresh access token: the first one expired meanwhile)
    assert later.get(f"/posts/{post['id']}/").json()["images"][0] == image


@pytest.mark.parametrize("visibility", ["followers", "private"])
def test_followers_only_and_only_me_posts_get_signed_urls(author, visibility):
    post = post_with_image(author, visibility=visibility)
    image = post["images"][0]
    assert signed(image["url"]) and signed(image["thumbnail_url"])
    assert fetch(image["url"]).status_code == 200


def test_a_private_accounts_posts_and_comments_get_signed_urls(author):
    author.user.privacy = "private"
    author.user.save(update_fields=["privacy"])
    post = post_with_image(author)
    assert signed(post["images"][0]["url"])
    comment = author.request(
        "POST", "/comments/", data={"post": str(post["id"]), "text": "x", "images": [upload("c.jpg", image_bytes())]}
    )
    assert comment.status == 201, comment
    assert signed(comment.json()["images"][0]["url"])


def test_comments_on_a_public_post_stay_public(author):
    post = post_with_image(author)
    comment = author.request(
        "POST", "/comments/", data={"post": str(post["id"]), "text": "x", "images": [upload("c.jpg", image_bytes())]}
    )
    assert "?" not in comment.json()["images"][0]["url"]


def test_dm_attachments_get_signed_urls_that_strangers_cannot_extend(db, frozen):
    a, b = client_for(UserFactory()), client_for(UserFactory())
    thread = direct(a, b)
    message = a.request(
        "POST",
        f"/threads/{thread['id']}/messages/",
        data={"body": "pic", "attachments": [upload("a.jpg", image_bytes())]},
    ).json()
    url = message["attachments"][0]["url"]
    assert signed(url) and signed(message["attachments"][0]["thumbnail_url"])
    assert fetch(url).status_code == 200
    listed = b.get(f"/messages/{message['id']}/").json()["attachments"][0]["url"]
    assert listed == url  # the same link within its step: the app's image cache keeps working
    frozen.shift(dt.timedelta(hours=2))
    assert fetch(url).status_code == 403
    b = client_for(b.user)  # (a fresh access token: the first one expired meanwhile)
    fresh = b.get("/messages/", thread=thread["id"]).json()["results"][0]["attachments"][0]["url"]
    assert fresh != url and fetch(fresh).status_code == 200


def test_narrowing_a_posts_audience_moves_its_media_and_kills_the_public_urls(
    author, media_root, django_capture_on_commit_callbacks
):
    post = post_with_image(author)
    comment = author.request(
        "POST", "/comments/", data={"post": str(post["id"]), "text": "x", "images": [upload("c.jpg", image_bytes())]}
    ).json()
    public_urls = [post["images"][0]["url"], post["images"][0]["thumbnail_url"], comment["images"][0]["url"]]
    public_paths = [public_file(url) for url in public_urls]

    with django_capture_on_commit_callbacks(execute=True):
        response = author.request("PATCH", f"/posts/{post['id']}/", json_body={"visibility": "followers"})
    assert response.status == 200, response
    assert not any(default_storage.exists(path) for path in public_paths)  # the public URLs lead nowhere now
    image = author.get(f"/posts/{post['id']}/").json()["images"][0]
    assert signed(image["url"]) and fetch(image["url"]).status_code == 200
    assert all(
        a.path.startswith("private/") and a.thumbnail_path.startswith("private/") for a in MediaAsset.objects.all()
    )

    with django_capture_on_commit_callbacks(execute=True):
        author.request("PATCH", f"/posts/{post['id']}/", json_body={"visibility": "public"})
    image = author.get(f"/posts/{post['id']}/").json()["images"][0]
    assert public_file(image["url"]) == public_paths[0]
    assert not any(a.path.startswith("private/") for a in MediaAsset.objects.all())
    assert not [p for p in (media_root / "private").rglob("*") if p.is_file()]  # no copy left behind


def test_a_move_is_skipped_for_assets_already_in_place_and_survives_failures(
    user, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    from modules.media import services

    kept = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f", private=True)
    broken = media_upload(upload("b.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    original = services.storage_copy

    def failing(source, target):
        if source == broken.thumbnail_path:
            raise OSError("disk full")
        return original(source, target)

    monkeypatch.setattr(services, "storage_copy", failing)
    with django_capture_on_commit_callbacks(execute=True):
        media_set_private(ids=[kept.id, broken.id, 987654321], private=True)
    assert MediaAsset.objects.get(id=kept.id).path == kept.path
    assert MediaAsset.objects.get(id=broken.id).path == broken.path  # left where it was, nothing half-moved
    assert default_storage.exists(broken.path) and not default_storage.exists("private/" + broken.path)
    assert f"could not move asset {broken.id}" in caplog.text


# --- S3 -------------------------------------------------------------------------------------------------------


def test_s3_private_objects_get_presigned_urls_even_without_presigning_or_with_a_cdn(s3, user):
    s3.configure(custom_domain="cdn.selflink.example")  # public media through a CDN, unsigned
    # Anyone may read the bucket, except the private area: what the deployment guide asks of the policy.
    public_prefixes = [
        f"arn:aws:s3:::{s3.bucket}/media/{folder}/*" for folder in ("images", "thumbs", "videos", "avatars")
    ]
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": public_prefixes}
    s3.client.put_bucket_policy(
        Bucket=s3.bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f", private=True)
    assert s3.keys() == {f"media/{data.path}", f"media/{data.thumbnail_path}"}
    url = media_url(data.path)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint and parts.path == f"/{s3.bucket}/media/{data.path}"
    assert "Expires" in parse_qs(parts.query) or "X-Amz-Expires" in parse_qs(parts.query)
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200 and response.read()[:2] == b"\xff\xd8"
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(f"{s3.endpoint}{parts.path}", timeout=10)
    assert unsigned.value.code == 403
    public = media_upload(upload("b.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    assert media_url(public.path) == f"https://cdn.selflink.example/media/{public.path}"


def test_s3_moves_stay_inside_the_bucket(s3, user, django_capture_on_commit_callbacks):
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    with django_capture_on_commit_callbacks(execute=True):
        media_set_private(ids=[data.id], private=True)
    moved = MediaAsset.objects.get(id=data.id)
    assert s3.keys() == {f"media/{moved.path}", f"media/{moved.thumbnail_path}"}
    assert moved.path == f"private/{data.path}"
    assert s3.get(f"media/{moved.path}")["ContentType"] == "image/jpeg"
