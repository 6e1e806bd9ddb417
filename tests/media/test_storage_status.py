"""`manage.py storage_status` in-process, on local disk and on S3 (moto)."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from modules.media.storage import mask_key, mask_secret
from tests.media.conftest import S3_ACCESS_KEY, S3_SECRET_KEY


def run() -> str:
    out = io.StringIO()
    call_command("storage_status", "--no-color", stdout=out)
    return out.getvalue()


def test_masks():
    assert mask_key("AKIAIOSFODNN7EXAMPLE") == "AKIA…(20 chars)"
    assert mask_key("short") == "…(5 chars)"  # too short to show any of it
    assert mask_key("") == mask_key(None) == "(not set)"
    assert mask_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") == "…(40 chars)"
    assert mask_secret(None) == "(not set)"


def test_local_storage_status(media_root):
    out = run()
    assert "backend           local (django.core.files.storage.filesystem.FileSystemStorage)" in out
    assert f"location          {media_root}" in out
    for step in ("write", "read", "url", "delete"):
        assert re.search(rf"ok\s+{step}\s+\d+\.\d ms", out), out
    assert "http://localhost:8000/media/storage-status/probe-" in out
    assert "media storage healthy" in out
    assert not [p for p in media_root.rglob("*") if p.is_file()], "the probe must not be left behind"


def test_local_storage_status_fails_when_the_location_is_unusable(media_root, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media directory should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker, "base_url": "/media/"},
        },
    }
    out = io.StringIO()
    with pytest.raises(CommandError, match="write failed"):
        call_command("storage_status", "--no-color", stdout=out)
    assert re.search(r"FAIL write\s+\d+\.\d ms\s+\w+Error", out.getvalue())
    assert "read" not in out.getvalue().split("round trip", 1)[1]


def test_s3_storage_status(s3):
    s3.configure(querystring_auth=True, querystring_expire=900)
    out = run()
    assert "backend           s3 (storages.backends.s3.S3Storage)" in out
    assert f"bucket            {s3.bucket}" in out
    assert f"endpoint          {s3.endpoint}" in out
    assert "addressing        path" in out
    assert "key prefix        media" in out
    assert "presigned urls    on (valid 900 s)" in out
    assert "access key        AKIA…(20 chars)" in out
    assert "secret key        …(40 chars)" in out
    assert S3_SECRET_KEY not in out and S3_ACCESS_KEY not in out
    assert f"{s3.endpoint}/{s3.bucket}/media/storage-status/probe-" in out
    assert "media storage healthy" in out
    assert s3.keys() == set()


def test_s3_storage_status_masks_a_password_in_the_endpoint(s3):
    s3.configure(endpoint_url=s3.endpoint.replace("http://", "http://minio:hunter2hunter2@"))
    out = io.StringIO()
    with contextlib.suppress(CommandError):  # whether the server accepts the URL is not the point
        call_command("storage_status", "--no-color", stdout=out)
    assert "hunter2" not in out.getvalue()
    assert "minio:…(14 chars)@127.0.0.1" in out.getvalue()


def test_s3_storage_status_fails_on_a_missing_bucket(s3):
    s3.configure(bucket_name="selflink-missing-bucket")
    out = io.StringIO()
    with pytest.raises(CommandError, match="write failed"):
        call_command("storage_status", "--no-color", stdout=out)
    assert "FAIL write" in out.getvalue()
    assert S3_SECRET_KEY not in out.getvalue()


def test_credentials_quoted_in_an_error_are_masked(s3, monkeypatch):
    def refuse(name, content):
        raise PermissionError(f"signature mismatch for {S3_ACCESS_KEY}:{S3_SECRET_KEY}")

    monkeypatch.setattr(storages["default"], "_save", refuse)
    out = io.StringIO()
    with pytest.raises(CommandError, match="write failed"):
        call_command("storage_status", "--no-color", stdout=out)
    assert "PermissionError: signature mismatch for AKIA…(20 chars):…(40 chars)" in out.getvalue()
    assert S3_SECRET_KEY not in out.getvalue() and S3_ACCESS_KEY not in out.getvalue()
