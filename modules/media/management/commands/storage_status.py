"""`manage.py storage_status`: which media storage is active, with what settings, and does it work?

Prints the backend and its settings (credentials masked: an access key as `AKIA…(20 chars)`, a secret only
as its length), then writes, reads back, addresses and deletes a small probe file, timing each step.
Exits non-zero when a step fails.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from modules.media.storage import storage_describe, storage_probe


class Command(BaseCommand):
    help = "Show the media storage backend and its settings (secrets masked), then prove a write/read/delete."

    def handle(self, *args, **options):
        self.stdout.write(self.style.MIGRATE_HEADING("media storage"))
        for name, value in storage_describe():
            self.stdout.write(f"  {name:<17} {value}")
        self.stdout.write(self.style.MIGRATE_HEADING("round trip"))
        steps = storage_probe()
        for step in steps:
            mark = self.style.SUCCESS("ok  ") if step.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"  {mark} {step.name:<7} {step.milliseconds:8.1f} ms  {step.detail}")
        if not steps or not all(step.ok for step in steps):
            raise CommandError(f"media storage is not working: {steps[-1].name} failed")
        total = sum(step.milliseconds for step in steps)
        self.stdout.write(self.style.SUCCESS(f"media storage healthy ({total:.1f} ms round trip)"))
