"""Which issues a merged pull request really closed, asked of GitHub's GraphQL API.

The webhook payload of a merged pull request does not say which issues it closed, and its description proves
nothing: anyone may write "fixes #42" under an issue someone else solved, and GitHub closes an issue only for
keywords that point at it in the same repository (or for issues a maintainer linked by hand). So the answer comes
from GitHub itself, in one query:

- `closingIssuesReferences`: the issues GitHub links to the pull request as closed by it (its closing keywords and
  manual links), and for each one
- its state and the `closer` of its last `ClosedEvent`: an issue counts only if it is closed and what closed it is
  this very pull request, in the same repository.

An issue in another repository never counts (rewards stay within the repository that accepted the work). GitHub
closes the issues a moment after the merge, so an issue still open is reported as `pending` (the caller asks again
later). Errors of any kind are `GithubUnavailable`: the caller decides whether to retry. The token is never logged.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from modules.rewards.github import PullRequest

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_REFERENCES = 50  # far past anything real; more are ignored (and logged)

QUERY = """
query ClosedBy($owner: String!, $name: String!, $number: Int!, $first: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      merged
      closingIssuesReferences(first: $first) {
        pageInfo { hasNextPage }
        nodes {
          number
          state
          repository { nameWithOwner }
          timelineItems(itemTypes: [CLOSED_EVENT], last: 1) {
            nodes {
              ... on ClosedEvent {
                closer { __typename ... on PullRequest { number repository { nameWithOwner } } }
              }
            }
          }
        }
      }
    }
  }
}
"""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The API never redirects a query; following one would hand the token to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class GithubUnavailable(Exception):
    """GitHub could not be asked, or did not answer usefully. The message never contains the token."""


@dataclass(frozen=True)
class ClosingCheck:
    closed: tuple[tuple[str, int], ...]  # (repository, number): closed by this pull request, same repository
    pending: tuple[tuple[str, int], ...]  # referenced, same repository, still open (GitHub may close it any moment)


def _post(query: str, variables: dict) -> dict:
    token = settings.REWARDS_GITHUB_TOKEN
    if not token:
        raise GithubUnavailable("REWARDS_GITHUB_TOKEN is not set")
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is a validated http(s) setting
        settings.REWARDS_GITHUB_GRAPHQL_URL,
        data=body,
        method="POST",
        headers={
            "Authorization": f"bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "selflink-rewards",
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise GithubUnavailable(f"GitHub answered {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise GithubUnavailable(f"GitHub could not be reached ({type(exc).__name__})") from None


def issues_closed_by(pr: PullRequest) -> ClosingCheck:
    """The issues of `pr`'s repository that `pr` closed (and those it references that are still open)."""
    owner, _, name = pr.repository.partition("/")
    answer = _post(QUERY, {"owner": owner, "name": name, "number": pr.number, "first": MAX_REFERENCES})
    if answer.get("errors"):
        kinds = sorted({str(error.get("type", "error")) for error in answer["errors"] if isinstance(error, dict)})
        raise GithubUnavailable(f"GitHub refused the query ({', '.join(kinds) or 'error'})")
    try:
        pull = answer["data"]["repository"]["pullRequest"]
    except (KeyError, TypeError):
        raise GithubUnavailable("GitHub's answer has no pull request") from None
    if not pull:
        raise GithubUnavailable(f"GitHub does not know {pr.key}")
    references = pull.get("closingIssuesReferences") or {}
    if (references.get("pageInfo") or {}).get("hasNextPage"):
        logger.warning("%s lists more than %d closing references; the rest are ignored", pr.key, MAX_REFERENCES)
    closed, pending = [], []
    for issue in references.get("nodes") or []:
        repository = str((issue.get("repository") or {}).get("nameWithOwner", "")).lower()
        if repository != pr.repository:
            continue  # another repository's issue is never paid from this one
        key = (repository, int(issue["number"]))
        if issue.get("state") != "CLOSED":
            pending.append(key)
            continue
        events = (issue.get("timelineItems") or {}).get("nodes") or []
        closer = (events[-1] or {}).get("closer") if events else None
        if (
            closer
            and closer.get("__typename") == "PullRequest"
            and int(closer.get("number", -1)) == pr.number
            and str((closer.get("repository") or {}).get("nameWithOwner", "")).lower() == pr.repository
        ):
            closed.append(key)
    return ClosingCheck(closed=tuple(sorted(set(closed))), pending=tuple(sorted(set(pending))))
