"""The S3 backend, for real: django-storages' S3Storage talking HTTP to a moto S3 server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage, storages
from storages.backends.s3 import S3Storage

from modules.media.public import media_delete_many, media_url
from modules.media.services import media_upload
from tests.live import ROOT, server_env
from tests.media.conftest import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY
from tests.media.images import image_bytes, upload
from tests.media.videos import mp4, video_upload

pytestmark = pytest.mark.django_db


def fetch(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read(), response.headers.get("Content-Type", "")


def test_the_default_storage_is_s3(s3):
    assert default_storage.exists("nothing-here") is False  # a real request to the server
    assert isinstance(storages["default"], S3Storage)
    assert storages["default"].bucket_name == s3.bucket


def test_image_upload_stores_the_clean_file_and_thumbnail_in_the_bucket(s3, user):
    data = media_upload(
        upload("a.jpg", image_bytes("JPEG", (900, 600), gps=True), content_type="text/html"),
        owner_id=user.id,
        kind="image",
        field="f",
    )
    assert s3.keys() == {f"media/{data.path}", f"media/{data.thumbnail_path}"}
    stored = s3.get(f"media/{data.path}")
    body = stored["Body"].read()
    # S3 serves the type we detected, never the one the client declared.
    assert stored["ContentType"] == "image/jpeg"
    assert len(body) == data.size_bytes and b"SpyCam" not in body
    assert s3.get(f"media/{data.thumbnail_path}")["ContentType"] == "image/jpeg"


def test_public_urls_are_absolute_path_style_and_serve_the_file(s3, user):
    # Without presigned URLs the bucket must let anyone read objects (as a public media bucket does).
    s3.allow_public_reads()
    data = media_upload(upload("a.png", image_bytes("PNG")), owner_id=user.id, kind="image", field="f")
    url = media_url(data.path)
    assert url == f"{s3.endpoint}/{s3.bucket}/media/{data.path}"
    status, body, content_type = fetch(url)
    assert status == 200 and content_type == "image/png"
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(default_storage.open(data.path).read()).hexdigest()


def test_presigned_urls_when_enabled(s3, user):
    s3.configure(querystring_auth=True, querystring_expire=600)
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    url = media_url(data.thumbnail_path)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == s3.endpoint
    assert parts.path == f"/{s3.bucket}/media/{data.thumbnail_path}"
    query = parse_qs(parts.query)
    # botocore presigns with its default signature for the region (SigV2 query auth in us-east-1).
    assert "Signature" in query or "X-Amz-Signature" in query
    assert S3_SECRET_KEY not in url
    status, body, _ = fetch(url)  # the bucket is private: only the signature lets this through
    assert status == 200 and body[:2] == b"\xff\xd8"
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        fetch(f"{s3.endpoint}{parts.path}")
    assert unsigned.value.code == 403


def test_presigned_urls_with_signature_version_4(s3, user):
    s3.configure(querystring_auth=True, querystring_expire=600, signature_version="s3v4")
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    url = media_url(data.path)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["600"] and "X-Amz-Signature" in query
    status, body, _ = fetch(url)
    assert status == 200 and len(body) == data.size_bytes


def test_a_public_domain_replaces_the_endpoint(s3, user):
    s3.configure(custom_domain="cdn.selflink.example")
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    assert media_url(data.path) == f"https://cdn.selflink.example/media/{data.path}"


def test_video_upload_streams_to_the_bucket_unchanged(s3, user):
    # Above boto3's 8 MB multipart threshold, so this is a multipart upload.
    content = mp4(mdat=b"\x11" * (9 * 1024 * 1024), large_mdat=True, width=720, height=1280)
    data = media_upload(
        video_upload("clip.mov", content, content_type="application/octet-stream"),
        owner_id=user.id,
        kind="video",
        field="f",
    )
    assert (data.mime_type, data.width, data.height, data.thumbnail_path) == ("video/mp4", 720, 1280, "")
    obj = s3.get(f"media/{data.path}")
    assert obj["ContentType"] == "video/mp4"
    assert hashlib.sha256(obj["Body"].read()).hexdigest() == hashlib.sha256(content).hexdigest()
    assert s3.keys() == {f"media/{data.path}"}


def test_delete_removes_objects_after_commit(s3, user, django_capture_on_commit_callbacks):
    image = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    video = media_upload(video_upload("a.mp4", mp4()), owner_id=user.id, kind="video", field="f")
    assert len(s3.keys()) == 3
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        media_delete_many(ids=[image.id, video.id])
    assert len(s3.keys()) == 3
    for callback in callbacks:
        callback()
    assert s3.keys() == set()


def test_the_settings_module_configuration_works(s3, settings, user):
    """What selflink/settings.py sets for STORAGE_BACKEND=s3: AWS_* settings and only `location` as an option."""
    settings.AWS_STORAGE_BUCKET_NAME = s3.bucket
    settings.AWS_S3_ENDPOINT_URL = s3.endpoint
    settings.AWS_S3_REGION_NAME = S3_REGION
    settings.AWS_ACCESS_KEY_ID = S3_ACCESS_KEY
    settings.AWS_SECRET_ACCESS_KEY = S3_SECRET_KEY
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_QUERYSTRING_AUTH = False
    settings.AWS_DEFAULT_ACL = None
    settings.AWS_S3_FILE_OVERWRITE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "media"}},
    }
    data = media_upload(upload("a.jpg", image_bytes()), owner_id=user.id, kind="image", field="f")
    assert s3.keys() == {f"media/{data.path}", f"media/{data.thumbnail_path}"}
    assert media_url(data.path) == f"{s3.endpoint}/{s3.bucket}/media/{data.path}"


def s3_env(s3, **overrides: str) -> dict[str, str]:
    variables = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": s3.bucket,
        "S3_ENDPOINT_URL": s3.endpoint,
        "S3_REGION": S3_REGION,
        "S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "S3_PATH_STYLE": "true",
        "S3_PRESIGNED_URLS": "true",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    return server_env(**{**variables, **overrides})


def run_storage_status(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "storage_status", "--no-color"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_storage_status_from_environment_variables(s3):
    """The whole chain, as an operator runs it: S3_* variables → settings → S3Storage → the server."""
    result = run_storage_status(s3_env(s3))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "storages.backends.s3.S3Storage" in out and s3.bucket in out and s3.endpoint in out
    assert "AKIA…(20 chars)" in out and "…(40 chars)" in out
    assert S3_SECRET_KEY not in out + result.stderr and S3_ACCESS_KEY not in out + result.stderr
    assert "presigned urls    on (valid 3600 s)" in out
    assert "(+ signed query string)" in out  # the probe's URL is presigned; its query names the key, so elided
    assert "media storage healthy" in out
    assert s3.keys() == set()


def test_storage_status_fails_when_the_bucket_is_missing(s3):
    result = run_storage_status(s3_env(s3, S3_BUCKET="no-such-bucket"))
    assert result.returncode != 0
    assert "FAIL write" in result.stdout
    assert "media storage is not working: write failed" in result.stderr
    assert S3_SECRET_KEY not in result.stdout + result.stderr
