from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Follow(models.Model):
    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    followee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique_pair"),
            models.CheckConstraint(condition=~Q(follower=F("followee")), name="follow_not_self"),
        ]
        indexes = [
            models.Index(fields=["followee", "-id"], name="follow_followers_idx"),
            models.Index(fields=["follower", "-id"], name="follow_following_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class FollowRequest(models.Model):
    """`requester` asked to follow the private account `target`, who has not answered yet.

    One pending request per pair and never to oneself (constraints); a request and a follow of the same pair
    never exist together (triggers in migration 0002, under the pair's advisory lock). Approving turns the
    request into a Follow; declining or cancelling deletes it (a new request may follow, within rate limits).
    """

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["requester", "target"], name="followrequest_unique_pair"),
            models.CheckConstraint(condition=~Q(requester=F("target")), name="followrequest_not_self"),
        ]
        indexes = [models.Index(fields=["target", "-id"], name="followrequest_incoming_idx")]

    def __str__(self) -> str:
        return f"{self.requester_id} asks to follow {self.target_id}"


class Block(models.Model):
    """`blocker` never sees `blocked` and vice versa; neither can follow or message the other."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked"], name="block_blocked_idx")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Mute(models.Model):
    """`muter` stops seeing `muted` in feeds; nothing else changes and `muted` is not told."""

    muter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_unique_pair"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="mute_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"


class UserStats(models.Model):
    """Denormalised counters, updated in the same transaction as the rows they count.

    `manage.py social_recount` recomputes them from the rows if they ever drift.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    followers_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    posts_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "user stats"

    def __str__(self) -> str:
        return f"stats of user {self.user_id}"
