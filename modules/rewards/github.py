"""Reading GitHub payloads and scoring them by a rules version. Pure functions: no database access."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any


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
    pr = payload.get("pull_request", payload)
    repo = repository or pr.get("base", {}).get("repo", {}).get("full_name") or payload["repository"]["full_name"]
    return PullRequest(
        repository=str(repo).lower(),
        number=int(pr["number"]),
        url=str(pr["html_url"]),
        author=str(pr["user"]["login"]),
        merged_at=pr.get("merged_at"),
        labels=tuple(sorted(str(label["name"]).lower() for label in pr.get("labels") or [])),
        body=str(pr.get("body") or ""),
    )


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
