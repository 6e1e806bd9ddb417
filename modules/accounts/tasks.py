import logging

import dramatiq

from modules.accounts.services import auth_sessions_purge
from modules.accounts.signin import sign_in_records_purge
from modules.core.public import periodic

logger = logging.getLogger(__name__)


@periodic(cron="41 3 * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def accounts_sessions_purge() -> None:
    deleted = auth_sessions_purge()
    logger.info("purged %d ended or expired sign-in sessions", deleted)


@periodic(cron="47 3 * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def accounts_sign_in_records_purge() -> None:
    deleted = sign_in_records_purge()
    logger.info("purged %d old sign-in backoff and known-client records", deleted)
