"""Threads (direct and group), their members, messages, reactions and typing state.

Invariants live in the database: one direct thread per pair of people (a unique key on the ordered pair),
one message per sender and `client_uuid` (retries are idempotent; the key is any visible-ASCII string of 1–64
characters), read pointers never ahead of delivered ones, tombstones without content, a hidden conversation is
not a left one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class MessageType(models.TextChoices):
    TEXT = "text", "Text"
    IMAGE = "image", "Images"
    VIDEO = "video", "Video"


class Thread(models.Model):
    """A conversation. Direct threads carry the ordered pair of their two people as a unique key."""

    is_group = models.BooleanField(default=False)
    title = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Plain ids (not foreign keys): the pair stays reserved even after an account is deleted.
    direct_user_low = models.PositiveBigIntegerField(null=True, blank=True)
    direct_user_high = models.PositiveBigIntegerField(null=True, blank=True)
    last_message = models.ForeignKey("Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, help_text="Last message (or creation).")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(is_group=True, direct_user_low__isnull=True, direct_user_high__isnull=True)
                | Q(
                    is_group=False,
                    direct_user_low__isnull=False,
                    direct_user_high__isnull=False,
                    direct_user_low__lt=F("direct_user_high"),
                ),
                name="thread_direct_pair_shape",
            ),
            models.UniqueConstraint(fields=["direct_user_low", "direct_user_high"], name="thread_direct_pair_unique"),
            models.CheckConstraint(condition=Q(is_group=True) | Q(title=""), name="thread_direct_untitled"),
        ]
        indexes = [models.Index(fields=["-last_activity_at", "-id"], name="thread_activity_idx")]

    def __str__(self) -> str:
        return self.title or (f"group {self.id}" if self.is_group else f"direct {self.id}")


CLIENT_UUID_MAX = 64
# Visible ASCII only: an idempotency key is compared byte for byte, so no whitespace, control characters or
# Unicode look-alikes (two spellings of one text) can make a retry miss its message.
CLIENT_UUID_PATTERN = r"^[!-~]{1,64}$"


class ThreadMember(models.Model):
    """Membership with the member's delivered and read pointers (message ids; they only move forward).

    A member of a direct thread may delete the conversation for themself ("hide" it): `hidden_at` takes it out
    of their thread list until the next message in the thread, and `cleared_through_message_id` hides the
    history up to that point from them for good. They stay a member (the other person is not told)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True, help_text="Set when the member left (groups only).")
    last_delivered_message_id = models.PositiveBigIntegerField(default=0)
    last_read_message_id = models.PositiveBigIntegerField(default=0)
    hidden_at = models.DateTimeField(
        null=True, blank=True, help_text="The member deleted the conversation; cleared by the next message."
    )
    cleared_through_message_id = models.PositiveBigIntegerField(
        default=0, help_text="Messages up to this id are hidden from this member (0: none)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="threadmember_unique"),
            models.CheckConstraint(
                condition=Q(last_delivered_message_id__gte=F("last_read_message_id")),
                name="threadmember_read_implies_delivered",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | Q(left_at__isnull=True), name="threadmember_hidden_not_left"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "thread"], condition=Q(left_at__isnull=True), name="threadmember_active_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in thread {self.thread_id}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=4000, blank=True)
    type = models.CharField(max_length=8, choices=MessageType.choices, default=MessageType.TEXT)
    client_uuid = models.CharField(
        max_length=CLIENT_UUID_MAX,
        help_text="Chosen by the sending device (any visible-ASCII key); a retry with the same one is a no-op.",
    )
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    media_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="Every other member had received it.")
    read_at = models.DateTimeField(null=True, blank=True, help_text="Every other member had read it.")
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="Deleted by its sender (a tombstone).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_uuid"], name="message_client_uuid_unique"),
            models.CheckConstraint(
                condition=Q(client_uuid__regex=CLIENT_UUID_PATTERN), name="message_client_uuid_visible_ascii"
            ),
            models.CheckConstraint(condition=Q(type__in=MessageType.values), name="message_type_known"),
            models.CheckConstraint(
                condition=~Q(body="") | Q(media_count__gt=0) | Q(deleted_at__isnull=False), name="message_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body="", media_count=0), name="message_tombstone_empty"
            ),
            models.CheckConstraint(condition=Q(media_count__lte=4), name="message_media_at_most_4"),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(delivered_at__isnull=False), name="message_read_implies_delivered"
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "-id"], name="message_thread_recent_idx"),
            models.Index(
                fields=["thread", "id"],
                condition=Q(delivered_at__isnull=True, deleted_at__isnull=True),
                name="message_undelivered_idx",
            ),
            models.Index(
                fields=["thread", "id"],
                condition=Q(read_at__isnull=True, deleted_at__isnull=True),
                name="message_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.id} in thread {self.thread_id}"

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def status(self) -> str:
        """From the sender's point of view: read / delivered once every other active member got there."""
        if self.read_at is not None:
            return "read"
        if self.delivered_at is not None:
            return "delivered"
        return "sent"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    asset = models.ForeignKey("media.MediaAsset", on_delete=models.RESTRICT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "position"], name="messageattachment_position_unique"),
            models.UniqueConstraint(fields=["asset"], name="messageattachment_asset_once"),
        ]
        ordering = ["position"]

    def __str__(self) -> str:
        return f"attachment {self.asset_id} of message {self.message_id}"


class MessageReaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="messagereaction_unique"),
            models.CheckConstraint(condition=~Q(emoji=""), name="messagereaction_emoji_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.emoji} message {self.message_id}"


class TypingState(models.Model):
    """Who is typing where, until `expires_at` (a few seconds; refreshed while the person keeps typing)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    announced_at = models.DateTimeField(help_text="When the typing signal was last broadcast.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="typingstate_unique")]
        indexes = [models.Index(fields=["expires_at"], name="typingstate_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} typing in thread {self.thread_id}"
