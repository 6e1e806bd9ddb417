"""The contributor-rewards ledger.

Append-only by construction: events, revenue lines, snapshot lines and payout
transitions reject UPDATE, DELETE and TRUNCATE in PostgreSQL itself (see the
triggers in migrations/0002_ledger_guards.py); final snapshots are locked the
same way. Corrections are new events that point at what they correct.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"


class Contributor(models.Model):
    """A SelfLink user whose GitHub login is verified as theirs."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    github_login = models.CharField(max_length=39, help_text="GitHub login; unique regardless of case.")
    display_name = models.CharField(max_length=120)
    public = models.BooleanField(default=True, help_text="Show the display name in public snapshots.")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("github_login"), name="contributor_login_ci_unique")]

    def __str__(self) -> str:
        return f"@{self.github_login}"


class LinkStatus(models.TextChoices):
    PENDING = "pending", "Waiting for proof"
    VERIFIED = "verified", "Verified"
    SUPERSEDED = "superseded", "Replaced by a newer request"


class GithubLinkClaim(models.Model):
    """A user's claim to a GitHub login, proven by posting the token on GitHub (or confirmed by staff)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    github_login = models.CharField(max_length=39)
    token = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=LinkStatus.choices, default=LinkStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_via = models.CharField(max_length=200, blank=True, help_text="Proof URL, or the staff member.")

    class Meta:
        indexes = [models.Index(Lower("github_login"), name="linkclaim_login_idx")]

    def __str__(self) -> str:
        return f"claim of @{self.github_login} by user {self.user_id} ({self.status})"


class RewardRules(models.Model):
    """A scoring rule set. Applies to events that occur at or after `activated_at`, until the next version.

    Immutable once any event used it (enforced by a trigger).
    """

    version = models.PositiveIntegerField(primary_key=True)
    activated_at = models.DateTimeField(unique=True)
    description = models.TextField()
    config = models.JSONField(help_text="Points per size label, bonus labels and cap, issue-score rule.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version"]
        verbose_name_plural = "reward rules"

    def __str__(self) -> str:
        return f"rules v{self.version} (from {self.activated_at:%Y-%m-%d})"


class EventKind(models.TextChoices):
    PR_MERGED = "pr_merged", "Pull request merged"
    ISSUE_COMPLETED = "issue_completed", "Scored issue completed"
    ADJUSTMENT = "adjustment", "Adjustment (correction)"
    BONUS = "bonus", "Bonus"


class RewardEvent(models.Model):
    """One immutable line of the ledger, chained to the previous one by SHA-256."""

    kind = models.CharField(max_length=20, choices=EventKind.choices)
    points = models.IntegerField()
    occurred_at = models.DateTimeField()
    period = models.CharField(max_length=7, help_text="YYYY-MM of occurred_at, in UTC.")
    source_url = models.URLField(max_length=500, blank=True)
    payload_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the raw source payload.")
    rules = models.ForeignKey(RewardRules, on_delete=models.PROTECT, related_name="+", db_column="rules_version")
    github_login = models.CharField(max_length=39, help_text="The author (not the merger).")
    contributor = models.ForeignKey(
        Contributor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Linked contributor when the event was recorded (informational).",
    )
    idempotency_key = models.CharField(max_length=200, unique=True)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    flags = models.JSONField(default=list, blank=True, help_text='e.g. ["needs_label"]')
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(period__regex=PERIOD_PATTERN), name="event_period_format"),
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_known"),
            models.CheckConstraint(condition=Q(payload_sha256__regex=SHA256_PATTERN), name="event_payload_sha256"),
            models.CheckConstraint(condition=Q(hash__regex=SHA256_PATTERN), name="event_hash_format"),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | (Q(corrects__isnull=False) & ~Q(reason="")),
                name="event_adjustment_explained",
            ),
            models.CheckConstraint(condition=Q(kind="adjustment") | Q(points__gte=0), name="event_points_positive"),
            models.CheckConstraint(condition=Q(github_login=Lower("github_login")), name="event_login_lowercase"),
        ]
        indexes = [
            models.Index(fields=["period", "occurred_at", "idempotency_key"], name="event_period_order_idx"),
            models.Index(Lower("github_login"), "period", name="event_login_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d} @{self.github_login} ({self.period})"


class IssueScore(models.Model):
    """The score fixed on an issue by its first `score:N` label. Never changes afterwards."""

    issue_url = models.URLField(max_length=500, unique=True)
    repository = models.CharField(max_length=200)
    number = models.PositiveIntegerField()
    score = models.PositiveIntegerField()
    captured_at = models.DateTimeField()
    payload_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("repository"), "number", name="issuescore_repo_number")]

    def __str__(self) -> str:
        return f"{self.repository}#{self.number} = {self.score}"


class GithubDelivery(models.Model):
    """Every accepted webhook delivery, so a replayed delivery is recognised and changes nothing."""

    delivery_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=50)
    action = models.CharField(max_length=50, blank=True)
    payload_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.event}/{self.action} {self.delivery_id}: {self.outcome}"


class EntryKind(models.TextChoices):
    REVENUE = "revenue", "Revenue"
    COST = "cost", "Cost"


class RevenueEntry(models.Model):
    """One revenue or cost line of a period, in integer cents. Append-only; corrections are new lines."""

    period = models.CharField(max_length=7)
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    amount_cents = models.BigIntegerField(help_text="Negative amounts correct earlier lines.")
    currency = models.CharField(max_length=3)
    source = models.CharField(max_length=50, help_text="e.g. stripe, btcpay, manual")
    reference = models.CharField(max_length=200, help_text="External id, unique per source.")
    note = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="revenue_source_reference_unique"),
            models.CheckConstraint(condition=Q(period__regex=PERIOD_PATTERN), name="revenue_period_format"),
            models.CheckConstraint(condition=~Q(amount_cents=0), name="revenue_amount_nonzero"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="revenue_currency_format"),
        ]
        verbose_name_plural = "revenue entries"

    def __str__(self) -> str:
        return f"{self.period} {self.kind} {self.amount_cents / 100:.2f} {self.currency} ({self.source})"


class SnapshotState(models.TextChoices):
    PROVISIONAL = "provisional", "Provisional (dispute window open)"
    SUPERSEDED = "superseded", "Superseded by a newer revision"
    FINAL = "final", "Final"


class Snapshot(models.Model):
    """A monthly calculation: a pure function of its inputs, identified by their hash."""

    period = models.CharField(max_length=7)
    revision = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=SnapshotState.choices, default=SnapshotState.PROVISIONAL)
    currency = models.CharField(max_length=3)
    revenue_cents = models.BigIntegerField()
    costs_cents = models.BigIntegerField()
    net_cents = models.BigIntegerField()
    pool_percent = models.PositiveIntegerField()
    pool_cents = models.BigIntegerField()
    total_points = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    min_payout_cents = models.BigIntegerField()
    carry_in_cents = models.BigIntegerField()
    payable_cents = models.BigIntegerField()
    carry_out_cents = models.BigIntegerField()
    inputs_hash = models.CharField(max_length=64)
    outputs_hash = models.CharField(max_length=64)
    # The inputs of a revision are the period's events and revenue lines up to these ids (appends are
    # serialised, so ids grow in commit order): every revision can be exported again, exactly.
    last_event_id = models.BigIntegerField(default=0)
    last_revenue_id = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    dispute_window_ends_at = models.DateTimeField()
    finalized_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why this revision was computed.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "revision"], name="snapshot_period_revision"),
            models.UniqueConstraint(
                fields=["period"], condition=~Q(state="superseded"), name="snapshot_one_current_per_period"
            ),
            models.CheckConstraint(condition=Q(period__regex=PERIOD_PATTERN), name="snapshot_period_format"),
            models.CheckConstraint(condition=Q(pool_cents__gte=0) & Q(net_cents__gte=0), name="snapshot_money"),
        ]
        ordering = ["-period", "-revision"]

    def __str__(self) -> str:
        return f"snapshot {self.period} r{self.revision} ({self.state})"


class SnapshotLine(models.Model):
    """One contributor's row in a snapshot: points, share of the pool, carry-in, payout or carry-out."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="lines")
    github_login = models.CharField(max_length=39, help_text="Lower-cased GitHub login.")
    points = models.BigIntegerField()
    share_cents = models.BigIntegerField()
    carry_in_cents = models.BigIntegerField()
    payout_cents = models.BigIntegerField()
    carry_out_cents = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "github_login"], name="snapshotline_unique_login"),
            models.CheckConstraint(
                condition=Q(
                    points__gte=0,
                    share_cents__gte=0,
                    carry_in_cents__gte=0,
                    payout_cents__gte=0,
                    carry_out_cents__gte=0,
                ),
                name="snapshotline_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.github_login}: {self.payout_cents}¢ (+{self.carry_out_cents}¢ carried)"


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class Payout(models.Model):
    """What a final snapshot owes one GitHub login. Its status moves only through PayoutTransition rows."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="payouts")
    github_login = models.CharField(max_length=39)
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=PayoutStatus.choices, default=PayoutStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "github_login"], name="payout_unique_login"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payout_positive"),
        ]

    def __str__(self) -> str:
        return f"payout {self.amount_cents / 100:.2f} {self.currency} to @{self.github_login} ({self.status})"


class PayoutTransition(models.Model):
    """An append-only status change. A trigger checks the move is allowed and updates Payout.status."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=PayoutStatus.choices)
    to_status = models.CharField(max_length=12, choices=PayoutStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    external_reference = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status} ({self.at:%Y-%m-%d})"


class DisputeKind(models.TextChoices):
    MISSING_PR = "missing_pr", "A merged pull request is missing"
    WRONG_LABEL = "wrong_label", "Wrong or missing label"
    IDENTITY = "identity", "Identity / account linking problem"
    OTHER = "other", "Something else"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved with an adjustment"
    REJECTED = "rejected", "Rejected"


class Dispute(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    kind = models.CharField(max_length=16, choices=DisputeKind.choices)
    description = models.TextField(max_length=4000)
    source_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["period", "status"], name="dispute_period_status_idx")]

    def __str__(self) -> str:
        return f"dispute {self.id} on {self.period} ({self.kind}, {self.status})"
