"""Reading GitHub: webhook deliveries checked and parsed (once, into typed values), pull requests scored by a rules
version. Pure functions: no database access."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modules.core.public import ApiError, BadRequest, NotAuthenticated
from modules.rewards import canonical


class WebhookDisabled(ApiError):
    status = 403
    code = "webhook_disabled"
    detail = "The GitHub webhook is disabled: no secret is configured."


class MalformedPayload(BadRequest):
    """A signed delivery whose body is not the GitHub event it names: refused before the ledger sees it."""

    code = "unexpected_payload"


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """X-Hub-Signature-256: `sha256=` + hex HMAC-SHA256 of the raw body, compared in constant time."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


@dataclass(frozen=True)
class PullRequest:
    repository: str
    number: int
    url: str
    author: str
    merged_at: str | None
    labels: tuple[str, ...]
    body: str

    @property
    def key(self) -> str:
        return f"pr:{self.repository}#{self.number}"

    def message(self) -> dict[str, Any]:
        """What a job needs to record it later: public metadata, never the description."""
        return {
            "repository": self.repository,
            "number": self.number,
            "url": self.url,
            "author": self.author,
            "merged_at": self.merged_at,
            "labels": list(self.labels),
        }

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> PullRequest:
        return cls(**{**data, "labels": tuple(data["labels"]), "body": ""})


def authored_text(*, action: str, sender: str | None, author: str, text: str, previous: str | None) -> str:
    """The part of an event's text that `author` provably wrote, for identity proofs ("" when none is).

    GitHub names who caused an event (`sender`) apart from who owns the text (the pull request's or the comment's
    `user`): a maintainer can edit anyone's description or comment. So the text counts only when the one who wrote
    it now is its owner: a pull request or comment they created, or their own edit, and of an edit only what the
    edit added (a token already in the old text may have been put there by someone else)."""
    if not sender or sender.lower() != author.lower():
        return ""
    if action in {"opened", "created"}:
        return text
    if action == "edited" and previous is not None:
        return text if text != previous else ""
    return ""


def pull_request_from(payload: dict[str, Any], repository: str | None = None) -> PullRequest:
    """A webhook's or an export's pull request. Raises KeyError, TypeError, ValueError or AttributeError when a field
    is missing or of the wrong kind (`merged_at` included: it must be an ISO 8601 moment)."""
    pr = payload.get("pull_request", payload)
    repo = repository or pr.get("base", {}).get("repo", {}).get("full_name") or payload["repository"]["full_name"]
    merged_at = pr.get("merged_at")
    if merged_at:
        dt.datetime.fromisoformat(merged_at.replace("Z", "+00:00"))
    return PullRequest(
        repository=str(repo).lower(),
        number=int(pr["number"]),
        url=str(pr["html_url"]),
        author=str(pr["user"]["login"]),
        merged_at=merged_at,
        labels=tuple(sorted(str(label["name"]).lower() for label in pr.get("labels") or [])),
        body=str(pr.get("body") or ""),
    )


# --- webhook deliveries -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueLabels:
    """An issue as an `issues` event shows it: its score may be among its labels (the label just added first)."""

    repository: str
    number: int
    url: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Authored:
    """Text on GitHub (a pull request's description, a comment), who owns it and who caused the event: an identity
    proof may be in it (`authored_text` decides how much of it counts)."""

    action: str
    sender: str | None
    author: str
    text: str
    previous: str | None  # the text before an edit
    url: str


@dataclass(frozen=True)
class Ignored:
    reason: str


@dataclass(frozen=True)
class Delivery:
    """A verified webhook delivery, parsed once. `subject` is what it asks of the ledger: a closed pull request
    (scored if merged), a scored issue's labels, text that may prove an identity, or nothing."""

    id: str
    event: str
    action: str
    payload_sha256: str
    subject: PullRequest | IssueLabels | Authored | Ignored


def delivery_parse(*, secret: str, headers: Mapping[str, str], body: bytes) -> Delivery:
    """Check a webhook request (configured secret, HMAC signature, headers) and parse its body into a `Delivery`.

    Raises `WebhookDisabled` (403), `NotAuthenticated` (401, `invalid_signature`), `BadRequest` (400,
    `missing_headers`) and `MalformedPayload` (400: `malformed_json`, or `unexpected_payload` when a field the event
    needs is missing or of the wrong kind). Only the parsing is guarded: an error while recording is a bug, not
    the sender's fault."""
    if not secret:
        raise WebhookDisabled()
    if not signature_valid(secret, body, headers.get("X-Hub-Signature-256")):
        raise NotAuthenticated("The X-Hub-Signature-256 signature is missing or wrong.", code="invalid_signature")
    event = headers.get("X-GitHub-Event", "")
    delivery_id = headers.get("X-GitHub-Delivery", "")
    if not event or not delivery_id or len(delivery_id) > 100:
        raise BadRequest("X-GitHub-Event and X-GitHub-Delivery headers are required.", code="missing_headers")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise MalformedPayload("Malformed JSON in the request body.", code="malformed_json") from exc
    if not isinstance(payload, dict):
        raise MalformedPayload("Expected a JSON object.", code="malformed_json")
    action = str(payload.get("action", ""))
    try:
        subject = _subject(event, action, payload)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedPayload(f"The {event} payload lacks expected fields.") from exc
    return Delivery(
        id=delivery_id, event=event, action=action, payload_sha256=canonical.sha256_hex(body), subject=subject
    )


def _subject(event: str, action: str, payload: dict[str, Any]) -> PullRequest | IssueLabels | Authored | Ignored:
    if event == "pull_request":
        pr = pull_request_from(payload)
        if action == "closed":
            return pr
        if action in {"opened", "edited"}:
            previous = _previous_body(payload) if action == "edited" else None
            return Authored(action, _sender(payload), author=pr.author, text=pr.body, previous=previous, url=pr.url)
        return Ignored(f"pull_request/{action} does not score (labels after merge never re-score)")
    if event == "issues" and action in {"opened", "labeled", "edited"}:
        issue = payload["issue"]
        labels = [str(label["name"]).lower() for label in issue.get("labels") or []]
        if payload.get("label"):
            labels.insert(0, str(payload["label"]["name"]).lower())
        return IssueLabels(
            repository=payload["repository"]["full_name"].lower(),
            number=int(issue["number"]),
            url=str(issue["html_url"]),
            labels=tuple(labels),
        )
    if event == "issue_comment" and action in {"created", "edited"}:
        comment = payload["comment"]
        return Authored(
            action,
            _sender(payload),
            author=str(comment["user"]["login"]),
            text=str(comment.get("body") or ""),
            previous=_previous_body(payload) if action == "edited" else None,
            url=str(comment["html_url"]),
        )
    return Ignored(f"{event}/{action} is not a rewarded event")


def _sender(payload: dict[str, Any]) -> str | None:
    login = (payload.get("sender") or {}).get("login")
    return None if login is None else str(login)


def _previous_body(payload: dict[str, Any]) -> str | None:
    body = (payload.get("changes") or {}).get("body")
    return str(body.get("from") or "") if isinstance(body, dict) else None


def score_label(labels: tuple[str, ...] | list[str], config: dict[str, Any]) -> int | None:
    """The `score:N` of an issue (first valid one, within the rules' bounds), or None."""
    prefix = config.get("issue_score_label_prefix", "score:")
    for label in labels:
        if label.startswith(prefix) and label[len(prefix) :].isdigit():
            value = int(label[len(prefix) :])
            if 1 <= value <= int(config.get("max_issue_score", 100)):
                return value
    return None


@dataclass(frozen=True)
class Award:
    """One ledger line a scored contribution produces."""

    kind: str
    points: int
    key_suffix: str = ""
    flags: tuple[str, ...] = ()
    source_url: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PullRequestScore:
    awards: list[Award] = field(default_factory=list)


def score_pull_request(
    pr: PullRequest, config: dict[str, Any], issue_scores: dict[tuple[str, int], tuple[int, str]]
) -> PullRequestScore:
    """Score a merged PR.

    * Size: exactly one size label gives its points; none or several give 0 and the flag `needs_label`.
    * Bonus labels add their points, capped in total at `bonus_cap`, as a separate `bonus` line.
    * With `issue_scores` (rules v2+): each not-yet-completed scored issue the PR closes becomes an
      `issue_completed` line with that issue's fixed score, and then the size label is not paid as well
      (the PR line records 0 points with the flag `scored_by_issue`). Bonuses still apply.
    `issue_scores` maps (repository, number) to (score, issue URL) for the closed issues that are scored and
    not completed yet.
    """
    sizes = config["size_points"]
    size_labels = [label for label in pr.labels if label in sizes]
    awards: list[Award] = []
    closed_scored = sorted(issue_scores.items()) if config.get("issue_scores") else []
    if closed_scored:
        awards.append(Award("pr_merged", 0, flags=("scored_by_issue",), source_url=pr.url))
        for (repo, number), (score, url) in closed_scored:
            awards.append(
                Award(
                    "issue_completed",
                    score,
                    key_suffix=f":issue:{repo}#{number}",
                    source_url=url,
                    reason=f"completed by {pr.url}",
                )
            )
    elif len(size_labels) == 1:
        awards.append(Award("pr_merged", int(sizes[size_labels[0]]), source_url=pr.url))
    else:
        flag = "needs_label" if not size_labels else "needs_label:several_sizes"
        awards.append(Award("pr_merged", 0, flags=(flag,), source_url=pr.url))
    bonus = sum(int(points) for label, points in config.get("bonus_labels", {}).items() if label in pr.labels)
    bonus = min(bonus, int(config.get("bonus_cap", 0)))
    if bonus > 0:
        awards.append(
            Award(
                "bonus",
                bonus,
                key_suffix=":bonus",
                source_url=pr.url,
                reason="bonus labels: " + ", ".join(label for label in pr.labels if label in config["bonus_labels"]),
            )
        )
    return PullRequestScore(awards)
