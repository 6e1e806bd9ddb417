import logging

import dramatiq
from django.utils import timezone

from modules.core.public import Conflict, periodic
from modules.rewards import canonical, github
from modules.rewards.services import pull_request_settle, snapshot_compute, snapshots_finalize_due

logger = logging.getLogger(__name__)


@periodic(cron="0 2 1 * *")
@dramatiq.actor(queue_name="maintenance", max_retries=5, time_limit=30 * 60_000)
def rewards_monthly_snapshot() -> None:
    """On the 1st (02:00 UTC), compute the previous month's provisional snapshot; its dispute window opens."""
    period = canonical.previous_period(canonical.period_of(timezone.now()))
    try:
        result = snapshot_compute(period=period, reason="monthly run")
    except Conflict as error:
        if error.code != "period_final":
            raise  # e.g. the month before is not final yet: retried, then reported
        # Delivered again after the month was finalised (a zero-day dispute window): nothing left to do.
        logger.info("rewards snapshot %s: already final", period)
        return
    logger.info(
        "rewards snapshot %s: revision %s (%s)",
        period,
        result.snapshot.revision,
        "new" if result.created else "unchanged",
    )


@periodic(cron="15 * * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=5, time_limit=30 * 60_000)
def rewards_finalize_due() -> None:
    """Every hour: lock the months whose dispute window has ended and create their payouts."""
    finalized = snapshots_finalize_due()
    if finalized:
        logger.info("rewards: finalised %s", ", ".join(finalized))


@dramatiq.actor(queue_name="maintenance", max_retries=3)
def rewards_pull_request_settle(pull_request: dict, payload_sha256: str, attempt: int) -> None:
    """Record a merged pull request once GitHub has said which issues it closed (re-sends itself, later, while
    GitHub is unavailable or a referenced scored issue is still open). The message carries public metadata only."""
    result = pull_request_settle(
        github.PullRequest.from_message(pull_request), payload_sha256=payload_sha256, attempt=attempt
    )
    logger.info("rewards: %s", result.detail)
