from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from modules.accounts.models import AuthSession, User
from modules.accounts.tokens import access_token_issue
from tests.factories import UserFactory

API = "/api/v1"

pytest_plugins = ["tests.live"]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.content[:300]!r}>"


class ApiClient:
    """A thin JSON client for /api/v1 over Django's test client (same process, same transaction)."""

    def __init__(self, token: str | None = None, user: User | None = None, session: AuthSession | None = None):
        self.client = Client(raise_request_exception=False)
        self.token = token
        self.user = user
        self.session = session

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: Any = None,
        raw: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
        **query,
    ) -> Response:
        url = path if path.startswith((API, "/admin", "/media", "/api/docs")) else f"{API}{path}"
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if query:
            kwargs["QUERY_STRING"] = urlencode(query)
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            kwargs["content_type"] = "application/json"
        elif raw is not None:
            kwargs["data"] = raw
            kwargs["content_type"] = content_type or "application/json"
        elif data is not None:
            # Multipart, like the mobile client; Django's test client only encodes it for POST by itself.
            kwargs["data"] = encode_multipart(BOUNDARY, data) if method != "POST" else data
            kwargs["content_type"] = content_type or MULTIPART_CONTENT
        response = getattr(self.client, method.lower())(url, **kwargs)
        return Response(response.status_code, dict(response.headers), response.content)

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw) -> Response:
        return self.request("POST", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw) -> Response:
        return self.request("PATCH", path, json_body=json_body, **kw)

    def delete(self, path: str, json_body: Any = None, **kw) -> Response:
        return self.request("DELETE", path, json_body=json_body, **kw)


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path):
    """Uploads made by any test land in its own temporary directory, never in the developer's .local/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": "/media/"},
        },
    }
    return tmp_path / "media"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The rewards ledger refuses TRUNCATE (see modules/rewards/migrations/0002_ledger_guards.py) except where
    the database allows it; Django's flush between transactional tests truncates every table, so the
    throw-away test database allows it."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.settings_dict["NAME"]
        cursor.execute(f"ALTER DATABASE \"{name}\" SET selflink.allow_ledger_truncate = 'on'")
        cursor.execute("SET selflink.allow_ledger_truncate = 'on'")


def client_for(user: User) -> ApiClient:
    session = AuthSession.objects.create(user=user, user_agent="pytest")
    return ApiClient(access_token_issue(user_id=user.id, session_id=session.id), user=user, session=session)


@pytest.fixture
def anon(db) -> ApiClient:
    return ApiClient()


@pytest.fixture
def user(db) -> User:
    return UserFactory()


@pytest.fixture
def api(user) -> ApiClient:
    """An API client signed in as `user`."""
    return client_for(user)


@pytest.fixture
def make_client(db):
    return client_for
