"""A local stand-in for an OpenAI-compatible Chat Completions server (`POST /v1/chat/completions`) on 127.0.0.1.

It answers like the real thing: a `chat.completion` object, or with `"stream": true` a chunked
`text/event-stream` of `data: {chat.completion.chunk}` lines ending with `data: [DONE]`. Every request is recorded
(headers, JSON body) so tests can check what was sent: system vs user messages, the Authorization header.

`script` queues behaviours for the next requests: an error status (401 quoting the key the way OpenAI does, 429,
500), a slow first token, a slow token rate, a connection dropped after N tokens, an error event mid-stream, or
a reply that never comes. `aborted` records the streams whose client went away before the end (how many tokens
had been written), which is how tests see that generation stopped.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from tests.localserver import LocalServer

COMPLETIONS = "/v1/chat/completions"
DEFAULT_REPLY = ["Hello", " from", " the", " fake", " model", "."]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    def roles(self) -> list[str]:
        return [m["role"] for m in self.messages]


@dataclass
class Behaviour:
    status: int = 200
    tokens: list[str] | None = None  # default: DEFAULT_REPLY
    first_token_delay: float = 0.0
    token_delay: float = 0.0
    drop_after: int | None = None  # close the connection (no final chunk) after this many tokens
    error_event_after: int | None = None  # send an OpenAI error event after this many tokens
    hang: bool = False  # accept the request and never answer
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Aborted:
    tokens_written: int
    tokens_planned: int


class FakeLLMServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: deque[Behaviour] = deque()
        self.default = Behaviour()
        self.aborted: list[Aborted] = []
        self.finished = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with fake._lock:
                    fake.requests.append(recorded)
                    behaviour = fake.script.popleft() if fake.script else fake.default
                self.close_connection = True
                with contextlib.suppress(OSError):
                    fake._answer(self, recorded, behaviour)

            def log_message(self, *args):
                pass

        self.local = LocalServer(Handler)

    @property
    def url(self) -> str:
        return f"{self.local.origin}/v1"

    def close(self) -> None:
        self._stop.set()
        self.local.close()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stop.wait(seconds)

    def wait_for(self, predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return False

    # --- answers ------------------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, request: Recorded, behaviour: Behaviour) -> None:
        if request.path != COMPLETIONS:
            return self._json(handler, 404, {"error": {"message": "Not found", "type": "invalid_request_error"}})
        if behaviour.hang:
            self.sleep(3600)
            return None
        if behaviour.status != 200:
            return self._error(handler, request, behaviour)
        tokens = list(behaviour.tokens if behaviour.tokens is not None else DEFAULT_REPLY)
        model = request.body.get("model", "fake-model")
        if not request.body.get("stream"):
            self.sleep(behaviour.first_token_delay)
            return self._json(
                handler,
                200,
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(tokens)},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": len(tokens), "total_tokens": 10 + len(tokens)},
                },
            )
        return self._stream(handler, tokens, model, behaviour)

    def _json(self, handler, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Connection", "close")
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _error(self, handler, request: Recorded, behaviour: Behaviour) -> None:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        messages = {
            401: f"Incorrect API key provided: {key}. You can find your API key at https://example.invalid.",
            429: f"Rate limit reached for key {key}.",
            500: "The server had an error while processing your request.",
        }
        payload = {
            "error": {
                "message": messages.get(behaviour.status, "error"),
                "type": "invalid_request_error",
                "code": "invalid_api_key" if behaviour.status == 401 else None,
            }
        }
        self._json(handler, behaviour.status, payload, behaviour.headers)

    def _stream(self, handler, tokens: list[str], model: str, behaviour: Behaviour) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()

        def send(data: bytes) -> None:
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        def event(payload) -> None:
            send(b"data: " + (payload if isinstance(payload, bytes) else json.dumps(payload).encode()) + b"\n\n")

        def chunk(delta: dict, finish: str | None = None) -> dict:
            return {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        written = 0
        try:
            self.sleep(behaviour.first_token_delay)
            event(chunk({"role": "assistant", "content": ""}))
            for index, token in enumerate(tokens):
                if index:
                    self.sleep(behaviour.token_delay)
                if behaviour.drop_after is not None and index >= behaviour.drop_after:
                    handler.wfile.flush()
                    handler.connection.shutdown(2)  # no final chunk: an incomplete body
                    return
                if behaviour.error_event_after is not None and index >= behaviour.error_event_after:
                    event({"error": {"message": "The model crashed.", "type": "server_error"}})
                    send(b"")
                    return
                event(chunk({"content": token}))
                written += 1
            event(chunk({}, "stop"))
            event(b"[DONE]")
            send(b"")
            with self._lock:
                self.finished += 1
        except OSError:
            with self._lock:
                self.aborted.append(Aborted(tokens_written=written, tokens_planned=len(tokens)))
