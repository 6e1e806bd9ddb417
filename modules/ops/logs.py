"""No query string in any log line: they carry user content and credentials.

The mobile app sends a mentor message as `GET /api/v1/mentor/stream/?message=…` (EventSource cannot POST), search
terms as `?q=`, the WebSocket access token as `/ws?token=…`. Paths themselves carry ids and public handles only.
So every log line shows a request as its path, and a query string as `?…` at most:

- the access log: `modules.ops.serve` runs daphne with an access logger that drops query strings (daphne's own
  writes the full URI of every request);
- every other log record (daphne's warnings print a request's URI, exception messages may quote a URL): the
  `RedactQueryStrings` filter on the log handler (settings.LOGGING) replaces what follows a `?` in anything that
  looks like a path or URL.

Django's request logging (`django.request`) prints `request.path`, which has no query string, and our own loggers
do the same (`request.path`, never `get_full_path()`).
"""

from __future__ import annotations

import logging
import re

REDACTED = "?…"
# A path or URL (starting with / or a scheme) followed by a query string, up to a space, quote or bracket.
_QUERY = re.compile(r"((?:[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/?#\"'<>]*)?/[^\s?#\"'<>]*)\?[^\s\"'<>]*")


def strip_query(path: str) -> str:
    """`/api/v1/mentor/stream/?message=hi` → `/api/v1/mentor/stream/` (what the access log shows)."""
    return path.split("?", 1)[0]


def redact_query_strings(text: str) -> str:
    return _QUERY.sub(lambda match: match.group(1) + REDACTED, text)


class RedactQueryStrings(logging.Filter):
    """Rewrites each record's message with query strings cut off (the record keeps no arguments afterwards)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's to report, not ours
            return True
        if "?" in message:
            redacted = redact_query_strings(message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True
