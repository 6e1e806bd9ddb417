"""Logging filters that keep credentials out of the logs (installed by `selflink.settings.LOGGING`)."""

from __future__ import annotations

import logging


class DropAuthorizationHeaderRecords(logging.Filter):
    """Drop django-ninja's `Unexpected auth - '<the whole Authorization header>'` record.

    `ninja.security.HttpBearer` logs it at ERROR on the `django` logger, with DEBUG on, for any scheme other than
    Bearer, so `Authorization: Basic <base64 user:password>` would land in the log. Our own bearer classes derive
    from `accounts.auth.BearerAuth`, which never logs; this filter also covers any `HttpBearer` subclass left.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Unexpected auth - "))
