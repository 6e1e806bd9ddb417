"""Mentor jobs. Messages carry ids only: never a message text, never a key."""

import logging
import uuid

import dramatiq

from modules.core.public import periodic
from modules.mentor.services import memory_update, mentor_purge, task_run, tasks_sweep

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name="mentor", max_retries=0, time_limit=15 * 60 * 1000)
def mentor_chat_reply(task_id: str) -> None:
    """Answer a message sent with `?async=true` (platform provider), then announce `mentor:reply`. No retries here:
    a run that fails reports it; a run that dies is taken up again by its redelivery or by `mentor_tasks_sweep`."""
    outcome = task_run(task_id=uuid.UUID(task_id))
    logger.info("mentor task %s: %s", task_id, outcome)


@periodic(every_seconds=60)
@dramatiq.actor(queue_name="maintenance", max_retries=0, time_limit=60_000)
def mentor_tasks_sweep() -> None:
    """Replies whose run died are started again or failed visibly; replies never picked up fail after a while."""
    counts = tasks_sweep()
    if any(counts.values()):
        logger.info("mentor tasks swept: %s", counts)


@dramatiq.actor(queue_name="mentor", max_retries=2, time_limit=15 * 60 * 1000)
def mentor_memory_update(user_id: int) -> None:
    """Rewrite the person's memory summary when enough is new since the last one."""
    if memory_update(user_id=user_id):
        logger.info("mentor memory of user %s updated", user_id)


@periodic(cron="29 4 * * *")
@dramatiq.actor(queue_name="maintenance", max_retries=3)
def mentor_purge_expired() -> None:
    """Delete mentor messages older than MENTOR_RETENTION_DAYS (and emptied sessions, old task records)."""
    logger.info("mentor retention: deleted %s", mentor_purge())
