from django.core.management.base import BaseCommand, CommandError

from modules.core.public import ApiError
from modules.rewards.services import snapshot_compute


def money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


class Command(BaseCommand):
    help = "Compute a month's rewards snapshot (a new provisional revision when its inputs changed)."

    def add_arguments(self, parser):
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("--dry-run", action="store_true", help="compute and print, store nothing")
        parser.add_argument("--reason", default="manual run", help="recorded on the revision")

    def handle(self, *args, period, dry_run, reason, **options):
        self.stdout.write(f"rewards: computing {period}{' (dry run)' if dry_run else ''}…")
        try:
            result = snapshot_compute(period=period, reason=reason, dry_run=dry_run)
        except ApiError as exc:
            raise CommandError(exc.detail) from exc
        c = result.computation
        self.stdout.write(
            f"  events {c.event_count:,}  points {c.total_points:,}\n"
            f"  revenue {money(c.revenue_cents)}  costs {money(c.costs_cents)}  net {money(c.net_cents)} {c.currency}\n"
            f"  pool {money(c.pool_cents)} ({c.pool_percent}%)  carry-in {money(c.carry_in_cents)}  "
            f"payable {money(c.payable_cents)}  carried forward {money(c.carry_out_cents)}\n"
            f"  inputs_hash  {c.inputs_hash}\n  outputs_hash {c.outputs_hash}"
        )
        for line in sorted(c.lines, key=lambda line: (-line.payout_cents, line.github_login))[:10]:
            self.stdout.write(
                f"    @{line.github_login:<24} {line.points:>8} pts  {money(line.payout_cents):>12}"
                + (f"  (carried {money(line.carry_out_cents)})" if line.carry_out_cents else "")
            )
        if dry_run:
            self.stdout.write("dry run: nothing stored")
        elif result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"stored {period} revision {result.snapshot.revision} (provisional until "
                    f"{result.snapshot.dispute_window_ends_at:%Y-%m-%d %H:%M} UTC)"
                )
            )
        else:
            self.stdout.write(f"inputs unchanged: revision {result.snapshot.revision} stays current")
