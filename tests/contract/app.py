"""The mobile app's side of the wire, for the contract tests: requests built as the app builds them.

`App` mirrors `src/api/client.ts` in selflink-mobile (commit 762ef39): an axios instance with
`baseURL = <server>/api/v1`, `Accept: application/json`, `Accept-Language`, `Authorization: Bearer <access>`
on every call, JSON bodies, and multipart `FormData` for uploads. Like axios, a URL that is already absolute
(the `next` of a page, which the app GETs as it is) is fetched unchanged; any other path is joined to the base.
Each test replays one row of `../shared/reference/mobile-app-contract.md` with the app's exact paths, query
parameters, bodies and vocabularies, and asserts what the screen reads.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

_numbers = itertools.count(1)


@dataclass
class App:
    server_url: str
    token: str | None = None
    refresh_token: str | None = None
    user: dict[str, Any] = field(default_factory=dict)
    language: str = "en-US"

    @property
    def base_url(self) -> str:
        return f"{self.server_url}/api/v1"

    def _url(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {"Accept": "application/json", "Accept-Language": self.language, **kwargs.pop("headers", {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        with httpx.Client(timeout=30) as client:
            return client.request(method, self._url(url), headers=headers, **kwargs)

    def get(self, url: str, **params: Any) -> httpx.Response:
        params = {k: v for k, v in params.items() if v is not None}
        # Like axios, `params` are added to a query the URL already has (a `next` URL's cursor, the app's own
        # `?post=&page=`); httpx would replace that query with `params`, even with an empty one.
        query = httpx.URL(self._url(url)).params.merge(params) if params else None
        return self.request("GET", url, params=query)

    def post(self, url: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        """JSON `body`, or `files=`/`data=` for multipart (the app's FormData)."""
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if body is not None:
            kwargs["json"] = body
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str) -> httpx.Response:
        return self.request("DELETE", url)

    # --- what the app does at sign-up (src/api/auth.ts `register`, then `me`) ---------------------------------

    @classmethod
    def sign_up(cls, server_url: str, *, name: str | None = None, handle: str | None = None) -> App:
        n = next(_numbers)
        handle = handle or f"app_user_{n}_{time.monotonic_ns() % 100_000}"
        app = cls(server_url)
        response = app.post(
            "/auth/register/",
            {
                "email": f"{handle}@example.org",
                "password": "correct horse battery staple",
                "handle": handle,
                "username": handle,  # `username ?? handle`
                "name": name or f"App User {n}",
            },
        )
        assert response.status_code == 201, response.text
        body = response.json()
        app.token, app.refresh_token = body["token"], body["refreshToken"]
        app.user = app.get("/users/me/").json()
        return app

    @property
    def id(self) -> int:
        return self.user["id"]

    # --- realtime (src/realtime/index.ts): `?token=` and optional `&channels=` on the API's host --------------

    def socket(self, *, channels: list[str] | None = None, token: str | None = None) -> ClientConnection:
        url = f"{self.server_url.replace('http', 'ws', 1)}/ws?token={token or self.token}"
        if channels:
            url += "&channels=" + ",".join(channels)
        ws = connect(url, open_timeout=10, legacy=True)  # callers use it with `with`, or close it themselves
        ws.send(json.dumps({"type": "ping"}))
        # Once the pong arrives the socket is subscribed and live. An event committed just before it subscribed
        # may come first (the hub delivers what it had not dispatched yet): keep those for `frames_until`.
        early: list[dict] = []
        while (frame := json.loads(ws.recv(timeout=10))) != {"type": "pong"}:
            early.append(frame)
        _EARLY[id(ws)] = early
        return ws


_EARLY: dict[int, list[dict]] = {}


def frames_until(ws: ClientConnection, predicate, timeout: float = 10) -> list[dict]:
    """Frames received until one satisfies `predicate` (that one last); fails after `timeout`."""
    seen: list[dict] = []
    early = _EARLY.get(id(ws), [])
    while early:
        seen.append(early.pop(0))
        if predicate(seen[-1]):
            return seen
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no matching frame within {timeout}s; got {seen}")
        frame = json.loads(ws.recv(timeout=remaining))
        seen.append(frame)
        if predicate(frame):
            return seen


def frame_of_type(ws: ClientConnection, type_: str, timeout: float = 10) -> dict:
    return frames_until(ws, lambda f: f.get("type") == type_, timeout)[-1]
