from __future__ import annotations

import secrets
import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from modules.accounts.locales import LOCALE_DB_PATTERN, MAX_LOCALE_LENGTH

HANDLE_PATTERN = r"^[a-z0-9_]{3,30}$"

# Crockford's base32 (no i, l, o, u: nothing to misread when the key is copied by hand), lower case.
_KEY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
ACCOUNT_KEY_PATTERN = r"^acct_[0-9a-hjkmnp-tv-z]{26}$"


def new_account_key() -> str:
    """`acct_` and 128 random bits: public, stable, and unrelated to the id, so keys cannot be enumerated."""
    number = secrets.randbits(128)
    return "acct_" + "".join(_KEY_ALPHABET[(number >> shift) & 31] for shift in range(125, -1, -5))


class Privacy(models.TextChoices):
    PUBLIC = "public", "Public"
    PRIVATE = "private", "Private"


class DmPolicy(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    FOLLOWERS = "followers", "Only people who follow me"
    NOBODY = "nobody", "Nobody"


class Language(models.TextChoices):
    EN = "en", "English"
    RU = "ru", "Русский"
    KA = "ka", "ქართული"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=email.strip().lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if "handle" not in fields:
            fields["handle"] = email.split("@", 1)[0].lower()[:30]
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A SelfLink account: identity, credentials and account settings.

    Ids are 64-bit sequence values far below 2^53, so they are safe as JSON numbers in JavaScript.
    """

    email = models.EmailField(max_length=254, unique=True, help_text="Stored lower-cased; unique regardless of case.")
    handle = models.CharField(max_length=30, unique=True, help_text="Public @handle: a-z, 0-9 and _, 3–30 chars.")
    name = models.CharField(max_length=120, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    photo = models.CharField(max_length=500, blank=True, help_text="Storage path of the avatar image.")
    locale = models.CharField(
        max_length=MAX_LOCALE_LENGTH,
        default=Language.EN,
        help_text="BCP 47 tag the person's device reports (en-US, ka-GE …); see accounts/locales.py.",
    )
    account_key = models.CharField(
        max_length=31,
        unique=True,
        default=new_account_key,
        editable=False,
        help_text="Public, stable, non-guessable key of the person's account (the coin receiver id).",
    )
    intention = models.CharField(max_length=200, blank=True, help_text="Why the person joined (from sign-up).")

    privacy = models.CharField(max_length=16, choices=Privacy.choices, default=Privacy.PUBLIC)
    dm_policy = models.CharField(max_length=16, choices=DmPolicy.choices, default=DmPolicy.EVERYONE)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    push_enabled = models.BooleanField(default=True)
    email_enabled = models.BooleanField(default=True)
    digest_enabled = models.BooleanField(default=False)

    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["handle"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(condition=models.Q(handle__regex=HANDLE_PATTERN), name="user_handle_format"),
            models.CheckConstraint(condition=models.Q(privacy__in=Privacy.values), name="user_privacy_valid"),
            models.CheckConstraint(condition=models.Q(locale__regex=LOCALE_DB_PATTERN), name="user_locale_format"),
            models.CheckConstraint(condition=models.Q(language__in=Language.values), name="user_language_served"),
            models.CheckConstraint(
                condition=models.Q(account_key__regex=ACCOUNT_KEY_PATTERN), name="user_account_key_format"
            ),
            models.CheckConstraint(condition=models.Q(dm_policy__in=DmPolicy.values), name="user_dm_policy_valid"),
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="user_quiet_hours_both_or_none",
            ),
        ]
        indexes = [
            models.Index(Lower("name"), name="user_name_lower_idx"),
            # People search: trigram similarity on handle and name (pg_trgm).
            GinIndex(OpClass("handle", name="gin_trgm_ops"), name="user_handle_trgm_idx"),
            GinIndex(OpClass(Lower("name"), name="gin_trgm_ops"), name="user_name_trgm_idx"),
            # Every feed and search hides deactivated accounts: a tiny index over just them (not a scan of all).
            models.Index(fields=["id"], condition=models.Q(is_active=False), name="user_inactive_idx"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()


class SessionEndReason(models.TextChoices):
    LOGOUT = "logout", "Logged out"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    REUSE_DETECTED = "reuse_detected", "Refresh token reuse detected"
    ADMIN = "admin", "Revoked by staff"


class AuthSession(models.Model):
    """One sign-in on one device: a family of rotating refresh tokens.

    Access tokens name their session (`sid`), so revoking a session stops its
    access tokens at once, not only when they expire.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_sessions")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, choices=SessionEndReason.choices, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="authsession_user_active_idx")]

    def __str__(self) -> str:
        return f"session {self.id} of user {self.user_id}"


class RefreshToken(models.Model):
    """A refresh token, stored only as its SHA-256. Used once: refreshing rotates it."""

    session = models.ForeignKey(AuthSession, on_delete=models.CASCADE, related_name="refresh_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="refreshtoken_expiry_idx")]

    def __str__(self) -> str:
        return f"refresh token {self.token_hash[:8]}… ({self.session_id})"


class SignInBackoff(models.Model):
    """Failed sign-ins of one account through one kind of client (see modules/accounts/signin.py).

    Keys are HMACs (keyed with SECRET_KEY), never the e-mail, address or device id; e-mails without an account
    get rows too, so the answer does not tell whether an account exists.
    """

    account_hash = models.CharField(max_length=64, help_text="HMAC of the lower-cased e-mail.")
    client_hash = models.CharField(max_length=64, help_text="HMAC of the device, the known address, or 'unknown'.")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account_hash", "client_hash"], name="signinbackoff_unique"),
        ]
        indexes = [models.Index(fields=["last_failure_at"], name="signinbackoff_age_idx")]

    def __str__(self) -> str:
        return f"{self.failures} failed sign-ins ({self.account_hash[:8]}…)"


class KnownSignInClient(models.Model):
    """A device (its `selflink_device` cookie) or a network address an account signed in from, or refreshed a
    session from: sign-ins from it are not slowed down by failures elsewhere. Stored as an HMAC."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    client_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=[("device", "Device"), ("ip", "Network address")])
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "client_hash"], name="knownsigninclient_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=["device", "ip"]), name="knownsigninclient_kind"),
        ]
        indexes = [models.Index(fields=["last_seen_at"], name="knownsigninclient_age_idx")]

    def __str__(self) -> str:
        return f"known {self.kind} of user {self.user_id}"
