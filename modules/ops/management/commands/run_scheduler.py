"""Enqueue periodic jobs at their declared times (one active scheduler per database).

Any number of schedulers may run (one per deploy replica); a PostgreSQL advisory
lock elects one, the others wait as hot standbys and take over within seconds if
the leader dies (its session, and so its lock, ends with it).
"""

from __future__ import annotations

import importlib
import importlib.util
import signal
import threading
import time

import psycopg
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from modules.core.public import periodic_jobs

LEADER_LOCK_KEY = 0x5E1F_11CC  # "SelfLink scheduler"


def _import_task_modules() -> list[str]:
    loaded = []
    for app in apps.get_app_configs():
        if not app.name.startswith("modules."):
            continue
        if importlib.util.find_spec(f"{app.name}.tasks") is None:
            continue
        importlib.import_module(f"{app.name}.tasks")  # import errors must surface, not be skipped
        loaded.append(app.name)
    return loaded


class Command(BaseCommand):
    help = "Run the periodic job scheduler (enqueues Dramatiq messages; workers execute them)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="print the schedule and exit")

    def handle(self, *args, **options):
        loaded = _import_task_modules()
        jobs = periodic_jobs()
        self.stdout.write(f"scheduler: {len(jobs)} periodic job(s) from {len(loaded)} module(s)")
        for job in jobs:
            self.stdout.write(f"  - {job.name:<40} {job.schedule}")
        if options["list"]:
            return

        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)

        dsn = _dsn()
        while not stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True, application_name="selflink-scheduler") as leader:
                    if not leader.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK_KEY,)).fetchone()[0]:
                        self.stdout.write("scheduler: another scheduler is active; standing by")
                        stop.wait(5)
                        continue
                    self.stdout.write(self.style.SUCCESS("scheduler: elected leader, scheduling"))
                    self._run_as_leader(jobs, leader, stop)
            except psycopg.OperationalError as exc:
                self.stderr.write(f"scheduler: database unavailable ({exc.__class__.__name__}); retrying in 5s")
                stop.wait(5)
        self.stdout.write("scheduler: stopped")

    def _run_as_leader(self, jobs, leader: psycopg.Connection, stop: threading.Event) -> None:
        scheduler = BlockingScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
        )
        for job in jobs:
            trigger = (
                CronTrigger.from_crontab(job.cron, timezone="UTC")
                if job.cron
                else IntervalTrigger(seconds=job.every_seconds, timezone="UTC")
            )
            first_run = timezone.now() if job.every_seconds else None
            scheduler.add_job(
                self._enqueue,
                trigger,
                args=[job],
                id=job.name,
                name=job.name,
                **({"next_run_time": first_run} if first_run else {}),
            )

        def watch_leadership():
            # Losing the session loses the lock: stop scheduling so a standby can take over cleanly.
            while not stop.wait(5):
                try:
                    leader.execute("SELECT 1")
                except psycopg.Error:
                    self.stderr.write("scheduler: lost the leader connection; stepping down")
                    break
            scheduler.shutdown(wait=False)

        threading.Thread(target=watch_leadership, daemon=True, name="scheduler-leadership").start()
        scheduler.start()
        time.sleep(0.1)

    def _enqueue(self, job) -> None:
        job.actor.send()
        self.stdout.write(f"scheduler: enqueued {job.name} at {timezone.now():%Y-%m-%d %H:%M:%S}Z")


def _dsn() -> str:
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=str(db["PORT"]) if db.get("PORT") else None,
    )
