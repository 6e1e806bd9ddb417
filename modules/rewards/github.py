"""Reading GitHub payloads and scoring them by a rules version. Pure functions: no database access."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from typing import Any

# GitHub's closing keywords: "closes #12", "Fixes owner/repo#12", "resolved #3" …
_CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:(?P<repo>[\w.-]+/[\w.-]+))?#(?P<number>\d+)\b",
    re.IGNORECASE,
)


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

    def closes(self) -> list[tuple[str, int]]:
        """Issues this PR closes by GitHub's closing keywords in its description (same repository by default)."""
        found = []
        for match in _CLOSING.finditer(self.body or ""):
            found.append(((match["repo"] or self.repository).lower(), int(match["number"])))
        return sorted(set(found))


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
