"""Checking a password under brute-force limits, for the API sign-in and the staff admin alike.

The rule (docs/SECURITY.md, "Sign-in"):

1. **Per client address**: every attempt counts, `RATE_LOGIN_PER_IP` (429 with `Retry-After`).
2. **Per account, a backoff, not a lockout.** Failures are counted per account *and kind of client*: each known
   device of the account, each known network address of the account, and one shared bucket for every other
   client. Within a bucket the first `RATE_LOGIN_PER_ACCOUNT.count` failures are free; after that each attempt
   must wait 1, 2, 4 … seconds after the previous failure, at most half of `RATE_LOGIN_PER_ACCOUNT`'s period; a
   bucket is forgotten after one period without failures, and a successful sign-in clears its own bucket. An
   attempt that must wait is refused without checking the password (429 + `Retry-After`), so the answer never
   tells whether the password was right.
3. **Known clients.** A device is known when it holds our `selflink_device` cookie and signed in to (or
   refreshed a session of) the account in the last `KNOWN_DEVICE_DAYS`; an address when the account signed in or
   refreshed from it in the last `KNOWN_IP_DAYS`. Someone failing from elsewhere slows down only the shared
   bucket, so the owner still signs in from their phone or their usual network; someone on the owner's network
   (a shared NAT) slows down that address's bucket but not the owner's devices.
4. **The owner is told.** When a bucket other than a device's reaches the backoff, the account's owner gets a
   `security` notification (at most one a day): someone is failing to sign in.

Keys are HMACs keyed with SECRET_KEY: the tables hold no e-mail, address or device id.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection
from django.db.models import F
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from modules.accounts.models import KnownSignInClient, SignInBackoff, User
from modules.core.public import (
    NotAuthenticated,
    RateLimited,
    ServiceUnavailable,
    rate_limit_check,
    rate_limit_enforce,
    rate_limit_hit,
)

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "selflink_device"
DEVICE_COOKIE_MAX_AGE = 365 * 86400
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)
KNOWN_DEVICE_DAYS = 90
KNOWN_IP_DAYS = 30

# Sent when someone keeps failing to sign in to an account (notifications turns it into a `security` notification).
sign_in_failures_alert = Signal()  # keyword arguments: user_id, failures

# A password hash to check against when the e-mail is unknown, so response time does not reveal accounts.
_DUMMY_PASSWORD_HASH: str | None = None


@dataclass(frozen=True)
class _Every:
    count: int
    seconds: int


_ALERT_RATE = _Every(1, 86400)  # at most one alert per account and day


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    user_agent: str = ""
    device: str = ""  # the `selflink_device` cookie ("" when the client has none)


@dataclass(frozen=True)
class _Bucket:
    account_hash: str
    client_hash: str
    kind: str  # "device", "ip" or "unknown"


# --- the device cookie ----------------------------------------------------------------------------


def device_id_valid(value: str) -> bool:
    return bool(_DEVICE_ID.match(value or ""))


def device_from_request(request: HttpRequest) -> tuple[str, bool]:
    """The request's device id, or a new one: `(device_id, is_new)`. New ids are sent back with
    `device_cookie_set` once the sign-in succeeded."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if device_id_valid(value):
        return value, False
    return secrets.token_urlsafe(32), True


def device_cookie_set(response: HttpResponse, device_id: str) -> None:
    """Only an opaque random id: it proves nothing by itself, it only tells us the device signed in before."""
    response.set_cookie(
        DEVICE_COOKIE,
        device_id,
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- buckets --------------------------------------------------------------------------------------


def _hmac(value: str) -> str:
    return salted_hmac("selflink.accounts.signin", value, algorithm="sha256").hexdigest()


def _client_hashes(client: ClientInfo) -> list[tuple[str, str]]:
    hashes = []
    if device_id_valid(client.device):
        hashes.append(("device", _hmac(f"device:{client.device}")))
    if client.ip and client.ip != "unknown":
        hashes.append(("ip", _hmac(f"ip:{client.ip}")))
    return hashes


def _bucket(email: str, user: User | None, client: ClientInfo, now: dt.datetime) -> _Bucket:
    account_hash = _hmac(f"email:{email}")
    if user is not None:
        candidates = dict(_client_hashes(client))
        fresh = {
            "device": now - dt.timedelta(days=KNOWN_DEVICE_DAYS),
            "ip": now - dt.timedelta(days=KNOWN_IP_DAYS),
        }
        known = {
            kind
            for kind, seen in KnownSignInClient.objects.filter(
                user=user, client_hash__in=list(candidates.values())
            ).values_list("kind", "last_seen_at")
            if seen >= fresh[kind]
        }
        for kind in ("device", "ip"):  # a known device wins over a known address
            if kind in known:
                return _Bucket(account_hash, candidates[kind], kind)
    return _Bucket(account_hash, _hmac("client:unknown"), "unknown")


def _delay_seconds(failures: int, free: int, cap: int) -> int:
    return min(2 ** (failures - free), cap)


def _reserve(bucket: _Bucket, now: dt.datetime) -> int | None:
    """Count this attempt as a failure now (a success clears it), if the bucket lets it through; None if it must
    wait. Counting before the password is checked makes concurrent attempts queue on the row: a burst at the
    moment a wait ends gets one attempt, not one per request."""
    rate = settings.RATE_LOGIN_PER_ACCOUNT
    table = SignInBackoff._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} AS b (account_hash, client_hash, failures, last_failure_at)
            VALUES (%(account)s, %(client)s, 1, %(now)s)
            ON CONFLICT (account_hash, client_hash) DO UPDATE SET
                failures = CASE WHEN b.last_failure_at <= %(now)s - %(window)s THEN 1 ELSE b.failures + 1 END,
                last_failure_at = %(now)s
            WHERE b.last_failure_at <= %(now)s - %(window)s
               OR b.failures < %(free)s
               OR b.last_failure_at + LEAST(power(2, b.failures - %(free)s), %(cap)s) * interval '1 second'
                  <= %(now)s
            RETURNING failures
            """,  # noqa: S608 - the table name is our own model's, values are parameters
            {
                "account": bucket.account_hash,
                "client": bucket.client_hash,
                "now": now,
                "window": dt.timedelta(seconds=rate.seconds),
                "free": rate.count,
                "cap": _cap(),
            },
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _cap() -> int:
    # Below the period, or a bucket waiting the longest delay would be forgotten (and free again) each time.
    return max(1, settings.RATE_LOGIN_PER_ACCOUNT.seconds // 2)


def _retry_after(bucket: _Bucket, now: dt.datetime) -> int:
    row = SignInBackoff.objects.filter(account_hash=bucket.account_hash, client_hash=bucket.client_hash).first()
    if row is None:
        return 1
    delay = _delay_seconds(row.failures, settings.RATE_LOGIN_PER_ACCOUNT.count, _cap())
    return max(1, math.ceil((row.last_failure_at + dt.timedelta(seconds=delay) - now).total_seconds()))


def _unreserve(bucket: _Bucket) -> None:
    """The password could not be checked (the server was busy): this attempt does not count."""
    SignInBackoff.objects.filter(
        account_hash=bucket.account_hash, client_hash=bucket.client_hash, failures__gt=0
    ).update(failures=F("failures") - 1)


def _clear(bucket: _Bucket) -> None:
    SignInBackoff.objects.filter(account_hash=bucket.account_hash, client_hash=bucket.client_hash).delete()


def _alert(user: User, failures: int) -> None:
    try:
        rate_limit_check("login:alert", str(user.id), _ALERT_RATE)
    except RateLimited:
        return
    rate_limit_hit("login:alert", str(user.id), _ALERT_RATE)
    for receiver, error in sign_in_failures_alert.send_robust(sender=User, user_id=user.id, failures=failures):
        if isinstance(error, Exception):
            logger.error("sign-in alert receiver %r failed: %r", receiver, error)


# --- the check ------------------------------------------------------------------------------------


def _password_matches(user: User | None, password: str) -> bool:
    if user is None:
        global _DUMMY_PASSWORD_HASH
        _DUMMY_PASSWORD_HASH = _DUMMY_PASSWORD_HASH or make_password("selflink-timing-equaliser")
        check_password(password, _DUMMY_PASSWORD_HASH)
        return False
    return user.check_password(password) and user.is_active


def sign_in_verify(*, email: str, password: str, client: ClientInfo) -> User:
    """The account whose credentials these are, under the limits above; raises `RateLimited` (429),
    `NotAuthenticated` (401, `invalid_credentials`, the same for a wrong e-mail or password) or
    `ServiceUnavailable` (503, too many passwords being hashed right now)."""
    limited = settings.RATE_LIMITS_ENABLED
    if limited:
        rate_limit_enforce(
            "login:ip",
            client.ip,
            settings.RATE_LOGIN_PER_IP,
            detail="Too many sign-in attempts from this network. Try again later.",
        )
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    now = timezone.now()
    bucket = _bucket(email, user, client, now)
    failures = _reserve(bucket, now) if limited else None
    if limited and failures is None:
        wait = _retry_after(bucket, now)
        raise RateLimited(
            wait,
            f"Too many failed sign-in attempts for this account. Try again in {wait} second"
            f"{'' if wait == 1 else 's'}, or sign in from a device or network you used before.",
        )
    try:
        matches = _password_matches(user, password)
    except ServiceUnavailable:
        if limited:
            _unreserve(bucket)
        raise
    if not matches:
        # The failure that reaches the backoff tells the owner (not for their own device: that is them mistyping).
        reached_backoff = failures == settings.RATE_LOGIN_PER_ACCOUNT.count
        if limited and user is not None and bucket.kind != "device" and reached_backoff:
            _alert(user, failures)
        raise NotAuthenticated("E-mail or password is incorrect.", code="invalid_credentials")
    if limited:
        _clear(bucket)
    known_client_record(user_id=user.id, client=client, now=now)
    return user


def known_client_record(*, user_id: int, client: ClientInfo, now: dt.datetime | None = None) -> None:
    """Remember the device and address of a successful sign-in or refresh."""
    now = now or timezone.now()
    rows = [
        KnownSignInClient(user_id=user_id, client_hash=digest, kind=kind, last_seen_at=now)
        for kind, digest in _client_hashes(client)
    ]
    if rows:
        KnownSignInClient.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["user", "client_hash"], update_fields=["last_seen_at"]
        )


def sign_in_records_purge(*, now: dt.datetime | None = None) -> int:
    """Forget backoff rows after two days and clients no longer known."""
    now = now or timezone.now()
    backoff, _ = SignInBackoff.objects.filter(last_failure_at__lt=now - dt.timedelta(days=2)).delete()
    clients, _ = KnownSignInClient.objects.filter(
        last_seen_at__lt=now - dt.timedelta(days=max(KNOWN_DEVICE_DAYS, KNOWN_IP_DAYS))
    ).delete()
    return backoff + clients
