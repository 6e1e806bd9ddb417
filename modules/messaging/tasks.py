import logging

import dramatiq

from modules.core.public import periodic
from modules.messaging.services import typing_states_purge

logger = logging.getLogger(__name__)


@periodic(cron="*/15 * * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def messaging_typing_purge() -> None:
    """Delete typing states past their expiry (reads already ignore them; this keeps the table small)."""
    logger.info("purged %d expired typing states", typing_states_purge())
