from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from modules.accounts.public import account_exists, staff_user_ensure
from modules.ops.demo import DEMO_DOMAIN, DEMO_PASSWORD, PEOPLE, demo_email, seed_demo, seed_steps


class Command(BaseCommand):
    help = "Create demo people with profiles and follows (idempotent; development only)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")
        parser.add_argument(
            "--once",
            action="store_true",
            help="skip seeding when the demo staff account already exists (first start only)",
        )

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError("seed_demo refuses to run in production (SELFLINK_ENV=production).")
        admin_email = f"admin@{DEMO_DOMAIN}"
        if options["once"] and account_exists(email=admin_email):
            self.stdout.write("demo data already present (seeded on an earlier start)")
            self._print_logins(admin_email, [], options)
            return
        with tqdm(total=seed_steps(), desc="seeding demo data", unit="step", file=self.stderr._out) as bar:
            logins = list(seed_demo(progress=lambda _: bar.update(1)))
        staff_user_ensure(email=admin_email, password=DEMO_PASSWORD, name="Demo Admin")
        self.stdout.write(self.style.SUCCESS(f"demo data ready: {len(logins)} people and a staff account"))
        self._print_logins(admin_email, logins, options)

    def _print_logins(self, admin_email, logins, options):
        if options["quiet_logins"]:
            return
        self.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  {admin_email:<40} staff: can sign in to /admin/")
        for person in PEOPLE[:4]:
            self.stdout.write(f"  {demo_email(person[0], person[1]):<40} {person[0]} {person[1]}")
        self.stdout.write(f"  … and {len(PEOPLE) - 4} more people @{DEMO_DOMAIN}")
