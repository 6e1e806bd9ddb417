import logging

import dramatiq

from modules.core.public import periodic
from modules.posts.feeds import feed_sessions_purge

logger = logging.getLogger(__name__)


@periodic(cron="*/30 * * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def posts_feed_sessions_purge() -> None:
    logger.info("purged %d expired ranked-feed sessions", feed_sessions_purge())
