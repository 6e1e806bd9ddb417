"""What the rewards webhook accepts as proof: only text the claimed GitHub login provably wrote proves an identity,
and a merged pull request completes only the scored issues GitHub confirms it closed in the same repository."""

import queue

import dramatiq
import pytest

from modules.rewards import closing, services, tasks
from modules.rewards.github import pull_request_from
from modules.rewards.models import Contributor, GithubLinkClaim, RewardEvent
from tests.rewards.conftest import GITHUB_TOKEN, deliver, issue_payload, pr_payload
from tests.rewards.fakegithub import Issue

pytestmark = pytest.mark.django_db

REPO = "selflink/backend"
V2_MERGE = "2026-11-03T09:00:00Z"  # rules v2 (issue scores) are active from 2026-11-01


def events():
    return list(RewardEvent.objects.order_by("id").values_list("kind", "points", "github_login", "flags"))


@pytest.fixture
def stub_broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def run_one_settle_job(broker) -> bool:
    """Run the next queued (delayed) settle job as the worker would; False when there is none."""
    delayed = broker.queues.get("maintenance.DQ")
    try:
        raw = delayed.get_nowait() if delayed is not None else None
    except queue.Empty:
        raw = None
    if raw is None:
        return False
    message = dramatiq.Message.decode(raw)
    assert message.actor_name == "rewards_pull_request_settle"
    tasks.rewards_pull_request_settle(*message.args)
    return True


def run_settle_jobs(broker) -> int:
    """Run the queued settle jobs, and those they queue. Returns how many ran."""
    ran = 0
    while run_one_settle_job(broker):
        ran += 1
    return ran


# --- identity -------------------------------------------------------------------------------------


@pytest.fixture
def claim(api, webhook_secret):
    return api.post("/rewards/me/link-github/", {"github_login": "ana-dev"}).json()["pending_identity"]["token"]


def pr_event(action: str, *, sender: str, body: str, previous: str | None = None, author: str = "ana-dev") -> dict:
    payload = pr_payload(7, author=author, body=body, merged_at=None, action=action)
    payload["pull_request"]["merged"] = False
    payload["sender"] = {"login": sender}
    if previous is not None:
        payload["changes"] = {"body": {"from": previous}}
    return payload


def comment_event(action: str, *, sender: str, body: str, previous: str | None = None) -> dict:
    payload = {
        "action": action,
        "repository": {"full_name": REPO},
        "sender": {"login": sender},
        "comment": {
            "user": {"login": "ana-dev"},
            "body": body,
            "html_url": f"https://github.com/{REPO}/issues/1#issuecomment-1",
        },
    }
    if previous is not None:
        payload["changes"] = {"body": {"from": previous}}
    return payload


def test_a_description_edited_by_someone_else_proves_nothing(anon, claim):
    """The takeover: Mallory claims @ana-dev, then pastes her token into Ana's pull request description (she may
    edit it as a maintainer). GitHub reports the edit with Ana as the PR's user and Mallory as the sender."""
    payload = pr_event("edited", sender="mallory", body=f"Adds search.\n\n{claim}", previous="Adds search.")
    assert deliver(anon, "pull_request", payload).status == 204
    assert not Contributor.objects.exists()
    assert GithubLinkClaim.objects.get().status == "pending"


def test_a_pull_request_opened_by_another_account_proves_nothing(anon, claim):
    assert deliver(anon, "pull_request", pr_event("opened", sender="a-bot", body=claim)).status == 204
    assert not Contributor.objects.exists()


def test_the_author_opening_a_pull_request_with_the_token_proves_it(anon, claim, api):
    assert deliver(anon, "pull_request", pr_event("opened", sender="Ana-Dev", body=f"It's me: {claim}")).status == 201
    assert Contributor.objects.get().user_id == api.user.id


def test_the_author_adding_the_token_in_an_edit_proves_it(anon, claim):
    payload = pr_event("edited", sender="ana-dev", body=f"Adds search. {claim}", previous="Adds search.")
    assert deliver(anon, "pull_request", payload).status == 201
    assert Contributor.objects.get().github_login == "ana-dev"


def test_an_authors_edit_of_a_text_someone_else_put_the_token_in_proves_nothing(anon, claim):
    """Mallory put the token in; Ana later fixes a typo. The token was not written by Ana in this edit."""
    payload = pr_event("edited", sender="ana-dev", body=f"Adds search. {claim}", previous=f"Ads search. {claim}")
    assert deliver(anon, "pull_request", payload).status == 204
    title_only = pr_event("edited", sender="ana-dev", body=f"Adds search. {claim}")  # no `changes.body`
    assert deliver(anon, "pull_request", title_only).status == 204
    assert not Contributor.objects.exists()


def test_a_comment_counts_only_when_its_author_wrote_it(anon, claim):
    assert deliver(anon, "issue_comment", comment_event("created", sender="mallory", body=claim)).status == 204
    assert (
        deliver(anon, "issue_comment", comment_event("edited", sender="mallory", body=claim, previous="")).status == 204
    )
    assert not Contributor.objects.exists()
    edited = comment_event("edited", sender="ana-dev", body=f"me: {claim}", previous="me:")
    assert deliver(anon, "issue_comment", edited).status == 201
    assert Contributor.objects.get().github_login == "ana-dev"


# --- issues closed by a merged pull request ----------------------------------------------------------


@pytest.fixture
def scored_12(anon, webhook_secret):
    assert deliver(anon, "issues", issue_payload(12, labels=("score:20",), label="score:20")).status == 201


def merge(anon, django_capture_on_commit_callbacks, number=7, *, body="", labels=("size:xl", "bonus:infra"), **kw):
    with django_capture_on_commit_callbacks(execute=True):
        return deliver(anon, "pull_request", pr_payload(number, labels=labels, body=body, merged_at=V2_MERGE, **kw))


def test_a_merged_pr_completes_the_scored_issue_github_says_it_closed(
    anon, scored_12, github_api, stub_broker, django_capture_on_commit_callbacks
):
    github_api.closing[(REPO, 7)] = [Issue(REPO, 12, closed_by=(REPO, 7))]
    response = merge(anon, django_capture_on_commit_callbacks, body="Implements search.")  # no keyword needed
    assert response.status == 202 and response.json()["status"] == "queued"
    assert events() == []
    assert run_settle_jobs(stub_broker) == 1
    assert events() == [
        ("pr_merged", 0, "ana-dev", ["scored_by_issue"]),
        ("issue_completed", 20, "ana-dev", []),
        ("bonus", 1, "ana-dev", []),
    ]
    [request] = github_api.requests
    assert request.headers["authorization"] == f"bearer {GITHUB_TOKEN}"
    assert request.body["variables"] == {"owner": "selflink", "name": "backend", "number": 7, "first": 50}
    # The issue is paid once: a later PR that GitHub also links to it is scored by size.
    github_api.closing[(REPO, 8)] = [Issue(REPO, 12, closed_by=(REPO, 7))]
    assert merge(anon, django_capture_on_commit_callbacks, 8, labels=("size:s",)).status == 201
    assert events()[-1] == ("pr_merged", 3, "ana-dev", [])


def test_a_fixes_line_proves_nothing(anon, scored_12, github_api, stub_broker, django_capture_on_commit_callbacks):
    """Anyone can write "Closes #12"; GitHub did not link or close the issue with this PR: it is paid by size."""
    github_api.closing[(REPO, 7)] = []
    merge(anon, django_capture_on_commit_callbacks, body="Typo fix.\n\nCloses #12\nfixes selflink/backend#12")
    run_settle_jobs(stub_broker)
    assert events() == [("pr_merged", 13, "ana-dev", []), ("bonus", 1, "ana-dev", [])]


def test_an_issue_closed_by_another_pr_or_in_another_repository_is_not_completed(
    anon, webhook_secret, github_api, stub_broker, django_capture_on_commit_callbacks
):
    deliver(anon, "issues", issue_payload(12, labels=("score:20",), label="score:20"))
    deliver(anon, "issues", issue_payload(5, labels=("score:50",), label="score:50", repo="selflink/mobile"))
    github_api.closing[(REPO, 7)] = [
        Issue(REPO, 12, closed_by=(REPO, 9)),  # linked, but what closed it was another pull request
        Issue("selflink/mobile", 5, closed_by=(REPO, 7)),  # another repository's issue
    ]
    merge(anon, django_capture_on_commit_callbacks, body="Fixes #12, fixes selflink/mobile#5")
    run_settle_jobs(stub_broker)
    assert events() == [("pr_merged", 13, "ana-dev", []), ("bonus", 1, "ana-dev", [])]


def test_an_issue_github_closes_a_moment_later_is_waited_for(
    anon, scored_12, github_api, stub_broker, django_capture_on_commit_callbacks
):
    github_api.closing[(REPO, 7)] = [Issue(REPO, 12, state="OPEN")]
    merge(anon, django_capture_on_commit_callbacks)
    assert run_one_settle_job(stub_broker)
    assert events() == [] and len(github_api.requests) == 1  # still open: asked again later
    github_api.closing[(REPO, 7)] = [Issue(REPO, 12, closed_by=(REPO, 7))]
    assert run_settle_jobs(stub_broker) == 1
    assert [kind for kind, *_ in events()] == ["pr_merged", "issue_completed", "bonus"]


def test_an_issue_still_open_at_the_last_check_is_not_completed(
    anon, scored_12, github_api, stub_broker, django_capture_on_commit_callbacks
):
    github_api.closing[(REPO, 7)] = [Issue(REPO, 12, state="OPEN")]
    merge(anon, django_capture_on_commit_callbacks)
    assert run_settle_jobs(stub_broker) == len(services.CLOSING_CHECK_DELAYS)
    assert events() == [("pr_merged", 13, "ana-dev", []), ("bonus", 1, "ana-dev", [])]


def test_when_github_cannot_answer_the_pr_is_paid_by_size_and_flagged(
    anon, scored_12, github_api, stub_broker, django_capture_on_commit_callbacks, caplog
):
    github_api.closing[(REPO, 7)] = [Issue(REPO, 12, closed_by=(REPO, 7))]
    github_api.failures.extend([502, 401, "errors"] + [503] * len(services.CLOSING_CHECK_DELAYS))
    merge(anon, django_capture_on_commit_callbacks)
    assert run_settle_jobs(stub_broker) == len(services.CLOSING_CHECK_DELAYS)
    assert events() == [("pr_merged", 13, "ana-dev", ["closing_issues_unverified"]), ("bonus", 1, "ana-dev", [])]
    assert GITHUB_TOKEN not in caplog.text


def test_without_a_token_nothing_is_asked_and_the_pr_is_flagged(
    anon, scored_12, settings, django_capture_on_commit_callbacks
):
    settings.REWARDS_GITHUB_TOKEN = ""
    assert merge(anon, django_capture_on_commit_callbacks, body="Closes #12").status == 201
    assert events() == [("pr_merged", 13, "ana-dev", ["closing_issues_unverified"]), ("bonus", 1, "ana-dev", [])]


def test_github_is_not_asked_when_no_scored_issue_could_be_completed(
    anon, webhook_secret, github_api, django_capture_on_commit_callbacks
):
    assert merge(anon, django_capture_on_commit_callbacks, body="Closes #12").status == 201  # no scored issue
    deliver(anon, "issues", issue_payload(12, labels=("score:20",), label="score:20"))
    v1 = pr_payload(3, labels=("size:m",), body="Closes #12", merged_at="2026-10-03T09:00:00Z")  # rules v1
    assert deliver(anon, "pull_request", v1).status == 201
    assert github_api.requests == []
    assert [points for _, points, *_ in events()] == [13, 1, 5]


def test_a_settle_job_delivered_twice_records_once(
    anon, scored_12, github_api, stub_broker, django_capture_on_commit_callbacks
):
    github_api.closing[(REPO, 7)] = [Issue(REPO, 12, closed_by=(REPO, 7))]
    merge(anon, django_capture_on_commit_callbacks)
    [message] = [dramatiq.Message.decode(raw) for raw in list(stub_broker.queues["maintenance.DQ"].queue)]
    tasks.rewards_pull_request_settle(*message.args)
    tasks.rewards_pull_request_settle(*message.args)  # redelivered
    assert len(events()) == 3


def test_the_job_message_carries_no_description(
    anon, scored_12, github_api, stub_broker, django_capture_on_commit_callbacks
):
    merge(anon, django_capture_on_commit_callbacks, body="Private notes: call me at +995 555 000")
    [message] = [dramatiq.Message.decode(raw) for raw in list(stub_broker.queues["maintenance.DQ"].queue)]
    assert "555" not in str(message.asdict())


def test_imported_prs_are_checked_with_github_too(tmp_path, webhook_secret, anon, github_api):
    import json

    from django.core.management import call_command

    deliver(anon, "issues", issue_payload(12, labels=("score:20",), label="score:20"))
    github_api.closing[(REPO, 7)] = []
    github_api.closing[(REPO, 8)] = [Issue(REPO, 12, closed_by=(REPO, 8))]
    records = [
        pr_payload(7, labels=("size:s",), body="Closes #12", merged_at=V2_MERGE)["pull_request"],
        pr_payload(8, labels=("size:s",), body="", merged_at="2026-11-04T09:00:00Z")["pull_request"],
    ]
    export = tmp_path / "prs.json"
    export.write_text(json.dumps(records))
    call_command("rewards_import_prs", str(export))
    assert events() == [
        ("pr_merged", 3, "ana-dev", []),
        ("pr_merged", 0, "ana-dev", ["scored_by_issue"]),
        ("issue_completed", 20, "ana-dev", []),
    ]


def test_closing_ignores_what_github_reports_for_other_repositories_and_unknown_prs(github_api):
    pr = pull_request_from(pr_payload(7, merged_at=V2_MERGE))
    with pytest.raises(closing.GithubUnavailable, match="does not know"):
        closing.issues_closed_by(pr)
    github_api.closing[(REPO, 7)] = [
        Issue(REPO, 1, closed_by=(REPO, 7)),
        Issue(REPO, 2, state="OPEN"),
        Issue("someone/else", 3, closed_by=(REPO, 7)),
        Issue(REPO, 4, closed_by=("someone/else", 7)),  # same number, another repository's pull request
    ]
    assert closing.issues_closed_by(pr) == closing.ClosingCheck(closed=((REPO, 1),), pending=((REPO, 2),))
