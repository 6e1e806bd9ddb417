"""Periodic jobs: declared next to the actor they run, fired by the scheduler process.

    @periodic(every_seconds=15)
    @dramatiq.actor(queue_name="maintenance")
    def worker_heartbeat(): ...

The scheduler (`manage.py run_scheduler`) only *enqueues* messages at the
declared times; workers run them. Schedules are either a fixed interval or a
standard five-field crontab in UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dramatiq


@dataclass(frozen=True)
class PeriodicJob:
    actor: dramatiq.Actor
    cron: str | None = None
    every_seconds: int | None = None

    @property
    def name(self) -> str:
        return self.actor.actor_name

    @property
    def schedule(self) -> str:
        return f"cron '{self.cron}' (UTC)" if self.cron else f"every {self.every_seconds}s"


_registry: dict[str, PeriodicJob] = {}


def periodic(*, cron: str | None = None, every_seconds: int | None = None) -> Callable[[Any], Any]:
    if (cron is None) == (every_seconds is None):
        raise ValueError("periodic() needs exactly one of cron= or every_seconds=")

    def register(actor: dramatiq.Actor) -> dramatiq.Actor:
        if not isinstance(actor, dramatiq.Actor):
            raise TypeError("@periodic must be applied on top of @dramatiq.actor")
        _registry[actor.actor_name] = PeriodicJob(actor=actor, cron=cron, every_seconds=every_seconds)
        return actor

    return register


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_registry.values(), key=lambda job: job.name)
