"""A local stand-in for GitHub's GraphQL API (`POST /graphql`), answering the one query of `rewards.closing`.

`closing[(repository, number)]` lists the closing references of a pull request as GitHub would report them: each
issue's repository, number, state and what closed it (a pull request `(repository, number)`, or None). `failures`
queues HTTP statuses (or `"errors"` for a GraphQL error answer) for the next requests. Requests are recorded.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.localserver import LocalServer


@dataclass
class Issue:
    repository: str
    number: int
    state: str = "CLOSED"
    closed_by: tuple[str, int] | None = None  # the pull request whose merge closed it


@dataclass
class Recorded:
    headers: dict[str, str]
    body: dict = field(default_factory=dict)


class FakeGitHub:
    def __init__(self) -> None:
        self.closing: dict[tuple[str, int], list[Issue]] = {}
        self.failures: deque[int | str] = deque()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw or b"{}")
                with fake._lock:
                    fake.requests.append(Recorded({k.lower(): v for k, v in self.headers.items()}, body))
                    failure = fake.failures.popleft() if fake.failures else None
                if self.path != "/graphql":
                    return self._send(404, {"message": "Not Found"})
                if isinstance(failure, int):
                    return self._send(failure, {"message": "Server Error"})
                if failure == "errors":
                    return self._send(200, {"errors": [{"type": "RATE_LIMITED", "message": "slow down"}]})
                variables = body.get("variables") or {}
                key = (f"{variables['owner']}/{variables['name']}".lower(), int(variables["number"]))
                issues = fake.closing.get(key)
                pull = None if issues is None else {"merged": True, "closingIssuesReferences": _references(issues)}
                return self._send(200, {"data": {"repository": {"pullRequest": pull}}})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.local = LocalServer(Handler)

    @property
    def url(self) -> str:
        return f"{self.local.origin}/graphql"

    def close(self) -> None:
        self.local.close()


def _references(issues: list[Issue]) -> dict:
    nodes = []
    for issue in issues:
        closer = None
        if issue.closed_by is not None:
            repository, number = issue.closed_by
            closer = {"__typename": "PullRequest", "number": number, "repository": {"nameWithOwner": repository}}
        events = [{"closer": closer}] if issue.state == "CLOSED" else []
        nodes.append(
            {
                "number": issue.number,
                "state": issue.state,
                "repository": {"nameWithOwner": issue.repository},
                "timelineItems": {"nodes": events},
            }
        )
    return {"pageInfo": {"hasNextPage": False}, "nodes": nodes}
