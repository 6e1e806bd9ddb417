import logging

import dramatiq
from django.conf import settings

from modules.core.public import periodic
from modules.ops.services import worker_heartbeat_record, worker_heartbeats_prune

logger = logging.getLogger(__name__)


@periodic(every_seconds=settings.WORKER_HEARTBEAT_INTERVAL_SECONDS)
@dramatiq.actor(queue_name="default", max_retries=0, time_limit=10_000)
def ops_worker_heartbeat() -> None:
    """Proves the whole job path works: scheduler → broker (Postgres) → worker → database."""
    worker_heartbeat_record()


@periodic(cron="5 4 * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def ops_worker_heartbeats_prune() -> None:
    logger.info("pruned %d heartbeats of workers gone for a day", worker_heartbeats_prune())
