"""Media tests: local storage in a temporary directory by default; the `s3` fixture switches the default
storage to django-storages' S3Storage against a real S3-compatible server (moto) on 127.0.0.1."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

S3_ACCESS_KEY = "AKIATESTSELFLINK0001"  # 20 characters, like a real access key id
S3_SECRET_KEY = "selflink/test/secret/key/0123456789abcde"  # 40 characters
S3_REGION = "us-east-1"


@pytest.fixture(autouse=True)
def media_root(tmp_path, settings):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root, "base_url": "/media/"},
        },
    }
    return root


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real S3 API over HTTP (moto's server, in a thread) on a free port of 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: Any
    settings: Any

    def configure(self, **options) -> None:
        """Point the default storage at the bucket; `options` override S3Storage options."""
        merged = {
            "bucket_name": self.bucket,
            "endpoint_url": self.endpoint,
            "region_name": S3_REGION,
            "access_key": S3_ACCESS_KEY,
            "secret_key": S3_SECRET_KEY,
            "addressing_style": "path",
            "querystring_auth": False,
            "querystring_expire": 3600,
            "custom_domain": None,
            "default_acl": None,
            "file_overwrite": False,
            "location": "media",
            **options,
        }
        # Setting STORAGES sends `setting_changed`, which makes `default_storage` build a new S3Storage.
        self.settings.STORAGES = {
            **self.settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": merged},
        }

    def allow_public_reads(self) -> None:
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{self.bucket}/*",
                }
            ],
        }
        self.client.put_bucket_policy(Bucket=self.bucket, Policy=json.dumps(policy))

    def keys(self) -> set[str]:
        response = self.client.list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in response.get("Contents", [])}

    def get(self, key: str) -> dict:
        return self.client.get_object(Bucket=self.bucket, Key=key)


@pytest.fixture
def s3(moto_endpoint, settings, monkeypatch) -> S3:
    """A fresh bucket on the moto server, with the default storage pointed at it."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
    )
    bucket = f"selflink-test-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    env = S3(endpoint=moto_endpoint, bucket=bucket, client=client, settings=settings)
    env.configure()
    return env
