import logging

import dramatiq

from modules.core.public import periodic
from modules.realtime.services import events_purge

logger = logging.getLogger(__name__)


@periodic(cron="*/10 * * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def realtime_events_purge() -> None:
    """Delete events older than REALTIME_RETENTION_HOURS (clients resuming from older ids must resync)."""
    logger.info("purged %d realtime events past retention", events_purge())
