"""A local stand-in for the Expo push API, Google's OAuth token endpoint and FCM HTTP v1, on 127.0.0.1.

It records every request and answers like the real services: Expo tickets (with `DeviceNotRegistered` for
tokens in `dead`), receipts, FCM sends (404 `UNREGISTERED` for dead tokens) and OAuth tokens for a correctly
signed service-account JWT. `script` queues special answers (a 500, a slow reply) for the next requests.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import jwt

from tests.localserver import LocalServer

EXPO_SEND = "/--/api/v2/push/send"
EXPO_RECEIPTS = "/--/api/v2/push/getReceipts"
OAUTH_TOKEN = "/token"
FCM_SEND_PREFIX = "/v1/projects/"
ACCESS_TOKEN = "fake-oauth-access-token"


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: object = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class FakePushServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: deque[Answer] = deque()
        self.dead: set[str] = set()
        self.receipts: dict[str, dict] = {}
        self.public_key: str | None = None  # FCM: the service account's public key, to check the JWT
        self.tickets = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with fake._lock:
                    fake.requests.append(recorded)
                    answer = fake.script.popleft() if fake.script else None
                if answer is None:
                    answer = fake.answer(recorded)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args):
                pass

        self.local = LocalServer(Handler)

    @property
    def url(self) -> str:
        return self.local.origin

    def close(self) -> None:
        self.local.close()

    def sent(self, path_prefix: str = EXPO_SEND) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    # --- default answers, like the real services -------------------------------------------------

    def answer(self, request: Recorded) -> Answer:
        if request.path == EXPO_SEND:
            return self._expo_send(request)
        if request.path == EXPO_RECEIPTS:
            ids = request.json()["ids"]
            return Answer(body={"data": {i: self.receipts[i] for i in ids if i in self.receipts}})
        if request.path == OAUTH_TOKEN:
            return self._oauth(request)
        if request.path.startswith(FCM_SEND_PREFIX):
            return self._fcm_send(request)
        return Answer(404, {"error": "unknown path"})

    def _expo_send(self, request: Recorded) -> Answer:
        tickets = []
        for message in request.json():
            if message["to"] in self.dead:
                tickets.append(
                    {
                        "status": "error",
                        "message": f'"{message["to"]}" is not a registered push notification recipient',
                        "details": {"error": "DeviceNotRegistered"},
                    }
                )
            else:
                with self._lock:
                    self.tickets += 1
                    tickets.append({"status": "ok", "id": f"ticket-{self.tickets}"})
        return Answer(body={"data": tickets})

    def _oauth(self, request: Recorded) -> Answer:
        form = urllib.parse.parse_qs(request.body.decode())
        try:
            claims = jwt.decode(
                form["assertion"][0], self.public_key, algorithms=["RS256"], audience=f"{self.url}{OAUTH_TOKEN}"
            )
        except (KeyError, TypeError, jwt.PyJWTError):
            return Answer(400, {"error": "invalid_grant"})
        if (
            form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            or "firebase" not in claims["scope"]
        ):
            return Answer(400, {"error": "invalid_grant"})
        return Answer(body={"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})

    def _fcm_send(self, request: Recorded) -> Answer:
        if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return Answer(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
        token = request.json()["message"]["token"]
        if token in self.dead:
            return Answer(
                404,
                {
                    "error": {
                        "code": 404,
                        "status": "NOT_FOUND",
                        "message": "Requested entity was not found.",
                        "details": [
                            {
                                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                "errorCode": "UNREGISTERED",
                            }
                        ],
                    }
                },
            )
        return Answer(body={"name": "projects/selflink-test/messages/0:1234"})
