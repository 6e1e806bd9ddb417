from django.db import models


class RateLimitCounter(models.Model):
    """Requests counted per (scope, subject) in fixed windows; read as a sliding window.

    `subject` is a SHA-256 of the real subject (an IP address or an account's
    e-mail), so the table never holds personal data in clear.
    """

    scope = models.CharField(max_length=64)
    subject = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "subject", "window_start"], name="ratelimit_unique_window"),
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window_idx")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.subject[:8]}@{self.window_start:%H:%M:%S}={self.count}"
