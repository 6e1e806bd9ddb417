from django.db import models


class RealtimeEvent(models.Model):
    """The source of truth of realtime delivery: written in the transaction of the change it announces.

    Delivery order is (txid, id): `txid` is the writing transaction. Readers only take events whose
    transaction is older than every transaction still running (pg_snapshot_xmin), so an event can never
    appear behind a position a reader has already passed (a plain `id > last` would skip rows whose
    transaction commits late).
    """

    topic = models.CharField(max_length=100)
    type = models.CharField(max_length=50)
    payload = models.JSONField()
    txid = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["topic", "txid", "id"], name="rtevent_topic_position_idx"),
            models.Index(fields=["txid", "id"], name="rtevent_position_idx"),
            models.Index(fields=["created_at"], name="rtevent_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} on {self.topic} ({self.id})"
