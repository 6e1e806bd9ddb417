import logging

import dramatiq

from modules.accounts.services import auth_sessions_purge
from modules.core.public import periodic

logger = logging.getLogger(__name__)


@periodic(cron="41 3 * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def accounts_sessions_purge() -> None:
    deleted = auth_sessions_purge()
    logger.info("purged %d ended or expired sign-in sessions", deleted)
