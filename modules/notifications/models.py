"""Notifications, their grouped actors, push devices, Expo push tickets and per-user preferences.

Grouping lives in the database: a partial unique index allows one *unread* "like" notification per
(recipient, target), and likes upsert into it (`INSERT … ON CONFLICT`), so concurrent likers end in one row.
`NotificationActor` holds who is in a group (unique per group), which makes `actor_count` exact even when an
actor unlikes and likes again; `actor_ids` keeps the latest few for display.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, Q
from django.utils import timezone

NOTIFICATION_TYPES = (
    "follow",
    "follow_request",
    "follow_accept",
    "like",
    "comment",
    "reply",
    "mention",
    "message",
    "reward",
    "security",
)
# Sent by the system, with no actor: rewards, and security notices (someone keeps failing to sign in).
SYSTEM_TYPES = ("reward", "security")
# People's content a notification may quote: the quote lives only as long as the content (`content_removed`).
CONTENT_KINDS = ("post", "comment", "message")
# Repeated events on one target become one notification while it is unread ("Ana and 3 others liked …").
GROUPED_TYPES = ("like",)
# The same unread event is not stored twice (follow/unfollow/follow, a post edited with the same mention, a follow
# request withdrawn and made again).
DEDUPED_TYPES = ("follow", "follow_request", "follow_accept", "mention")
RECENT_ACTORS = 5  # actor ids kept on a grouped notification, newest first


class NotificationType(models.TextChoices):
    FOLLOW = "follow", "New follower"
    FOLLOW_REQUEST = "follow_request", "Follow request (to a private account)"
    FOLLOW_ACCEPT = "follow_accept", "Follow request approved"
    LIKE = "like", "Like"
    COMMENT = "comment", "Comment"
    REPLY = "reply", "Reply"
    MENTION = "mention", "Mention"
    MESSAGE = "message", "Message"
    REWARD = "reward", "Reward"
    SECURITY = "security", "Security notice"


class Cardinality(Func):
    function = "cardinality"
    output_field = models.IntegerField()


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=16, choices=NotificationType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who acted last (none for system notifications such as rewards).",
    )
    target_type = models.CharField(max_length=32, blank=True, default="", help_text="post, comment, thread, …")
    target_id = models.BigIntegerField(null=True, blank=True)
    text = models.CharField(max_length=500, blank=True, default="", help_text="Detail such as a comment excerpt.")
    # The content `text` quotes (a post, a comment, a message): when it is deleted or removed by staff, the quote is
    # cleared and `content_removed_at` set, so nothing of it is shown anywhere (API, realtime, push, admin).
    content_type = models.CharField(max_length=16, blank=True, default="", help_text="post, comment or message.")
    content_id = models.BigIntegerField(null=True, blank=True)
    content_removed_at = models.DateTimeField(
        null=True, blank=True, help_text="The quoted content was deleted or removed: its text is gone from here too."
    )
    data = models.JSONField(default=dict, blank=True)
    actor_ids = ArrayField(models.BigIntegerField(), default=list, blank=True, help_text="Latest actors first.")
    actor_count = models.PositiveIntegerField(default=0, help_text="How many different people are in the group.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True, help_text="When a push for it was last sent.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(type__in=NOTIFICATION_TYPES), name="notification_type_known"),
            models.CheckConstraint(
                condition=Q(target_type="", target_id__isnull=True)
                | (Q(target_type__regex=r"^[a-z][a-z_]{0,31}$") & Q(target_id__isnull=False)),
                name="notification_target_both_or_none",
            ),
            models.CheckConstraint(
                condition=~Q(type__in=GROUPED_TYPES) | Q(target_id__isnull=False),
                name="notification_grouped_has_target",
            ),
            models.CheckConstraint(
                condition=Q(actor_count__gte=Cardinality(F("actor_ids"))) & Q(actor_ids__len__lte=RECENT_ACTORS),
                name="notification_actor_count_consistent",
            ),
            models.CheckConstraint(condition=Q(updated_at__gte=F("created_at")), name="notification_updated_after"),
            models.CheckConstraint(
                condition=Q(content_type="", content_id__isnull=True)
                | Q(content_type__in=CONTENT_KINDS, content_id__isnull=False),
                name="notification_content_both_or_none",
            ),
            # Once the content is gone, nothing of it remains here.
            models.CheckConstraint(
                condition=Q(content_removed_at__isnull=True) | Q(text=""), name="notification_removed_content_empty"
            ),
            # At most one unread group per (recipient, type, target): the arbiter of the grouping upsert.
            models.UniqueConstraint(
                fields=["recipient", "type", "target_type", "target_id"],
                condition=Q(read_at__isnull=True, type="like"),
                name="notification_unread_group_unique",
            ),
            models.UniqueConstraint(
                fields=["recipient", "type", "actor", "target_type", "target_id"],
                condition=Q(read_at__isnull=True, type__in=DEDUPED_TYPES, actor__isnull=False),
                nulls_distinct=False,
                name="notification_unread_dedupe_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"], name="notification_recent_idx"),
            models.Index(
                fields=["recipient", "-updated_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["updated_at"], condition=Q(read_at__isnull=False), name="notification_read_age_idx"),
            models.Index(
                fields=["content_type", "content_id"],
                condition=Q(content_id__isnull=False),
                name="notification_content_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} for {self.recipient_id} ({self.id})"


class NotificationActor(models.Model):
    """Membership of a grouped notification: each actor counts once per group."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="members")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "actor"], name="notificationactor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} in notification {self.notification_id}"


class Platform(models.TextChoices):
    EXPO = "expo", "Expo push token"
    FCM = "fcm", "Firebase Cloud Messaging token"
    APNS = "apns", "Apple Push Notification service token"


class Device(models.Model):
    """A push token. A token belongs to one user at a time; it moves to another only after the holder's session on
    the device ended (services.device_register)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=8, choices=Platform.choices)
    token = models.CharField(max_length=512, unique=True, help_text="Secret-ish: never logged or shown in full.")
    session_id = models.UUIDField(null=True, blank=True, help_text="The sign-in session that registered it.")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(platform__in=Platform.values), name="device_platform_known"),
            models.CheckConstraint(condition=~Q(token=""), name="device_token_not_empty"),
        ]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="device_user_recent_idx")]

    def __str__(self) -> str:
        return f"{self.platform} device {self.id} of {self.user_id}"


class PushTicket(models.Model):
    """An Expo push ticket whose receipt is still to be checked (receipts report unregistered devices)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="+")
    ticket_id = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"ticket {self.ticket_id}"


class NotificationPreferences(models.Model):
    """Per-type switches and the time zone of quiet hours (the quiet hours themselves are account settings).
    A user without a row has everything on, in UTC."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+")
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name, e.g. Asia/Tbilisi.")
    in_app_off = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    push_off = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification preferences"
        constraints = [
            models.CheckConstraint(
                condition=Q(in_app_off__contained_by=list(NOTIFICATION_TYPES))
                & Q(push_off__contained_by=list(NOTIFICATION_TYPES)),
                name="notificationprefs_types_known",
            ),
            models.CheckConstraint(condition=~Q(time_zone=""), name="notificationprefs_time_zone_set"),
        ]

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"
