"""The AI mentor's data: a profile per user, sessions (chat and one journal session per day), messages, a rolling
memory summary per user, and the records of replies computed by a background job.

Nothing here ever holds an LLM key: a bring-your-own key lives only in the request that carries it (`byo` only
records that one was used). Invariants are database constraints: one journal session per user and day, a day only
on journal sessions, known modes, languages, roles and statuses.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Mode(models.TextChoices):
    DEFAULT = "default", "Open conversation"
    DAILY = "daily", "Daily check-in"
    REFLECTION = "reflection", "Reflection"
    GOALS = "goals", "Goals"
    NATAL = "natal", "About my natal chart"
    SOULMATCH = "soulmatch", "About a match"


class Language(models.TextChoices):
    EN = "en", "English"
    KA = "ka", "Georgian"
    RU = "ru", "Russian"


class Tone(models.TextChoices):
    WARM = "warm", "Warm"
    DIRECT = "direct", "Direct"
    CALM = "calm", "Calm"


class SessionKind(models.TextChoices):
    CHAT = "chat", "Chat"
    DAILY = "daily", "Daily journal"


class Role(models.TextChoices):
    USER = "user", "User"
    ASSISTANT = "assistant", "Mentor"


class Provider(models.TextChoices):
    NONE = "", "—"  # the person's own messages
    OFFLINE = "offline", "Offline mentor"
    OPENAI = "openai", "OpenAI-compatible"
    SAFETY = "safety", "Safety reply"


class ReplyStatus(models.TextChoices):
    COMPLETE = "complete", "Complete"
    PARTIAL = "partial", "Partial (the client disconnected)"
    ERROR = "error", "Cut off by a provider error"


class Safety(models.TextChoices):
    NONE = "", "—"
    CRISIS = "crisis", "Crisis signals: supportive reply with help resources"
    OUTPUT_BLOCKED = "output_blocked", "Unsafe model output replaced"
    PROMPT_LEAK = "prompt_leak", "Model output repeating its instructions replaced"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class MentorProfile(models.Model):
    """How the person wants to be mentored. Absent until first changed (defaults come from the account)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    tone = models.CharField(max_length=16, choices=Tone.choices, default=Tone.WARM)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    goals = ArrayField(models.CharField(max_length=200), default=list, blank=True, size=10)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(tone__in=Tone.values), name="mentorprofile_tone_valid"),
            models.CheckConstraint(condition=Q(language__in=Language.values), name="mentorprofile_language_valid"),
        ]

    def __str__(self) -> str:
        return f"mentor profile of user {self.user_id}"


class MentorSession(models.Model):
    """A conversation. Journal sessions (`daily`) carry their day, unique per user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=SessionKind.choices, default=SessionKind.CHAT)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.DEFAULT)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    day = models.DateField(null=True, blank=True, help_text="The journal day (daily sessions only).")
    title = models.CharField(max_length=120, blank=True, help_text="The start of the first message.")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=SessionKind.DAILY, day__isnull=False) | Q(kind=SessionKind.CHAT, day__isnull=True),
                name="mentorsession_day_only_for_daily",
            ),
            models.UniqueConstraint(
                fields=["user", "day"], condition=Q(kind=SessionKind.DAILY), name="mentorsession_one_daily_per_day"
            ),
            models.CheckConstraint(condition=Q(kind__in=SessionKind.values), name="mentorsession_kind_valid"),
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="mentorsession_mode_valid"),
            models.CheckConstraint(condition=Q(language__in=Language.values), name="mentorsession_language_valid"),
        ]
        indexes = [
            models.Index(fields=["user", "-last_message_at", "-id"], name="mentorsession_recent_idx"),
            models.Index(fields=["user", "kind", "-day"], name="mentorsession_daily_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} session {self.id}"


class MentorMessage(models.Model):
    """One message of a session: the person's (`user`) or the mentor's (`assistant`, with where it came from)."""

    session = models.ForeignKey(MentorSession, on_delete=models.CASCADE, related_name="messages")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField()
    provider = models.CharField(max_length=16, choices=Provider.choices, blank=True, default="")
    model = models.CharField(max_length=120, blank=True, default="", help_text="Model name (no keys, ever).")
    byo = models.BooleanField(default=False, help_text="Answered with the person's own LLM key (never stored).")
    status = models.CharField(max_length=16, choices=ReplyStatus.choices, default=ReplyStatus.COMPLETE)
    safety = models.CharField(max_length=16, choices=Safety.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="mentormessage_role_valid"),
            models.CheckConstraint(condition=Q(status__in=ReplyStatus.values), name="mentormessage_status_valid"),
            models.CheckConstraint(condition=Q(safety__in=Safety.values), name="mentormessage_safety_valid"),
            models.CheckConstraint(
                condition=Q(role=Role.USER, provider="") | Q(role=Role.ASSISTANT) & ~Q(provider=""),
                name="mentormessage_provider_only_on_replies",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-id"], name="mentormessage_user_idx"),
            models.Index(fields=["session", "-id"], name="mentormessage_session_idx"),
            models.Index(fields=["created_at"], name="mentormessage_created_idx"),
            # The daily quota counts the person's own messages answered with the platform's provider.
            models.Index(
                fields=["user", "created_at"],
                condition=Q(role=Role.USER, byo=False),
                name="mentormessage_quota_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} message {self.id}"


class MentorMemory(models.Model):
    """A rolling summary of the person's conversations, rewritten by a background job after new messages."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    summary = models.TextField(blank=True, default="")
    covered_message_id = models.BigIntegerField(default=0, help_text="Messages up to this id are summarised.")
    floor_message_id = models.BigIntegerField(
        default=0, help_text="Cleared by the person: messages up to this id are never summarised again."
    )
    messages_summarised = models.PositiveIntegerField(default=0)
    provider = models.CharField(max_length=16, choices=Provider.choices, blank=True, default="")
    updated_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"mentor memory of user {self.user_id}"


class MentorTask(models.Model):
    """A reply computed by a background job (`POST /mentor/chat/?async=true`). Only ids travel in the job."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(MentorSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    request_message = models.ForeignKey(
        MentorMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_message = models.ForeignKey(MentorMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    # Delivery is at least once, and a worker can die mid-reply: each run claims the task for a lease, counted in
    # `attempts`. A run whose lease expired is presumed dead; the task is run again or, out of attempts, failed.
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Runs started (a run that died counts).")
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="While running: when the current run is presumed dead."
    )
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_detail = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="mentortask_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.RUNNING) | Q(lease_expires_at__isnull=False, attempts__gte=1),
                name="mentortask_running_has_lease",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[TaskStatus.DONE, TaskStatus.FAILED], finished_at__isnull=False)
                | Q(status__in=[TaskStatus.PENDING, TaskStatus.RUNNING], finished_at__isnull=True),
                name="mentortask_finished_when_over",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="mentortask_created_idx"),
            # The sweeper's scan: unfinished tasks only (a handful at any time).
            models.Index(
                fields=["status", "lease_expires_at"],
                condition=Q(status__in=[TaskStatus.PENDING, TaskStatus.RUNNING]),
                name="mentortask_unfinished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"mentor task {self.id}"
