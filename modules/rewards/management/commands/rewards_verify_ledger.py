from django.core.management.base import BaseCommand, CommandError

from modules.rewards.ledger import chain_verify


class Command(BaseCommand):
    help = "Walk the rewards ledger's hash chain and report the first broken link (exit 1 when broken)."

    def handle(self, *args, **options):
        self.stdout.write("rewards: verifying the hash chain…")
        report = chain_verify(progress=lambda count: self.stdout.write(f"  {count:,} events checked"))
        if report.broken_at is not None:
            raise CommandError(f"BROKEN after {report.checked:,} intact events: {report.problem}")
        self.stdout.write(self.style.SUCCESS(f"intact: {report.checked:,} events, every hash recomputed"))
