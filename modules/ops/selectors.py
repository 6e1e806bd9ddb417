"""Health and readiness of the running system."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from modules.ops.models import WorkerHeartbeat
from modules.realtime.public import hub_status


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks.values())

    @property
    def failing(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check.ok]


_migrations_applied = False


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return Check(False, f"unreachable: {exc.__class__.__name__}")
    return Check(True, "reachable")


def check_migrations() -> Check:
    """Once every migration is applied we remember it: applying migrations needs a deploy (a restart)."""
    global _migrations_applied
    if _migrations_applied:
        return Check(True, "all applied")
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return Check(False, f"cannot read migration state: {exc.__class__.__name__}")
    if pending:
        return Check(False, f"{len(pending)} migration(s) not applied")
    _migrations_applied = True
    return Check(True, "all applied")


def check_worker() -> Check:
    try:
        latest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    except DatabaseError as exc:
        return Check(False, f"cannot read heartbeats: {exc.__class__.__name__}")
    if latest is None:
        return Check(False, "no worker has reported yet")
    age = (timezone.now() - latest).total_seconds()
    if age > settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS:
        return Check(False, f"last heartbeat {age:.0f}s ago (limit {settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS}s)")
    return Check(True, f"last heartbeat {age:.0f}s ago")


def check_realtime() -> Check | None:
    """The realtime listener of this server process, once a realtime client has started it."""
    status = hub_status()
    if status is None:
        return None
    if not status["connected"]:
        return Check(False, f"listener disconnected ({status['last_error'] or 'connecting'})")
    return Check(True, f"listening, {status['subscribers']} client(s), {status['reconnects']} reconnect(s)")


def readiness() -> Readiness:
    database = check_database()
    if not database.ok:
        skipped = Check(False, "skipped: database unreachable")
        return Readiness({"database": database, "migrations": skipped, "worker": skipped})
    checks = {"database": database, "migrations": check_migrations(), "worker": check_worker()}
    realtime = check_realtime()
    if realtime is not None:
        checks["realtime"] = realtime
    return Readiness(checks)
