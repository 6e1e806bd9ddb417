import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from modules.rewards.services import pull_requests_import


class Command(BaseCommand):
    help = (
        "Back-fill merged pull requests from a JSON export (a list of GitHub REST pull-request objects), "
        "with the same rules and idempotency as the webhook."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            data = json.loads(file.read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        records = data.get("pull_requests", data.get("items")) if isinstance(data, dict) else data
        if not isinstance(records, list):
            raise CommandError('expected a JSON list of pull requests (or {"pull_requests": [...]})')
        with tqdm(total=len(records), desc="importing pull requests", unit="pr", file=self.stderr._out) as bar:
            counts = pull_requests_import(records, progress=lambda: bar.update(1))
        self.stdout.write(
            self.style.SUCCESS(
                f"imported {len(records)} pull request(s): {counts['recorded']} recorded, "
                f"{counts['duplicate']} already known, {counts['ignored']} ignored (not merged / other repository)"
            )
        )
