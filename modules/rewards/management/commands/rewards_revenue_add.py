from django.core.management.base import BaseCommand, CommandError

from modules.accounts.public import account_id_by_email
from modules.core.public import ApiError
from modules.rewards.ledger import revenue_append


class Command(BaseCommand):
    help = "Record a revenue or cost line for a period (append-only; idempotent on --source and --reference)."

    def add_arguments(self, parser):
        parser.add_argument("period", help="YYYY-MM")
        parser.add_argument("kind", choices=["revenue", "cost"])
        parser.add_argument("amount_cents", type=int, help="integer cents; negative corrects an earlier line")
        parser.add_argument("--source", required=True, help="e.g. stripe, btcpay, hosting, manual")
        parser.add_argument("--reference", required=True, help="external id, unique per source")
        parser.add_argument("--note", default="")
        parser.add_argument("--currency", default=None)
        parser.add_argument("--entered-by", required=True, help="e-mail of the staff member entering it")

    def handle(self, *args, **o):
        from django.conf import settings

        staff_id = account_id_by_email(email=o["entered_by"], staff_only=True)
        if staff_id is None:
            raise CommandError(f"{o['entered_by']} is not a staff account")
        try:
            entry, created = revenue_append(
                period=o["period"],
                kind=o["kind"],
                amount_cents=o["amount_cents"],
                currency=o["currency"] or settings.REWARDS_CURRENCY,
                source=o["source"],
                reference=o["reference"],
                note=o["note"],
                entered_by_id=staff_id,
            )
        except ApiError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.style.SUCCESS(f"{'recorded' if created else 'already recorded'}: {entry}"))
