import datetime as dt
import hashlib
import hmac
import importlib
import itertools
import json

import pytest
from django.apps import apps

SECRET = "webhook-test-secret-0123456789"
_delivery_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def published_rules(db):
    """Rules v1/v2 come from a data migration; transactional tests elsewhere flush them, so republish."""
    importlib.import_module("modules.rewards.migrations.0003_rules_v1_v2").publish(apps, None)


@pytest.fixture
def webhook_secret(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.REWARDS_GITHUB_REPOSITORIES = []
    return SECRET


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    client,
    event: str,
    payload: dict,
    *,
    delivery: str | None = None,
    secret: str = SECRET,
    signature: str | None = None,
):
    body = json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or f"delivery-{next(_delivery_ids)}",
        "X-Hub-Signature-256": signature if signature is not None else sign(body, secret),
    }
    return client.request("POST", "/rewards/webhooks/github/", raw=body, headers=headers)


def pr_payload(
    number: int = 1,
    *,
    author: str = "ana-dev",
    merged_by: str = "maintainer",
    labels=("size:m",),
    merged_at: str | None = "2026-10-05T12:00:00Z",
    body: str = "",
    repo: str = "selflink/backend",
    action: str = "closed",
) -> dict:
    return {
        "action": action,
        "number": number,
        "repository": {"full_name": repo},
        "pull_request": {
            "number": number,
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "user": {"login": author},
            "merged_by": {"login": merged_by} if merged_at else None,
            "merged": merged_at is not None,
            "merged_at": merged_at,
            "labels": [{"name": label} for label in labels],
            "body": body,
            "base": {"repo": {"full_name": repo}},
        },
    }


def issue_payload(
    number: int, *, labels=(), label: str | None = None, action: str = "labeled", repo: str = "selflink/backend"
) -> dict:
    payload = {
        "action": action,
        "repository": {"full_name": repo},
        "issue": {
            "number": number,
            "html_url": f"https://github.com/{repo}/issues/{number}",
            "labels": [{"name": name} for name in labels],
        },
    }
    if label:
        payload["label"] = {"name": label}
    return payload


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def github_api(settings):
    """The fake GitHub GraphQL API, configured with a token."""
    from tests.rewards.fakegithub import FakeGitHub

    server = FakeGitHub()
    settings.REWARDS_GITHUB_GRAPHQL_URL = server.url
    settings.REWARDS_GITHUB_TOKEN = GITHUB_TOKEN
    yield server
    server.close()


GITHUB_TOKEN = "github_pat_test_0123456789abcdefSECRET"
