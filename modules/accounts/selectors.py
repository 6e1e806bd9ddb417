from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import Exists, F, FloatField, Lookup, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Greatest, Lower

from modules.accounts.contracts import Account, AccountSettings, QuietHours, SessionInfo, UserSummary
from modules.accounts.models import AuthSession, Privacy, User
from modules.core.public import NotFound, Page, paginate_queryset, paginate_ranked


class _IdAnyOf(Lookup):
    """`column = ANY(%s::bigint[])`: the ids as one array parameter (the same as `posts.selectors.id_in`)."""

    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs]


def account_from_user(user: User) -> Account:
    quiet = (
        QuietHours(start=user.quiet_hours_start, end=user.quiet_hours_end)
        if user.quiet_hours_start is not None and user.quiet_hours_end is not None
        else None
    )
    return Account(
        id=user.id,
        email=user.email,
        handle=user.handle,
        name=user.name,
        bio=user.bio,
        photo_path=user.photo,
        locale=user.locale,
        intention=user.intention,
        is_staff=user.is_staff,
        created_at=user.created_at,
        account_key=user.account_key,
        settings=AccountSettings(
            privacy=user.privacy,
            dm_policy=user.dm_policy,
            language=user.language,
            quiet_hours=quiet,
            push_enabled=user.push_enabled,
            email_enabled=user.email_enabled,
            digest_enabled=user.digest_enabled,
        ),
    )


_SUMMARY_FIELDS = ("id", "handle", "name", "photo", "is_active", "account_key", "bio")
_SUMMARY_COLUMNS = _SUMMARY_FIELDS  # in the order of UserSummary's fields (id, handle, name, photo_path, …)


def summary_from_user(user: User) -> UserSummary:
    return UserSummary(
        id=user.id,
        handle=user.handle,
        name=user.name,
        photo_path=user.photo,
        is_active=user.is_active,
        account_key=user.account_key,
        bio=user.bio,
    )


# What an Account is made of, read as a tuple (no model instance, no password hash read): `_account_from_row`.
_ACCOUNT_COLUMNS = (
    "id",
    "email",
    "handle",
    "name",
    "bio",
    "photo",
    "locale",
    "intention",
    "is_staff",
    "created_at",
    "account_key",
    "privacy",
    "dm_policy",
    "language",
    "quiet_hours_start",
    "quiet_hours_end",
    "push_enabled",
    "email_enabled",
    "digest_enabled",
)


def _account_from_row(row: tuple) -> Account:
    (user_id, email, handle, name, bio, photo, locale, intention, is_staff, created_at, account_key) = row[:11]
    privacy, dm_policy, language, quiet_start, quiet_end, push, email_on, digest = row[11:]
    quiet = QuietHours(start=quiet_start, end=quiet_end) if quiet_start is not None and quiet_end is not None else None
    return Account(
        id=user_id,
        email=email,
        handle=handle,
        name=name,
        bio=bio,
        photo_path=photo,
        locale=locale,
        intention=intention,
        is_staff=is_staff,
        created_at=created_at,
        account_key=account_key,
        settings=AccountSettings(
            privacy=privacy,
            dm_policy=dm_policy,
            language=language,
            quiet_hours=quiet,
            push_enabled=push,
            email_enabled=email_on,
            digest_enabled=digest,
        ),
    )


def account_get(*, user_id: int) -> Account:
    rows = list(User.objects.filter(id=user_id, is_active=True).values_list(*_ACCOUNT_COLUMNS)[:1])
    if not rows:
        raise NotFound("User not found.")
    return _account_from_row(rows[0])


def accounts_get(*, user_ids: Iterable[int]) -> dict[int, Account]:
    wanted = list(set(user_ids))
    if not wanted:
        return {}
    rows = User.objects.filter(_IdAnyOf(F("id"), wanted), is_active=True).values_list(*_ACCOUNT_COLUMNS)
    return {row[0]: _account_from_row(row) for row in rows}


def user_summaries(*, user_ids: Iterable[int]) -> dict[int, UserSummary]:
    """The active accounts among `user_ids`. Called by nearly every read of the API (authors, members, actors):
    one array parameter instead of an IN list (whose placeholders Django prepares one by one), and rows read as
    tuples, not model instances."""
    wanted = list(set(user_ids))
    if not wanted:
        return {}
    rows = User.objects.filter(_IdAnyOf(F("id"), wanted), is_active=True).values_list(*_SUMMARY_COLUMNS)
    return {
        row[0]: UserSummary(
            id=row[0], handle=row[1], name=row[2], photo_path=row[3], is_active=row[4], account_key=row[5], bio=row[6]
        )
        for row in rows
    }


def dm_policy_of(column: str) -> Subquery:
    """An expression for another module's query: the direct-message policy of the active account whose id is in
    `column`, NULL when it is deactivated (or the column is NULL). Lets a message send read its recipient with
    the membership it reads anyway."""
    return Subquery(User.objects.filter(id=OuterRef(column), is_active=True).values("dm_policy")[:1])


def active_handle(column: str) -> Subquery:
    """An expression for another module's query: the handle of the active account whose id is in `column` (e.g.
    a post's `author_id`), NULL when it is deactivated. A correlated primary-key probe per row, so a query that
    ranks hundreds of rows names their authors without a second round trip (the ranked feed)."""
    return Subquery(User.objects.filter(id=OuterRef(column), is_active=True).values("handle")[:1])


def user_id_by_account_key(*, account_key: str) -> int | None:
    """The active account with this public key (the coin receiver id), or None."""
    return User.objects.filter(account_key=account_key.strip(), is_active=True).values_list("id", flat=True).first()


def account_id_by_email(*, email: str, staff_only: bool = False) -> int | None:
    queryset = User.objects.filter(email=email.strip().lower(), is_active=True)
    if staff_only:
        queryset = queryset.filter(is_staff=True)
    return queryset.values_list("id", flat=True).first()


def account_exists(*, email: str) -> bool:
    return User.objects.filter(email=email.strip().lower()).exists()


def active_user_exists(*, user_id: int) -> bool:
    return User.objects.filter(id=user_id, is_active=True).exists()


def user_id_by_handle(*, handle: str) -> int | None:
    return User.objects.filter(handle=handle.lower().lstrip("@"), is_active=True).values_list("id", flat=True).first()


def user_ids_by_handles(*, handles: Iterable[str]) -> dict[str, int]:
    """Active users among `handles` (lower-cased, without "@"): {handle: id}; unknown handles are absent."""
    wanted = {handle.lower().lstrip("@") for handle in handles}
    return dict(User.objects.filter(handle__in=wanted, is_active=True).values_list("handle", "id")) if wanted else {}


def _directory(search: str | None, exclude_ids: Iterable[int]) -> QuerySet[User]:
    queryset = User.objects.filter(is_active=True).exclude(id__in=set(exclude_ids)).only(*_SUMMARY_FIELDS)
    if search:
        term = search.strip().lstrip("@")
        queryset = queryset.filter(Q(handle__icontains=term) | Q(name__icontains=term))
    return queryset


def users_directory(
    *, search: str | None, exclude_ids: Iterable[int], cursor: str | None, limit: int
) -> Page[UserSummary]:
    """Active users, newest first, optionally filtered by a handle/name fragment."""
    page = paginate_queryset(_directory(search, exclude_ids), ordering=("-id",), cursor=cursor, limit=limit)
    return Page(results=[summary_from_user(user) for user in page.results], next=page.next)


def inactive_user_ids() -> set[int]:
    """Deactivated accounts: their content disappears everywhere (a small set)."""
    return set(User.objects.filter(is_active=False).values_list("id", flat=True))


def is_private_account(column: str) -> Exists:
    """A condition for another module's query: the account whose id is in `column` (e.g. a post's `author_id`)
    is private. A correlated EXISTS on the primary key, so a feed or a search never carries the list of private
    accounts and costs one index probe per row it examines."""
    return Exists(User.objects.filter(id=OuterRef(column), privacy=Privacy.PRIVATE))


def users_search(*, q: str, exclude_ids: Iterable[int], cursor: str | None, limit: int) -> Page[UserSummary]:
    """People whose handle or name resembles `q` (trigram similarity, typo-tolerant), best match first."""
    term = q.strip().lstrip("@").lower()
    # double precision, so the cursor carries the exact score (pg_trgm returns float4)
    score = Cast(Greatest(TrigramSimilarity("handle", term), TrigramWordSimilarity(term, Lower("name"))), FloatField())
    queryset = (
        User.objects.filter(is_active=True)
        .exclude(id__in=set(exclude_ids))
        .only(*_SUMMARY_FIELDS)
        .annotate(score=score)
        .filter(Q(score__gte=0.25) | Q(handle__startswith=term))
    )
    page = paginate_ranked(queryset, score="score", tag=f"search:users:{term}", cursor=cursor, limit=limit)
    return Page(results=[summary_from_user(user) for user in page.results], next=page.next)


def users_count(*, joined_since=None) -> int:
    queryset = User.objects.filter(is_active=True)
    if joined_since is not None:
        queryset = queryset.filter(created_at__gte=joined_since)
    return queryset.count()


def open_session_ids(*, session_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these sign-in sessions are still open (not signed out, revoked or expired)."""
    wanted = set(session_ids)
    if not wanted:
        return set()
    return set(AuthSession.objects.filter(id__in=wanted, revoked_at__isnull=True).values_list("id", flat=True))


def live_session_ids(*, session_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these sessions would still authenticate an access token (open, and the account active): the
    check realtime repeats for its open connections. One query whatever the number of ids (an array
    parameter, not an IN list: 5 ms for 1,000 ids, 44 ms for 10,000 against 100,000 sessions)."""
    wanted = list(set(session_ids))
    if not wanted:
        return set()
    return set(
        AuthSession.objects.filter(
            id__in=RawSQL("SELECT unnest(%s::uuid[])", [wanted]), revoked_at__isnull=True, user__is_active=True
        ).values_list("id", flat=True)
    )


def sessions_active(*, user_id: int, current_session_id: uuid.UUID) -> list[SessionInfo]:
    """The user's open sessions, most recently used first; `current_session_id` is the asking one."""
    sessions = AuthSession.objects.filter(user_id=user_id, revoked_at__isnull=True).order_by("-last_used_at", "id")
    return [
        SessionInfo(
            id=s.id,
            created_at=s.created_at,
            last_used_at=s.last_used_at,
            user_agent=s.user_agent,
            ip_address=s.ip_address,
            current=s.id == current_session_id,
        )
        for s in sessions
    ]
