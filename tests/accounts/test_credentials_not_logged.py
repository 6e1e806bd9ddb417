"""No credential reaches a log: django-ninja's HttpBearer logs a whole non-Bearer `Authorization` header at ERROR
(with DEBUG on), which for `Basic` is a password. Issue 10."""

from __future__ import annotations

import base64
import logging

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

SECRET = "hunter2-Sup3rSecret"
BASIC = "Basic " + base64.b64encode(f"ana@example.com:{SECRET}".encode()).decode()
MALFORMED = [
    BASIC,
    f"Basic {SECRET}",
    f"Token {SECRET}",
    f"Digest username=ana, response={SECRET}",
    SECRET,  # no scheme at all
    f"Bearer{SECRET}",  # no space
    f"ApiKey  {SECRET}",
]


def _logged(caplog) -> str:
    return "\n".join(f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records)


@override_settings(DEBUG=True)  # django-ninja only logs the header with DEBUG on
@pytest.mark.parametrize("header", MALFORMED)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/auth/sessions/"),  # accounts' own bearer
        ("get", "/api/v1/notifications/"),
        ("post", "/api/v1/mentor/chat/"),  # mentor's async bearer
    ],
)
def test_malformed_authorization_headers_are_refused_and_never_logged(anon, caplog, header, method, path):
    caplog.set_level(logging.DEBUG)
    response = anon.request(
        method.upper(), path, json_body={} if method == "post" else None, headers={"Authorization": header}
    )
    assert response.status == 401, response
    assert SECRET not in _logged(caplog)
    assert base64.b64encode(f"ana@example.com:{SECRET}".encode()).decode() not in _logged(caplog)


@override_settings(DEBUG=True)
def test_the_realtime_stream_does_not_log_the_header_either(anon, caplog):
    caplog.set_level(logging.DEBUG)
    response = anon.get("/api/v1/events/stream/", headers={"Authorization": BASIC})
    assert response.status == 401, response
    assert SECRET not in _logged(caplog)


@override_settings(DEBUG=True)
def test_a_lower_case_bearer_scheme_still_authenticates(api, caplog):
    caplog.set_level(logging.DEBUG)
    response = api.get("/auth/sessions/", headers={"Authorization": f"bearer {api.token}"})
    assert response.status == 200, response
    assert api.token not in _logged(caplog)


def test_the_ninja_record_is_dropped_by_the_logging_configuration(caplog):
    """Any HttpBearer subclass left anywhere: the `django` logger drops the record that carries the header."""
    caplog.set_level(logging.DEBUG)
    logging.getLogger("django").error(f"Unexpected auth - '{BASIC}'")
    logging.getLogger("django").error("an ordinary error")
    assert SECRET not in _logged(caplog) and BASIC not in _logged(caplog)
    assert "an ordinary error" in _logged(caplog)
