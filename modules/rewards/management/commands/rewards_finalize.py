from django.core.management.base import BaseCommand, CommandError

from modules.core.public import ApiError
from modules.rewards.services import snapshot_finalize, snapshots_finalize_due


class Command(BaseCommand):
    help = "Finalise provisional snapshots whose dispute window has ended (or one period, with --force early)."

    def add_arguments(self, parser):
        parser.add_argument("period", nargs="?", help="YYYY-MM (default: every snapshot that is due)")
        parser.add_argument("--force", action="store_true", help="finalise before the dispute window ends")

    def handle(self, *args, period, force, **options):
        try:
            if period:
                snapshot = snapshot_finalize(period=period, force=force)
                self.stdout.write(
                    self.style.SUCCESS(
                        f"finalised {snapshot.period} r{snapshot.revision}: {snapshot.payouts.count()} payout(s)"
                    )
                )
                return
            done = snapshots_finalize_due()
        except ApiError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"finalised: {', '.join(done) if done else 'nothing was due'}")
