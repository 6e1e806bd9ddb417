from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time each worker process ran the heartbeat job (readiness reads the newest)."""

    worker = models.CharField(max_length=200, unique=True, help_text="host:pid of the worker process.")
    beat_at = models.DateTimeField(db_index=True)
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
