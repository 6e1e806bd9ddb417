"""Forwarding headers are believed only from the proxies in TRUSTED_PROXIES (default none)."""

import pytest
from django.test import RequestFactory

from modules.core.middleware import resolve_forwarding
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def meta(peer: str, **headers: str) -> dict:
    return {"REMOTE_ADDR": peer, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}


def test_by_default_a_client_cannot_choose_its_own_address_or_scheme(settings):
    settings.TRUSTED_PROXIES = []
    request = meta("203.0.113.9", x_forwarded_for="1.2.3.4", x_forwarded_proto="https", x_forwarded_host="evil")
    resolve_forwarding(request)
    assert request == {"REMOTE_ADDR": "203.0.113.9"}


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    # The client wrote "6.6.6.6"; the edge (192.0.2.7) appended what it saw; nginx (10.0.0.5) connected to us.
    request = meta("10.0.0.5", x_forwarded_for="6.6.6.6, 198.51.100.20, 192.0.2.7", x_forwarded_proto="https")
    resolve_forwarding(request)
    assert request["REMOTE_ADDR"] == "198.51.100.20"
    assert request["HTTP_X_FORWARDED_PROTO"] == "https"


def test_garbage_in_the_chain_stops_at_the_last_hop_a_proxy_vouches_for(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    request = meta("10.0.0.5", x_forwarded_for="198.51.100.20, not-an-ip")
    resolve_forwarding(request)
    assert request["REMOTE_ADDR"] == "10.0.0.5"


def test_login_rate_limits_key_on_the_real_client_not_a_forged_header(settings, client):
    """The regression: with daphne's --proxy-headers any client picked its own rate-limit key."""
    settings.TRUSTED_PROXIES = []
    settings.RATE_LOGIN_PER_IP = type(settings.RATE_LOGIN_PER_IP)(count=2, seconds=300)
    UserFactory(email="ana@example.org")
    statuses = [
        client.post(
            "/api/v1/auth/login/",
            {"email": "ana@example.org", "password": f"wrong {n}"},
            content_type="application/json",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429, statuses


def test_a_forged_proto_does_not_make_a_request_secure(settings, rf: RequestFactory):
    settings.TRUSTED_PROXIES = []
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = rf.get("/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9")
    resolve_forwarding(request.META)
    assert request.is_secure() is False
