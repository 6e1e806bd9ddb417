"""Writes for accounts: registration, sign-in, token rotation, password and profile changes."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from ipaddress import ip_address

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from modules.accounts.contracts import Account, AuthResult, SessionsEnded, TokenPair
from modules.accounts.hooks import privacy_changed_announce, sessions_ended_announce
from modules.accounts.locales import DEFAULT_LANGUAGE, normalize_locale, served_language
from modules.accounts.models import HANDLE_PATTERN, AuthSession, RefreshToken, SessionEndReason, User
from modules.accounts.selectors import account_from_user
from modules.accounts.signin import ClientInfo, known_client_record, sign_in_verify
from modules.accounts.tokens import access_token_issue, refresh_token_generate, refresh_token_hash
from modules.core.public import (
    Conflict,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from modules.media.public import image_store, media_delete

RESERVED_HANDLES = frozenset(
    {
        "admin",
        "administrator",
        "api",
        "app",
        "help",
        "me",
        "mod",
        "moderator",
        "null",
        "root",
        "selflink",
        "settings",
        "staff",
        "support",
        "system",
        "undefined",
        "www",
    }
)
_HANDLE_RE = re.compile(HANDLE_PATTERN)

# --- helpers --------------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationFailed.for_field("email", "Enter a valid e-mail address.", code="invalid_email") from exc
    return email


def handle_validate(handle: str) -> str:
    handle = handle.strip().lstrip("@").lower()
    if not _HANDLE_RE.match(handle):
        raise ValidationFailed.for_field(
            "handle",
            "Handles are 3–30 characters: lowercase letters, digits and underscores.",
            code="invalid_handle",
        )
    if handle in RESERVED_HANDLES:
        raise ValidationFailed.for_field("handle", "This handle is reserved.", code="handle_reserved")
    return handle


def _handle_base(name: str, email: str) -> str:
    source = name or email.split("@", 1)[0]
    ascii_text = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:24]
    if len(base) < 3 or base in RESERVED_HANDLES:
        base = (base + "_user").lstrip("_") if base else "user"
    return base[:24]


def handle_generate(*, name: str, email: str) -> str:
    """A free handle derived from the name (or the e-mail's local part): `ana_kapanadze`, `ana_kapanadze_2`…"""
    base = _handle_base(name, email)
    taken = set(User.objects.filter(handle__startswith=base).values_list("handle", flat=True))
    if base not in taken:
        return base
    suffix = 2
    while f"{base}_{suffix}" in taken:
        suffix += 1
    return f"{base}_{suffix}"


def _password_validate(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            "The password is too weak.", code="weak_password", errors={"password": list(exc.messages)}
        ) from exc


def _integrity_conflict(exc: IntegrityError) -> Conflict:
    text = str(exc)
    if "email" in text:
        return Conflict("An account with this e-mail already exists.", code="email_taken")
    if "handle" in text:
        return Conflict("This handle is taken.", code="handle_taken")
    return Conflict()


def _session_open(user: User, client: ClientInfo) -> TokenPair:
    session = AuthSession.objects.create(user=user, user_agent=client.user_agent[:300], ip_address=_ip(client.ip))
    return _tokens_issue(session)


def _tokens_issue(session: AuthSession) -> TokenPair:
    raw, digest = refresh_token_generate()
    RefreshToken.objects.create(
        session=session,
        token_hash=digest,
        expires_at=timezone.now() + dt.timedelta(seconds=settings.REFRESH_TOKEN_TTL_SECONDS),
    )
    return TokenPair(
        access=access_token_issue(user_id=session.user_id, session_id=session.id),
        refresh=raw,
        session_id=session.id,
    )


def _ip(value: str) -> str | None:
    try:
        return str(ip_address(value))
    except ValueError:
        return None


# --- registration and sign-in ---------------------------------------------------------------------


def user_register(
    *,
    email: str,
    password: str,
    name: str,
    handle: str | None = None,
    intention: str = "",
    locale: str = "en",
    client: ClientInfo,
) -> AuthResult:
    email = normalize_email(email)
    name = name.strip()
    handle = handle_validate(handle) if handle else handle_generate(name=name, email=email)
    locale = normalize_locale(locale)
    user = User(
        email=email,
        handle=handle,
        name=name,
        intention=intention.strip(),
        locale=locale,
        language=served_language(locale) or DEFAULT_LANGUAGE,
    )
    _password_validate(password, user)
    user.set_password(password)
    for attempt in range(5):
        try:
            with transaction.atomic():
                user.save()
                tokens = _session_open(user, client)
            return AuthResult(tokens=tokens, account=account_from_user(user))
        except IntegrityError as exc:
            conflict = _integrity_conflict(exc)
            # A generated handle can collide with a concurrent sign-up: pick the next free one.
            if conflict.code == "handle_taken" and not handle and attempt < 4:
                user.pk = None
                user.handle = handle_generate(name=name, email=email)
                continue
            raise conflict from exc
    raise Conflict("Could not allocate a handle, try choosing one.", code="handle_taken")


def auth_login(*, email: str, password: str, client: ClientInfo) -> AuthResult:
    """Check credentials under the brute-force limits of `signin.py` (per address; per account a backoff that
    the owner passes from a known device or network) and open a session."""
    user = sign_in_verify(email=email, password=password, client=client)
    User.objects.filter(id=user.id).update(last_login=timezone.now())
    return AuthResult(tokens=_session_open(user, client), account=account_from_user(user))


def auth_refresh(*, refresh_token: str, client: ClientInfo) -> TokenPair:
    """Rotate a refresh token. Presenting one that was already rotated revokes its whole session.

    A rotated token can only come back if it was copied: the legitimate client
    always holds the newest one. Revoking the family logs out both the thief and
    the victim, who signs in again; the revocation is committed even though the
    request fails.
    """
    digest = refresh_token_hash(refresh_token)
    now = timezone.now()
    reused_session_id: uuid.UUID | None = None
    with transaction.atomic():
        token = (
            RefreshToken.objects.select_for_update(of=("self", "session"))
            .select_related("session", "session__user")
            .filter(token_hash=digest)
            .first()
        )
        if token is None:
            raise NotAuthenticated("The refresh token is not valid.", code="refresh_token_invalid")
        session = token.session
        if session.revoked_at is not None or not session.user.is_active:
            raise NotAuthenticated("This session has ended. Sign in again.", code="session_revoked")
        if token.rotated_at is not None:
            sessions_end(AuthSession.objects.filter(id=session.id), reason=SessionEndReason.REUSE_DETECTED)
            reused_session_id = session.id
        elif token.expires_at <= now:
            raise NotAuthenticated("The refresh token has expired. Sign in again.", code="refresh_token_expired")
        else:
            token.rotated_at = now
            token.save(update_fields=["rotated_at"])
            session.last_used_at = now
            session.ip_address = _ip(client.ip) or session.ip_address
            session.save(update_fields=["last_used_at", "ip_address"])
            # A device holding a live refresh token is the account's own: its sign-ins are not slowed down.
            known_client_record(user_id=session.user_id, client=client, now=now)
            return _tokens_issue(session)
    raise NotAuthenticated(
        f"This refresh token was already used; session {reused_session_id} has been revoked. Sign in again.",
        code="refresh_token_reused",
    )


def sessions_end(sessions: QuerySet[AuthSession], *, reason: str) -> list[uuid.UUID]:
    """End the open sessions among `sessions` and tell the listeners (`hooks.py`: realtime closes their live
    connections), all in one transaction, the caller's when there is one. Every path that ends sessions comes
    through here. Returns the ids it ended (already ended ones are left as they were)."""
    with transaction.atomic():
        # Locked in id order, so two concurrent "sign out everywhere" cannot deadlock.
        ended = list(
            sessions.filter(revoked_at__isnull=True).select_for_update().order_by("id").values_list("id", "user_id")
        )
        if not ended:
            return []
        AuthSession.objects.filter(id__in=[session_id for session_id, _ in ended]).update(
            revoked_at=timezone.now(), revoked_reason=reason
        )
        by_user: dict[int, list[uuid.UUID]] = {}
        for session_id, user_id in ended:
            by_user.setdefault(user_id, []).append(session_id)
        for user_id, session_ids in by_user.items():
            sessions_ended_announce(SessionsEnded(user_id=user_id, session_ids=tuple(session_ids), reason=reason))
    return [session_id for session_id, _ in ended]


def auth_logout(*, refresh_token: str) -> None:
    """End the session the refresh token belongs to. Unknown tokens are ignored (idempotent)."""
    family = RefreshToken.objects.filter(token_hash=refresh_token_hash(refresh_token)).values("session_id")
    sessions_end(AuthSession.objects.filter(id__in=family), reason=SessionEndReason.LOGOUT)


def sessions_revoke_all(*, user_id: int, except_session_id: uuid.UUID | None, reason: str) -> int:
    queryset = AuthSession.objects.filter(user_id=user_id)
    if except_session_id is not None:
        queryset = queryset.exclude(id=except_session_id)
    return len(sessions_end(queryset, reason=reason))


def sessions_revoke_for_users(*, user_ids: list[int], reason: str) -> int:
    """Staff's "sign out of every session" for several accounts at once."""
    return len(sessions_end(AuthSession.objects.filter(user_id__in=user_ids), reason=reason))


def password_change(*, user_id: int, session_id: uuid.UUID, current_password: str, new_password: str) -> int:
    """Change the password and end every other session. Returns how many sessions were ended."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(id=user_id)
        if not user.check_password(current_password):
            raise ValidationFailed.for_field(
                "current_password", "The current password is incorrect.", code="invalid_password"
            )
        if current_password == new_password:
            raise ValidationFailed.for_field(
                "new_password", "Choose a password different from the current one.", code="password_unchanged"
            )
        _password_validate(new_password, user)
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        return sessions_revoke_all(
            user_id=user_id, except_session_id=session_id, reason=SessionEndReason.PASSWORD_CHANGED
        )


# --- account changes ------------------------------------------------------------------------------

# Account settings that always have a value (quiet hours are the one setting null switches off).
_VALUED_SETTINGS = frozenset({"privacy", "dm_policy", "language", "push_enabled", "email_enabled", "digest_enabled"})


def account_update(
    *,
    user_id: int,
    name: str | None = None,
    bio: str | None = None,
    handle: str | None = None,
    locale: str | None = None,
    intention: str | None = None,
    settings_changes: dict | None = None,
) -> Account:
    """Apply a partial update; only the given fields change.

    A new `locale` (a BCP 47 tag) also moves the answer language to the tag's language when we serve it, unless
    `settings_changes` sets the language itself (the rule is in accounts/locales.py).
    """
    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is None:
        raise NotFound("User not found.")
    privacy_before = user.privacy
    changed = _profile_apply(user, name=name, bio=bio, handle=handle, locale=locale, intention=intention)
    changed += _settings_apply(user, settings_changes or {})
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=[*set(changed), "updated_at"])
                if user.privacy != privacy_before:
                    privacy_changed_announce(user.id, user.privacy)
        except IntegrityError as exc:
            raise _integrity_conflict(exc) from exc
    return account_from_user(user)


def _profile_apply(
    user: User, *, name: str | None, bio: str | None, handle: str | None, locale: str | None, intention: str | None
) -> list[str]:
    """Set the given profile fields on `user` (unsaved); returns the columns that changed."""
    changed: list[str] = []
    for column, text in (("name", name), ("bio", bio), ("intention", intention)):
        if text is not None:
            setattr(user, column, text.strip())
            changed.append(column)
    if locale is not None:
        user.locale = normalize_locale(locale)
        changed.append("locale")
        if language := served_language(user.locale):
            user.language = language
            changed.append("language")
    if handle is not None and (handle := handle_validate(handle)) != user.handle:
        user.handle = handle
        changed.append("handle")
    return changed


def _settings_apply(user: User, settings_changes: dict) -> list[str]:
    """Set the given account settings on `user` (unsaved), after the profile fields, so a `language` here wins
    over the one a new locale implies; returns the columns that changed."""
    changed: list[str] = []
    for key, value in settings_changes.items():
        if key == "quiet_hours":
            user.quiet_hours_start = value["start"] if value else None
            user.quiet_hours_end = value["end"] if value else None
            changed += ["quiet_hours_start", "quiet_hours_end"]
        elif key in _VALUED_SETTINGS:
            if value is None:
                # These columns are NOT NULL: saving None would be an IntegrityError, which is not a conflict (409)
                # but a bad value (422) for the field the client named.
                raise ValidationFailed.for_field(
                    f"settings.{key}", "This setting cannot be null: leave it out to keep it."
                )
            setattr(user, key, value)
            changed.append(key)
        else:
            raise ValueError(f"unknown account setting {key!r}")  # a caller's mistake, never silently dropped
    return changed


def account_set_photo(*, user_id: int, upload: UploadedFile | None) -> Account:
    """Replace (or, with None, remove) the avatar. The old file is deleted after the change commits."""
    user = User.objects.filter(id=user_id, is_active=True).first()
    if user is None:
        raise NotFound("User not found.")
    previous = user.photo
    user.photo = image_store(upload, folder="avatars", field="avatar_image", max_side=1024).path if upload else ""
    user.save(update_fields=["photo", "updated_at"])
    if previous and previous != user.photo:
        transaction.on_commit(lambda: media_delete(previous))
    return account_from_user(user)


def account_deactivate(*, user_id: int) -> None:
    """Deactivate an account (staff, in the admin): it can no longer sign in, its content disappears, and every
    session ends now (live connections included)."""
    with transaction.atomic():
        User.objects.filter(id=user_id).update(is_active=False)
        sessions_revoke_all(user_id=user_id, except_session_id=None, reason=SessionEndReason.ADMIN)


def auth_sessions_purge(*, older_than: dt.timedelta = dt.timedelta(days=30)) -> int:
    """Delete sessions that ended, or whose newest refresh token expired, more than `older_than` ago."""
    cutoff = timezone.now() - older_than
    ended = AuthSession.objects.filter(revoked_at__lt=cutoff)
    stale = AuthSession.objects.filter(revoked_at__isnull=True).exclude(refresh_tokens__expires_at__gte=cutoff)
    deleted_ended, _ = ended.delete()
    deleted_stale, _ = stale.delete()
    return deleted_ended + deleted_stale


def session_revoke(*, user_id: int, session_id: uuid.UUID) -> None:
    """Sign out one of the caller's own sessions (another device). Other users' sessions are not found."""
    if not sessions_end(AuthSession.objects.filter(id=session_id, user_id=user_id), reason=SessionEndReason.LOGOUT):
        raise NotFound("Session not found.")


def staff_user_ensure(*, email: str, password: str, name: str) -> Account:
    """Create a staff superuser unless the e-mail exists (used by demo seeding and ops scripts)."""
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_superuser(email, password, name=name, handle=handle_generate(name=name, email=email))
    return account_from_user(user)
