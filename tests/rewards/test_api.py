import datetime as dt
import io
import json
import zipfile

import pytest
from django.utils import timezone

from modules.rewards.models import Dispute, GithubLinkClaim
from modules.rewards.services import snapshot_compute, snapshot_finalize
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.rewards.factories import ContributorFactory, revenue, reward_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    revenue(cents=100_000)
    reward_event("alice", 13)
    reward_event("bob", 8)
    reward_event("carol", 4)
    return snapshot_compute(period="2026-10").snapshot


def test_rules_are_public(anon):
    rules = anon.get("/rewards/rules/").json()
    assert [r["version"] for r in rules] == [1, 2]
    assert rules[0]["config"]["size_points"]["size:xl"] == 13


def test_events_are_public_filterable_and_paginated(anon):
    for n in range(5):
        reward_event("alice" if n % 2 else "bob", n + 1)
    reward_event("alice", 1, at="2026-09-15T00:00:00Z")
    page = anon.get("/rewards/events/", period="2026-10", limit=2).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = anon.get("/rewards/events/", period="2026-10", limit=10, cursor=page["next"]).json()
    assert len(page["results"]) + len(rest["results"]) == 5
    alice = anon.get("/rewards/events/", contributor="ALICE").json()["results"]
    assert {e["github_login"] for e in alice} == {"alice"} and len(alice) == 3
    event = alice[0]
    assert len(event["hash"]) == 64 and len(event["prev_hash"]) == 64


@pytest.mark.parametrize("query", [{"period": "2026-13"}, {"period": "26-10"}, {"limit": 0}])
def test_event_filters_are_validated(anon, query):
    assert anon.get("/rewards/events/", **query).status == 422


def test_public_names_only_for_contributors_who_opt_in(anon, october):
    ContributorFactory(github_login="alice", display_name="Alice A.", public=True)
    ContributorFactory(github_login="bob", display_name="Bob B.", public=False)
    detail = anon.get("/rewards/snapshots/2026-10/").json()
    names = {line["github_login"]: line["display_name"] for line in detail["lines"]}
    assert names == {"alice": "Alice A.", "bob": None, "carol": None}


def test_snapshot_list_and_detail(anon, october):
    listing = anon.get("/rewards/snapshots/").json()
    assert [(s["period"], s["revision"], s["state"]) for s in listing] == [("2026-10", 1, "provisional")]
    detail = anon.get("/rewards/snapshots/2026-10/").json()
    assert detail["pool_cents"] == 50_000 and detail["inputs_hash"] == october.inputs_hash
    assert [(line["github_login"], line["payout_cents"]) for line in detail["lines"]] == [
        ("alice", 26_000),
        ("bob", 16_000),
        ("carol", 8_000),
    ]
    assert detail["revisions"][0]["outputs_hash"] == october.outputs_hash
    assert anon.get("/rewards/snapshots/2026-09/").status == 404
    assert anon.get("/rewards/snapshots/october/").status in {404, 422}


def test_bundle_download_is_a_verifiable_reproducible_zip(anon, october, tmp_path):
    first = anon.client.get("/api/v1/rewards/snapshots/2026-10/bundle/")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/zip"
    content = b"".join(first.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = sorted(archive.namelist())
    assert names == sorted(
        f"2026-10-r1/{n}"
        for n in (
            "carry_in.jsonl",
            "events.jsonl",
            "manifest.json",
            "payouts.jsonl",
            "revenue.jsonl",
            "rules.json",
            "settings.json",
            "snapshot.json",
        )
    )
    manifest = json.loads(archive.read("2026-10-r1/manifest.json"))
    assert manifest["outputs_hash"] == october.outputs_hash
    second = b"".join(anon.client.get("/api/v1/rewards/snapshots/2026-10/bundle/").streaming_content)
    assert second == content
    zip_path = tmp_path / "bundle.zip"
    zip_path.write_bytes(content)
    from tests.rewards.test_snapshots import verify

    assert verify(zip_path).stdout.strip() == "OK"


def test_me_requires_auth_and_shows_only_my_rewards(anon, api):
    assert anon.get("/rewards/me/").status == 401
    ContributorFactory(user=api.user, github_login="alice")
    reward_event("alice", 5)
    reward_event("bob", 7)
    body = api.get("/rewards/me/").json()
    assert body["contributor"]["github_login"] == "alice"
    assert body["total_points"] == 5
    assert {e["github_login"] for e in body["events"]} == {"alice"}


def test_link_github_creates_a_pending_claim(api):
    response = api.post("/rewards/me/link-github/", {"github_login": "@Ana-Dev"})
    assert response.status == 201
    pending = response.json()["pending_identity"]
    assert pending["github_login"] == "Ana-Dev" and pending["token"].startswith("selflink-verify-")
    assert pending["token"] in pending["instructions"]
    # A new request replaces the old one.
    api.post("/rewards/me/link-github/", {"github_login": "ana-dev-2"})
    assert GithubLinkClaim.objects.filter(user=api.user, status="pending").count() == 1


@pytest.mark.parametrize("login", ["has space", "x" * 40, "bad_underscore!", ""])
def test_link_github_validates_the_login(api, login):
    assert api.post("/rewards/me/link-github/", {"github_login": login}).status == 422


def test_login_linked_to_someone_else_conflicts(api):
    ContributorFactory(github_login="taken")
    response = api.post("/rewards/me/link-github/", {"github_login": "TAKEN"})
    assert response.status == 409 and response.json()["code"] == "login_taken"


def test_public_flag_toggle(api):
    assert api.patch("/rewards/me/", {"public": False}).status == 404  # not a contributor yet
    ContributorFactory(user=api.user, github_login="alice")
    assert api.patch("/rewards/me/", {"public": False}).json()["contributor"]["public"] is False


def test_disputes_are_filed_in_the_window_and_private_to_their_author(api, october):
    body = {
        "period": "2026-10",
        "kind": "missing_pr",
        "description": "PR #77 was merged on Oct 30 but is missing",
        "source_url": "https://github.com/selflink/backend/pull/77",
    }
    created = api.post("/rewards/disputes/", body)
    assert created.status == 201, created
    assert created.json()["status"] == "open"
    other = client_for(UserFactory())
    assert other.get("/rewards/disputes/").json() == []
    assert [d["id"] for d in api.get("/rewards/disputes/").json()] == [created.json()["id"]]
    assert api.post("/rewards/disputes/", {**body, "period": "2026-09"}).json()["code"] == "no_snapshot"


def test_dispute_after_finalisation_is_refused(api, october):
    snapshot_finalize(period="2026-10", now=timezone.now() + dt.timedelta(days=8))
    response = api.post(
        "/rewards/disputes/", {"period": "2026-10", "kind": "other", "description": "Too late, but still asking."}
    )
    assert response.status == 409 and response.json()["code"] == "dispute_window_closed"
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"period": "2026-10", "kind": "whatever", "description": "long enough text"},
        {"period": "2026-10", "kind": "other", "description": "short"},
        {"period": "2026-10", "kind": "other", "description": "long enough text", "source_url": "javascript:alert(1)"},
    ],
)
def test_dispute_validation(api, october, body):
    assert api.post("/rewards/disputes/", body).status == 422
