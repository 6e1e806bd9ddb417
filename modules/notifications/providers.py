"""Push providers behind one small interface, spoken over HTTP with the standard library.

* **Expo** (`expo`): the Expo push API. One POST of up to 100 messages returns one ticket per message, in order;
  a ticket with `DeviceNotRegistered` means the token is dead. Tickets that were accepted get a receipt later
  (`check_receipts`), which is where most dead tokens show up.
* **FCM HTTP v1** (`fcm`): native Android registration tokens. A service-account key signs a JWT (RS256), which
  is exchanged for an OAuth access token (cached until shortly before it expires); each message is one POST.
  `UNREGISTERED` (404) means the token is dead. Used only when `FCM_SERVICE_ACCOUNT_FILE` is set.
* **APNs** tokens are refused at registration: Apple's API is HTTP/2 only, which the standard library does not
  speak. iOS apps register an Expo token (or an FCM token through Firebase) instead.

Every request has a bounded timeout; 5xx, 429, timeouts and connection errors are retried with exponential
backoff (`PUSH_MAX_ATTEMPTS`, `PUSH_RETRY_BACKOFF_MS`). Tokens and provider error messages (which quote the
token) are never logged; log lines carry `mask_token(token)` and the provider's error code only.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPException
from typing import Protocol

import jwt
from django.conf import settings

logger = logging.getLogger(__name__)

EXPO_TOKEN = re.compile(r"^(Exponent|Expo)PushToken\[([A-Za-z0-9_-]{8,200})\]$")
FCM_TOKEN = re.compile(r"^[A-Za-z0-9_:.-]{32,512}$")
EXPO_BATCH = 100  # messages per request (Expo's limit)
EXPO_RECEIPTS_BATCH = 1000  # receipt ids per request (Expo's limit)
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_RETRY_AFTER_SECONDS = 30.0
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"


class PushError(Exception):
    """A provider refused a request or answered something unusable. Messages never contain tokens."""


class TransientPushError(PushError):
    """Still failing after every retry (5xx, 429, timeouts, connection errors)."""


class CredentialsRefused(PushError):
    """The provider refused our credentials: every further request would fail the same way."""


@dataclass(frozen=True)
class PushMessage:
    device_id: int
    token: str
    title: str
    body: str
    data: dict[str, str]
    badge: int | None = None


@dataclass(frozen=True)
class PushResult:
    device_id: int
    ok: bool
    unregistered: bool = False  # the token is dead: delete the device
    error: str | None = None  # provider error code (never the provider's free text, which quotes the token)
    ticket_id: str | None = None  # Expo: check its receipt later


class PushProvider(Protocol):
    platform: str

    def send(self, messages: Sequence[PushMessage]) -> list[PushResult]: ...


def mask_token(token: str) -> str:
    """`ExponentPushToken[…Xy9z]` / `…Xy9z (163 chars)`: enough to tell devices apart in logs, useless to send."""
    match = EXPO_TOKEN.match(token or "")
    if match:
        return f"{match[1]}PushToken[…{match[2][-4:]}]"
    return f"…{(token or '')[-4:]} ({len(token or '')} chars)"


# --- HTTP -----------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A push endpoint never redirects; following one would send credentials to another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    headers: Message = field(default_factory=Message)

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise PushError(f"unreadable response (HTTP {self.status})") from exc


def _retry_after(headers: Message | None) -> float | None:
    value = (headers or Message()).get("Retry-After")
    try:
        return min(float(value), MAX_RETRY_AFTER_SECONDS) if value else None
    except ValueError:
        return None


def http_post(url: str, body: bytes, headers: dict[str, str]) -> HttpResponse:
    """POST with a bounded timeout and retries of transient failures. 4xx answers are returned, not raised."""
    if not url.startswith(("https://", "http://")):
        raise PushError("push URLs must be http(s)")
    attempts = settings.PUSH_MAX_ATTEMPTS
    backoff = settings.PUSH_RETRY_BACKOFF_MS / 1000
    problem = "no attempt made"
    for attempt in range(attempts):
        wait = backoff * 2**attempt
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
        try:
            with _opener.open(request, timeout=settings.PUSH_TIMEOUT_SECONDS) as response:
                return HttpResponse(response.status, response.read(MAX_RESPONSE_BYTES), response.headers)
        except urllib.error.HTTPError as exc:
            status, content, reply_headers = exc.code, exc.read(MAX_RESPONSE_BYTES), exc.headers
            exc.close()
            if status < 500 and status != 429:
                return HttpResponse(status, content, reply_headers)
            problem = f"HTTP {status}"
            wait = max(wait, _retry_after(reply_headers) or 0)
        except (TimeoutError, urllib.error.URLError, HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            problem = "timeout" if isinstance(reason, TimeoutError) else f"{type(reason).__name__}"
        if attempt + 1 < attempts:
            logger.info("push request failed (%s), retry %d of %d in %.1fs", problem, attempt + 1, attempts - 1, wait)
            time.sleep(wait)
    raise TransientPushError(f"{problem} after {attempts} attempt(s)")


def _json_headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Content-Type": "application/json", "Accept": "application/json", **(extra or {})}


# --- Expo -----------------------------------------------------------------------------------------


class ExpoProvider:
    platform = "expo"

    def _headers(self) -> dict[str, str]:
        token = settings.EXPO_ACCESS_TOKEN
        return _json_headers({"Authorization": f"Bearer {token}"} if token else None)

    @staticmethod
    def _message(message: PushMessage) -> dict:
        payload = {
            "to": message.token,
            "title": message.title,
            "body": message.body,
            "data": message.data,
            "sound": "default",
            "priority": "high",
        }
        if message.badge is not None:
            payload["badge"] = message.badge
        return payload

    def send(self, messages: Sequence[PushMessage]) -> list[PushResult]:
        results: list[PushResult] = []
        down: TransientPushError | None = None
        for start in range(0, len(messages), EXPO_BATCH):
            batch = messages[start : start + EXPO_BATCH]
            try:
                if down:  # the service is down: the remaining batches fail without another round of retries
                    raise down
                results += self._send_batch(batch)
            except PushError as exc:
                down = exc if isinstance(exc, TransientPushError) else None
                results += [PushResult(device_id=m.device_id, ok=False, error=str(exc)) for m in batch]
        return results

    def _send_batch(self, batch: Sequence[PushMessage]) -> list[PushResult]:
        body = json.dumps([self._message(m) for m in batch]).encode()
        response = http_post(settings.EXPO_PUSH_URL, body, self._headers())
        payload = response.json()
        if response.status != 200:
            raise PushError(f"Expo refused the request: HTTP {response.status} {_expo_error_codes(payload)}")
        tickets = payload.get("data") if isinstance(payload, dict) else None
        if isinstance(tickets, dict):  # a single message may be answered with a single ticket
            tickets = [tickets]
        if not isinstance(tickets, list) or len(tickets) != len(batch):
            raise PushError(f"Expo answered without one ticket per message {_expo_error_codes(payload)}")
        return [_expo_result(message, ticket) for message, ticket in zip(batch, tickets, strict=True)]

    def check_receipts(self, ticket_ids: Sequence[str]) -> dict[str, str | None]:
        """Receipt per ticket id: None when delivered, else the error code (`DeviceNotRegistered`, …). Tickets
        without a receipt yet are left out."""
        outcome: dict[str, str | None] = {}
        for start in range(0, len(ticket_ids), EXPO_RECEIPTS_BATCH):
            ids = list(ticket_ids[start : start + EXPO_RECEIPTS_BATCH])
            response = http_post(settings.EXPO_RECEIPTS_URL, json.dumps({"ids": ids}).encode(), self._headers())
            payload = response.json()
            if response.status != 200 or not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
                raise PushError(f"Expo refused the receipts request: HTTP {response.status}")
            for ticket_id, receipt in payload["data"].items():
                if not isinstance(receipt, dict):
                    continue
                if receipt.get("status") == "ok":
                    outcome[ticket_id] = None
                else:
                    outcome[ticket_id] = str((receipt.get("details") or {}).get("error") or "unknown_error")
        return outcome


def _expo_error_codes(payload) -> str:
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list):
        return ""
    return "(" + ", ".join(str(e.get("code", "?")) for e in errors if isinstance(e, dict)) + ")"


def _expo_result(message: PushMessage, ticket) -> PushResult:
    if isinstance(ticket, dict) and ticket.get("status") == "ok":
        return PushResult(device_id=message.device_id, ok=True, ticket_id=str(ticket.get("id") or "") or None)
    details = ticket.get("details") if isinstance(ticket, dict) else None
    code = str((details or {}).get("error") or "unknown_error")
    return PushResult(device_id=message.device_id, ok=False, unregistered=code == "DeviceNotRegistered", error=code)


# --- FCM HTTP v1 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceAccount:
    project_id: str
    client_email: str
    private_key: str
    private_key_id: str
    token_uri: str

    @classmethod
    def load(cls, path: str) -> ServiceAccount:
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
        if raw.get("type", "service_account") != "service_account":
            raise PushError("FCM_SERVICE_ACCOUNT_FILE is not a service-account key")
        try:
            return cls(
                project_id=settings.FCM_PROJECT_ID or raw["project_id"],
                client_email=raw["client_email"],
                private_key=raw["private_key"],
                private_key_id=raw.get("private_key_id", ""),
                token_uri=settings.FCM_TOKEN_URL or raw.get("token_uri") or DEFAULT_GOOGLE_TOKEN_URL,
            )
        except KeyError as exc:
            raise PushError(f"the FCM service-account key lacks {exc.args[0]}") from exc


class FcmProvider:
    platform = "fcm"
    _lock = threading.Lock()
    _cached: tuple[str, str, float] | None = None  # (credentials file, access token, expires at monotonic)

    def __init__(self) -> None:
        self.account = ServiceAccount.load(settings.FCM_SERVICE_ACCOUNT_FILE)

    @classmethod
    def forget_access_token(cls) -> None:
        with cls._lock:
            cls._cached = None

    def _access_token(self) -> str:
        with self._lock:
            cached = FcmProvider._cached
            if cached and cached[0] == settings.FCM_SERVICE_ACCOUNT_FILE and cached[2] > time.monotonic():
                return cached[1]
            now = int(time.time())
            assertion = jwt.encode(
                {
                    "iss": self.account.client_email,
                    "scope": FCM_SCOPE,
                    "aud": self.account.token_uri,
                    "iat": now,
                    "exp": now + 3600,
                },
                self.account.private_key,
                algorithm="RS256",
                headers={"kid": self.account.private_key_id} if self.account.private_key_id else None,
            )
            form = urllib.parse.urlencode(
                {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
            ).encode()
            response = http_post(
                self.account.token_uri,
                form,
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            )
            payload = response.json()
            if response.status != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
                error = payload.get("error") if isinstance(payload, dict) else None
                raise CredentialsRefused(f"FCM credentials were refused: HTTP {response.status} {error or ''}".strip())
            lifetime = int(payload.get("expires_in") or 3600)
            token = str(payload["access_token"])
            FcmProvider._cached = (settings.FCM_SERVICE_ACCOUNT_FILE, token, time.monotonic() + lifetime - 60)
            return token

    def _url(self) -> str:
        return settings.FCM_SEND_URL.replace("{project_id}", urllib.parse.quote(self.account.project_id, safe=""))

    @staticmethod
    def _message(message: PushMessage) -> dict:
        android = {"priority": "HIGH", "notification": {"sound": "default"}}
        if message.badge is not None:
            android["notification"]["notification_count"] = message.badge
        return {
            "message": {
                "token": message.token,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
                "android": android,
            }
        }

    def send(self, messages: Sequence[PushMessage]) -> list[PushResult]:
        results = []
        down: PushError | None = None  # a failure that would repeat for every other message
        for message in messages:
            try:
                if down:  # FCM or its token endpoint is down, or our credentials were refused: stop here
                    raise down
                results.append(self._send_one(message))
            except PushError as exc:
                down = exc if isinstance(exc, TransientPushError | CredentialsRefused) else None
                results.append(PushResult(device_id=message.device_id, ok=False, error=str(exc)))
        return results

    def _send_one(self, message: PushMessage, *, retried_auth: bool = False) -> PushResult:
        body = json.dumps(self._message(message)).encode()
        response = http_post(self._url(), body, _json_headers({"Authorization": f"Bearer {self._access_token()}"}))
        if response.status == 200:
            return PushResult(device_id=message.device_id, ok=True)
        if response.status == 401 and not retried_auth:  # the cached access token expired early: get a new one
            self.forget_access_token()
            return self._send_one(message, retried_auth=True)
        code = _fcm_error_code(response)
        unregistered = code == "UNREGISTERED" or response.status == 404
        return PushResult(device_id=message.device_id, ok=False, unregistered=unregistered, error=code)


def _fcm_error_code(response: HttpResponse) -> str:
    try:
        error = response.json().get("error") or {}
    except (PushError, AttributeError):
        return f"HTTP {response.status}"
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status") or f"HTTP {response.status}")


# --- registry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformSupport:
    accepted: bool
    code: str = ""
    reason: str = ""


def platform_support(platform: str) -> PlatformSupport:
    """Whether tokens of `platform` are accepted at registration: only those this server can deliver to."""
    if platform == "expo":
        return PlatformSupport(True)
    if platform == "fcm":
        if settings.FCM_SERVICE_ACCOUNT_FILE:
            return PlatformSupport(True)
        return PlatformSupport(
            False,
            code="platform_unavailable",
            reason="This server has no FCM credentials; register an Expo push token.",
        )
    return PlatformSupport(
        False,
        code="platform_unsupported",
        reason="APNs tokens are not accepted (Apple's API needs HTTP/2); on iOS register an Expo or FCM token.",
    )


def deliverable_platforms() -> list[str]:
    return [platform for platform in ("expo", "fcm", "apns") if platform_support(platform).accepted]


def token_valid(platform: str, token: str) -> bool:
    if platform == "expo":
        return bool(EXPO_TOKEN.match(token))
    if platform == "fcm":
        return bool(FCM_TOKEN.match(token))
    return False


def provider_for(platform: str) -> PushProvider | None:
    if platform == "expo":
        return ExpoProvider()
    if platform == "fcm" and settings.FCM_SERVICE_ACCOUNT_FILE:
        return FcmProvider()
    return None


def flatten_data(data: dict[str, object | None]) -> dict[str, str]:
    """Push data as string values (FCM requires it; Expo clients get the same shape)."""
    return {key: "" if value is None else str(value) for key, value in data.items()}
