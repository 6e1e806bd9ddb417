import logging

import dramatiq

from modules.core.public import periodic
from modules.notifications.delivery import push_deliver, push_receipts_check
from modules.notifications.services import notifications_purge

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name="notifications", max_retries=0, time_limit=5 * 60 * 1000)
def notifications_push(notification_id: int) -> None:
    """Push one notification to the recipient's devices. Never raises: provider failures were already retried
    inside the provider, and a crash would only make Dramatiq push again to the devices that did get it."""
    try:
        report = push_deliver(notification_id=notification_id)
    except Exception:
        logger.exception("push delivery of notification %s failed", notification_id)
        return
    if report.skipped:
        logger.debug("push of notification %s skipped: %s", notification_id, report.skipped)
    else:
        logger.info(
            "push of notification %s: %d sent, %d failed, %d device(s) removed",
            notification_id,
            report.sent,
            report.failed,
            report.pruned,
        )


@periodic(cron="*/15 * * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def notifications_push_receipts() -> None:
    """Expo receipts of recent pushes: devices reported as unregistered are removed."""
    logger.info("push receipts checked: %d unregistered device(s) removed", push_receipts_check())


@periodic(cron="41 3 * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def notifications_purge_read() -> None:
    """Delete read notifications older than NOTIFICATIONS_RETENTION_DAYS."""
    logger.info("purged %d read notifications past retention", notifications_purge())
