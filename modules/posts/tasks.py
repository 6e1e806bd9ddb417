import logging

import dramatiq

from modules.core.public import periodic
from modules.posts.feeds import feed_sessions_purge
from modules.posts.services import author_media_privacy_sync

logger = logging.getLogger(__name__)


@periodic(cron="*/30 * * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def posts_feed_sessions_purge() -> None:
    logger.info("purged %d expired ranked-feed sessions", feed_sessions_purge())


@dramatiq.actor(queue_name="default", max_retries=5)
def posts_author_media_privacy_sync(author_id: int) -> None:
    """An account changed privacy: its public posts' media follow (idempotent, so a redelivery is harmless)."""
    moved = author_media_privacy_sync(author_id=author_id)
    logger.info("checked %d media assets of author %s after a privacy change", moved, author_id)
