"""`manage.py social_stats_recount`: rebuild the follower and following counters from the follow rows.

The counters move in the transaction of each follow and unfollow, so they never drift through the API; this is
for after a repair made in SQL or an import (`stats_recount()`, one transaction).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from modules.social.services import stats_recount


class Command(BaseCommand):
    help = "Recompute every user's follower and following counters from the follow rows."

    def handle(self, *args, **options):
        users = stats_recount()
        self.stdout.write(self.style.SUCCESS(f"social: follower and following counters recounted ({users:,} users)"))
