import logging

import dramatiq

from modules.core.jobs import periodic
from modules.core.ratelimit import rate_limit_counters_purge

logger = logging.getLogger(__name__)


@periodic(cron="17 * * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def core_rate_limit_counters_purge() -> None:
    deleted = rate_limit_counters_purge()
    logger.info("purged %d expired rate-limit counters", deleted)
