from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modules.core.public import ApiError
from modules.rewards.bundle import write_bundle
from modules.rewards.selectors import snapshot_get


class Command(BaseCommand):
    help = "Write a month's audit bundle (canonical files + manifest) to a directory."

    def add_arguments(self, parser):
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("directory", type=Path)
        parser.add_argument("--revision", type=int, help="default: the current revision")

    def handle(self, *args, period, directory, revision, **options):
        try:
            snapshot = snapshot_get(period=period, revision=revision)
        except ApiError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            f"rewards: exporting {period} r{snapshot.revision} ({snapshot.event_count:,} events) to {directory}"
        )
        manifest = write_bundle(snapshot, directory)
        for name, entry in manifest["files"].items():
            self.stdout.write(
                f"  {name:<16} {entry['bytes']:>12,} bytes  {entry['lines']:>10,} lines  {entry['sha256']}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"wrote {directory / 'manifest.json'}; check it with: python3 scripts/verify_rewards.py {directory}"
            )
        )
