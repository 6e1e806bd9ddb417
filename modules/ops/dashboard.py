"""Live numbers for the admin dashboard (django-unfold calls `dashboard_callback` on every visit)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from modules.accounts.public import users_count
from modules.ops.selectors import readiness
from modules.social.public import graph_totals


def _queue_depth() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('dramatiq.queue')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT count(*) FROM dramatiq.queue WHERE state = 'queued'")
        return cursor.fetchone()[0]


def dashboard_callback(request, context: dict) -> dict:
    totals = graph_totals()
    since = timezone.now() - dt.timedelta(days=1)
    state = readiness()
    context["selflink_kpis"] = [
        {
            "title": "People",
            "value": users_count(),
            "footer": f"+{users_count(joined_since=since)} in the last 24 h",
        },
        {"title": "Follows", "value": totals["follows"], "footer": "edges in the social graph"},
        {"title": "Blocks", "value": totals["blocks"], "footer": f"{totals['mutes']} mutes"},
        {"title": "Jobs queued", "value": _queue_depth(), "footer": "in the Postgres broker"},
    ]
    context["selflink_checks"] = [
        {"name": name, "ok": check.ok, "detail": check.detail} for name, check in state.checks.items()
    ]
    return context
