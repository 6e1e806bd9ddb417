import json

import pytest

from modules.rewards.models import Contributor, GithubDelivery, IssueScore, RewardEvent
from tests.rewards.conftest import deliver, issue_payload, pr_payload

pytestmark = pytest.mark.django_db


def events():
    return list(RewardEvent.objects.order_by("id").values_list("kind", "points", "github_login", "flags"))


def test_everything_is_refused_without_a_configured_secret(anon, settings):
    settings.GITHUB_WEBHOOK_SECRET = ""
    response = deliver(anon, "pull_request", pr_payload())
    assert response.status == 403
    assert response.json()["code"] == "webhook_disabled"
    assert not RewardEvent.objects.exists()


@pytest.mark.parametrize("signature", ["", "sha256=00", "sha1=abc", "sha256=" + "0" * 64])
def test_bad_signatures_are_401(anon, webhook_secret, signature):
    response = deliver(anon, "pull_request", pr_payload(), signature=signature)
    assert response.status == 401
    assert response.json()["code"] == "invalid_signature"
    assert not GithubDelivery.objects.exists()


def test_signature_with_another_secret_is_refused(anon, webhook_secret):
    assert deliver(anon, "pull_request", pr_payload(), secret="not-the-secret").status == 401


def test_merged_pr_pays_its_author_not_the_merger(anon, webhook_secret):
    response = deliver(anon, "pull_request", pr_payload(labels=("size:l",), author="Ana-Dev", merged_by="boss"))
    assert response.status == 201, response
    assert response.json()["status"] == "recorded"
    event = RewardEvent.objects.get()
    assert (event.kind, event.points, event.github_login) == ("pr_merged", 8, "ana-dev")
    assert event.period == "2026-10"
    assert event.rules_id == 1  # merged before rules v2 were activated
    assert event.source_url.endswith("/pull/1")
    assert event.contributor is None


def test_missing_or_conflicting_size_labels_score_zero_and_are_flagged(anon, webhook_secret):
    deliver(anon, "pull_request", pr_payload(1, labels=("bug",)))
    deliver(anon, "pull_request", pr_payload(2, labels=("size:s", "size:xl")))
    assert events() == [
        ("pr_merged", 0, "ana-dev", ["needs_label"]),
        ("pr_merged", 0, "ana-dev", ["needs_label:several_sizes"]),
    ]


def test_bonus_labels_are_a_separate_capped_line(anon, webhook_secret):
    deliver(anon, "pull_request", pr_payload(labels=("size:xs", "bonus:security", "bonus:infra", "bonus:unknown")))
    assert events() == [("pr_merged", 1, "ana-dev", []), ("bonus", 3, "ana-dev", [])]


def test_replays_create_nothing(anon, webhook_secret):
    payload = pr_payload()
    assert deliver(anon, "pull_request", payload, delivery="abc").status == 201
    same_delivery = deliver(anon, "pull_request", payload, delivery="abc")
    assert same_delivery.status == 200 and same_delivery.json()["status"] == "duplicate"
    same_pr = deliver(anon, "pull_request", payload, delivery="def")
    assert same_pr.status == 200 and same_pr.json()["status"] == "duplicate"
    assert RewardEvent.objects.count() == 1


def test_labels_changed_after_merge_do_not_rescore(anon, webhook_secret):
    deliver(anon, "pull_request", pr_payload(labels=("size:xs",)))
    relabeled = pr_payload(labels=("size:xl",), action="labeled")
    assert deliver(anon, "pull_request", relabeled).status == 204
    assert deliver(anon, "pull_request", pr_payload(labels=("size:xl",))).status == 200  # a re-sent close
    assert events() == [("pr_merged", 1, "ana-dev", [])]


def test_closed_without_merge_and_other_events_are_204(anon, webhook_secret):
    assert deliver(anon, "pull_request", pr_payload(merged_at=None)).status == 204
    assert deliver(anon, "ping", {"zen": "Keep it logically awesome."}).status == 204
    assert deliver(anon, "star", {"action": "created"}).status == 204
    assert not RewardEvent.objects.exists()


def test_repositories_outside_the_allow_list_do_not_score(anon, webhook_secret, settings):
    settings.REWARDS_GITHUB_REPOSITORIES = ["selflink/backend"]
    assert deliver(anon, "pull_request", pr_payload(repo="someone/fork")).status == 204
    assert deliver(anon, "pull_request", pr_payload(repo="SelfLink/Backend")).status == 201


@pytest.mark.parametrize(
    ("headers", "body"),
    [({"X-GitHub-Event": ""}, b"{}"), ({"X-GitHub-Delivery": ""}, b"{}"), ({}, b"not json"), ({}, b"[1]")],
)
def test_malformed_deliveries_are_400(anon, webhook_secret, headers, body):
    from tests.rewards.conftest import sign

    base = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "x1", "X-Hub-Signature-256": sign(body)}
    response = anon.request("POST", "/rewards/webhooks/github/", raw=body, headers={**base, **headers})
    assert response.status == 400


def test_payload_missing_fields_is_400_and_records_nothing(anon, webhook_secret):
    response = deliver(anon, "pull_request", {"action": "closed", "pull_request": {"number": 3}})
    assert response.status == 400
    assert response.json()["code"] == "unexpected_payload"
    assert not GithubDelivery.objects.exists()


def test_issue_score_is_fixed_by_the_first_label(anon, webhook_secret):
    assert deliver(anon, "issues", issue_payload(12, labels=("score:20",), label="score:20")).status == 201
    assert deliver(anon, "issues", issue_payload(12, labels=("score:40",), label="score:40")).status == 200
    assert IssueScore.objects.get().score == 20


@pytest.mark.parametrize("label", ["score:0", "score:1000", "score:abc", "priority:high"])
def test_invalid_score_labels_are_ignored(anon, webhook_secret, label):
    assert deliver(anon, "issues", issue_payload(5, labels=(label,), label=label)).status == 204
    assert not IssueScore.objects.exists()


def test_rules_v1_ignores_issue_scores(anon, webhook_secret):
    deliver(anon, "issues", issue_payload(12, labels=("score:20",), label="score:20"))
    deliver(
        anon, "pull_request", pr_payload(7, labels=("size:m",), body="Closes #12", merged_at="2026-10-03T09:00:00Z")
    )
    assert events() == [("pr_merged", 5, "ana-dev", [])]


def test_unknown_author_is_recorded_and_linking_never_rewrites_events(anon, webhook_secret, api):
    deliver(anon, "pull_request", pr_payload(author="newcomer"))
    before = list(RewardEvent.objects.values_list("id", "hash", "contributor_id"))
    claim = api.post("/rewards/me/link-github/", {"github_login": "newcomer"}).json()["pending_identity"]
    comment = {
        "action": "created",
        "repository": {"full_name": "selflink/backend"},
        "sender": {"login": "newcomer"},
        "comment": {
            "user": {"login": "NewComer"},
            "body": f"It's me: {claim['token']}",
            "html_url": "https://github.com/selflink/backend/issues/1#issuecomment-1",
        },
    }
    assert deliver(anon, "issue_comment", comment).status == 201
    assert Contributor.objects.get().github_login == "newcomer"
    assert list(RewardEvent.objects.values_list("id", "hash", "contributor_id")) == before
    assert api.get("/rewards/me/").json()["total_points"] == 5


def test_a_token_posted_by_someone_else_proves_nothing(anon, webhook_secret, api):
    claim = api.post("/rewards/me/link-github/", {"github_login": "ana-dev"}).json()["pending_identity"]
    comment = {
        "action": "created",
        "repository": {"full_name": "selflink/backend"},
        "sender": {"login": "impostor"},
        "comment": {"user": {"login": "impostor"}, "body": claim["token"], "html_url": "https://x"},
    }
    assert deliver(anon, "issue_comment", comment).status == 204
    assert not Contributor.objects.exists()


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("pull_request", {"action": "closed", "pull_request": "not an object"}),
        ("pull_request", {"action": "closed", "pull_request": {**pr_payload()["pull_request"], "merged_at": "soon"}}),
        ("pull_request", {**pr_payload(action="opened"), "sender": "ana-dev"}),
        ("issues", {**issue_payload(12, labels=("score:20",)), "repository": {"full_name": 7}}),
        ("issue_comment", {"action": "created", "comment": {"body": "hi", "html_url": "https://github.com/x"}}),
    ],
)
def test_payload_fields_missing_or_of_the_wrong_kind_are_400(anon, webhook_secret, event, payload):
    response = deliver(anon, event, payload)
    assert response.status == 400
    assert response.json()["code"] == "unexpected_payload"
    assert not GithubDelivery.objects.exists()


def test_a_delivery_is_parsed_into_what_it_asks_of_the_ledger():
    from modules.rewards.github import Authored, Ignored, IssueLabels, PullRequest, delivery_parse
    from tests.rewards.conftest import SECRET, sign

    def parse(event: str, payload: dict):
        body = json.dumps(payload).encode()
        headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": sign(body)}
        return delivery_parse(secret=SECRET, headers=headers, body=body)

    closed = parse("pull_request", pr_payload(7, labels=("size:M",)))
    assert closed.action == "closed" and len(closed.payload_sha256) == 64
    assert isinstance(closed.subject, PullRequest) and closed.subject.key == "pr:selflink/backend#7"
    assert closed.subject.labels == ("size:m",)
    edited = parse("pull_request", {**pr_payload(7, action="edited"), "changes": {"body": {"from": "old"}}})
    assert edited.subject == Authored(
        "edited", None, author="ana-dev", text="", previous="old", url="https://github.com/selflink/backend/pull/7"
    )
    labeled = parse("issues", issue_payload(12, labels=("bug",), label="Score:20"))
    assert labeled.subject == IssueLabels(
        "selflink/backend", 12, "https://github.com/selflink/backend/issues/12", ("score:20", "bug")
    )
    assert parse("star", {"action": "created"}).subject == Ignored("star/created is not a rewarded event")


def test_an_error_while_recording_is_a_server_error_not_the_senders(anon, webhook_secret, monkeypatch):
    """Only parsing maps to 400: a bug deep in the ledger must not be reported as the sender's fault."""
    from modules.rewards import services

    def broken(*args, **kwargs):
        raise KeyError("a bug while recording")

    monkeypatch.setattr(services, "pull_request_merged", broken)
    response = deliver(anon, "pull_request", pr_payload())
    assert response.status == 500
    assert not GithubDelivery.objects.exists()
