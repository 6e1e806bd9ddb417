from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, Value

from modules.accounts.public import UserSummary, account_get, user_summaries, users_directory
from modules.core.public import NotFound, Page, PermissionDenied, paginate_queryset
from modules.profiles.public import personal_profile_get
from modules.social.contracts import (
    FollowRequestEntry,
    MeView,
    Person,
    Relationship,
    UserCard,
    UserCounts,
    UserView,
    ViewerGraph,
)
from modules.social.models import Block, Follow, FollowRequest, Mute, UserStats


def is_following(*, follower_id: int, followee_id: int) -> bool:
    return Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).exists()


def followee_ids(*, user_id: int) -> set[int]:
    """Everyone the user follows."""
    return set(Follow.objects.filter(follower_id=user_id).values_list("followee_id", flat=True))


def following_among(*, viewer_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` the viewer follows (one query for a whole list)."""
    return set(
        Follow.objects.filter(follower_id=viewer_id, followee_id__in=set(user_ids)).values_list(
            "followee_id", flat=True
        )
    )


def followers_among(*, user_id: int, user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` follow `user_id` (one query for a whole list)."""
    return set(
        Follow.objects.filter(followee_id=user_id, follower_id__in=set(user_ids)).values_list("follower_id", flat=True)
    )


def is_requested(*, requester_id: int, target_id: int) -> bool:
    return FollowRequest.objects.filter(requester_id=requester_id, target_id=target_id).exists()


def relationship(*, viewer_id: int, other_id: int) -> Relationship:
    """Follows, follow requests and blocks both ways, and the viewer's mute, in one query."""
    if viewer_id == other_id:
        return Relationship(False, False, False, False, False)
    pair = Q(follower_id=viewer_id, followee_id=other_id) | Q(follower_id=other_id, followee_id=viewer_id)
    follows = Follow.objects.filter(pair).annotate(k=Value("follow")).values_list("k", "follower_id")
    requests = (
        FollowRequest.objects.filter(
            Q(requester_id=viewer_id, target_id=other_id) | Q(requester_id=other_id, target_id=viewer_id)
        )
        .annotate(k=Value("request"))
        .values_list("k", "requester_id")
    )
    blocks = (
        Block.objects.filter(
            Q(blocker_id=viewer_id, blocked_id=other_id) | Q(blocker_id=other_id, blocked_id=viewer_id)
        )
        .annotate(k=Value("block"))
        .values_list("k", "blocker_id")
    )
    mutes = (
        Mute.objects.filter(muter_id=viewer_id, muted_id=other_id)
        .annotate(k=Value("mute"))
        .values_list("k", "muter_id")
    )
    rows = set(follows.union(requests, blocks, mutes, all=True))
    return Relationship(
        is_following=("follow", viewer_id) in rows,
        is_followed_by=("follow", other_id) in rows,
        is_blocked=("block", viewer_id) in rows,
        has_blocked_you=("block", other_id) in rows,
        is_muted=("mute", viewer_id) in rows,
        is_requested=("request", viewer_id) in rows,
        has_requested_you=("request", other_id) in rows,
    )


def blocked_either_way_ids(*, user_id: int) -> set[int]:
    """Everyone this user blocked or was blocked by: they must not see each other anywhere."""
    pairs = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user_id}


def is_blocked_either_way(*, user_a: int, user_b: int) -> bool:
    return Block.objects.filter(
        Q(blocker_id=user_a, blocked_id=user_b) | Q(blocker_id=user_b, blocked_id=user_a)
    ).exists()


_SILENCED_SQL = """
    SELECT muter_id FROM {mute} WHERE muted_id = %(actor)s AND muter_id = ANY(%(ids)s::bigint[])
    UNION SELECT blocker_id FROM {block} WHERE blocked_id = %(actor)s AND blocker_id = ANY(%(ids)s::bigint[])
    UNION SELECT blocked_id FROM {block} WHERE blocker_id = %(actor)s AND blocked_id = ANY(%(ids)s::bigint[])
"""


def silenced_among(*, actor_id: int, recipient_ids: Iterable[int]) -> set[int]:
    """Which of `recipient_ids` must hear nothing from `actor_id`: they muted the actor (a mute counts one way), or
    one of them blocked the other (either way). One statement for any number of recipients, written out: it runs
    for every notification, where the ORM's compiling costs more than the query. Registered in notifications
    (`register_silence_check`) by SocialConfig.ready."""
    ids = sorted(set(recipient_ids))
    if not ids:
        return set()
    sql = _SILENCED_SQL.format(mute=Mute._meta.db_table, block=Block._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, {"actor": actor_id, "ids": ids})
        return {user_id for (user_id,) in cursor.fetchall()}


def muted_ids(*, user_id: int) -> set[int]:
    return set(Mute.objects.filter(muter_id=user_id).values_list("muted_id", flat=True))


_VIEWER_GRAPH_SQL = """
    SELECT 'f', followee_id FROM {follow} WHERE follower_id = %(user)s
    UNION ALL SELECT 'b', blocked_id FROM {block} WHERE blocker_id = %(user)s
    UNION ALL SELECT 'b', blocker_id FROM {block} WHERE blocked_id = %(user)s
    UNION ALL SELECT 'm', muted_id FROM {mute} WHERE muter_id = %(user)s AND %(mutes)s
"""


def viewer_graph(*, user_id: int, with_mutes: bool = False) -> ViewerGraph:
    """`followee_ids`, `blocked_either_way_ids` and (`with_mutes`) `muted_ids` of one user in one statement: what
    every read of posts resolves first (issue 12: three round trips on every feed request)."""
    sql = _VIEWER_GRAPH_SQL.format(follow=Follow._meta.db_table, block=Block._meta.db_table, mute=Mute._meta.db_table)
    sets: dict[str, set[int]] = {"f": set(), "b": set(), "m": set()}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"user": user_id, "mutes": with_mutes})
        for kind, other in cursor.fetchall():
            sets[kind].add(other)
    return ViewerGraph(followees=frozenset(sets["f"]), blocked=frozenset(sets["b"]), muted=frozenset(sets["m"]))


def counts_get(*, user_ids: Iterable[int]) -> dict[int, UserCounts]:
    ids = set(user_ids)
    rows = {
        stats.user_id: UserCounts(stats.followers_count, stats.following_count, stats.posts_count)
        for stats in UserStats.objects.filter(user_id__in=ids)
    }
    return {user_id: rows.get(user_id, UserCounts(0, 0, 0)) for user_id in ids}


def _cards_page(viewer_id: int, page: Page[int]) -> Page[UserCard]:
    return Page(results=user_cards(viewer_id=viewer_id, user_ids=page.results), next=page.next)


def _connections_check(viewer_id: int, viewer_is_staff: bool, user_id: int) -> None:
    """404 for a user blocked either way with the viewer (they do not exist for each other), 403 for the lists of
    a private account the viewer does not follow."""
    user_view(viewer_id=viewer_id, viewer_is_staff=viewer_is_staff, user_id=user_id)
    if not can_see_connections(viewer_id=viewer_id, viewer_is_staff=viewer_is_staff, user_id=user_id):
        raise PermissionDenied(
            "This account is private: only its followers see its connections.", code="private_account"
        )


def followers_page(
    *, user_id: int, viewer_id: int, viewer_is_staff: bool, cursor: str | None, limit: int
) -> Page[UserCard]:
    """`user_id`'s followers, most recent first, without anyone blocked either way with the viewer (after
    `_connections_check`)."""
    _connections_check(viewer_id, viewer_is_staff, user_id)
    hidden = blocked_either_way_ids(user_id=viewer_id)
    queryset = Follow.objects.filter(followee_id=user_id).exclude(follower_id__in=hidden)
    page = paginate_queryset(queryset, ordering=("-id",), cursor=cursor, limit=limit)
    return _cards_page(viewer_id, Page(results=[follow.follower_id for follow in page.results], next=page.next))


def following_page(
    *, user_id: int, viewer_id: int, viewer_is_staff: bool, cursor: str | None, limit: int
) -> Page[UserCard]:
    """Whom `user_id` follows, most recent first (as `followers_page`)."""
    _connections_check(viewer_id, viewer_is_staff, user_id)
    hidden = blocked_either_way_ids(user_id=viewer_id)
    queryset = Follow.objects.filter(follower_id=user_id).exclude(followee_id__in=hidden)
    page = paginate_queryset(queryset, ordering=("-id",), cursor=cursor, limit=limit)
    return _cards_page(viewer_id, Page(results=[follow.followee_id for follow in page.results], next=page.next))


def _request_entries(viewer_id: int, rows: list[FollowRequest], other: str) -> list[FollowRequestEntry]:
    """Entries with the other person's card (deactivated accounts are left out, like every list of people)."""
    cards = {card.id: card for card in user_cards(viewer_id=viewer_id, user_ids=[getattr(r, other) for r in rows])}
    return [
        FollowRequestEntry(user=cards[getattr(r, other)], created_at=r.created_at)
        for r in rows
        if getattr(r, other) in cards
    ]


def follow_requests_incoming_page(*, user_id: int, cursor: str | None, limit: int) -> Page[FollowRequestEntry]:
    """Who asked to follow the user (their account is private), newest first."""
    queryset = FollowRequest.objects.filter(target_id=user_id)
    page = paginate_queryset(queryset, ordering=("-id",), cursor=cursor, limit=limit)
    return Page(results=_request_entries(user_id, page.results, "requester_id"), next=page.next)


def follow_requests_sent_page(*, user_id: int, cursor: str | None, limit: int) -> Page[FollowRequestEntry]:
    """The private accounts the user asked to follow and that have not answered, newest first."""
    queryset = FollowRequest.objects.filter(requester_id=user_id)
    page = paginate_queryset(queryset, ordering=("-id",), cursor=cursor, limit=limit)
    return Page(results=_request_entries(user_id, page.results, "target_id"), next=page.next)


def blocked_page(*, user_id: int, cursor: str | None, limit: int) -> Page[UserCard]:
    """The people the user blocked, most recent first."""
    page = paginate_queryset(Block.objects.filter(blocker_id=user_id), ordering=("-id",), cursor=cursor, limit=limit)
    return _cards_page(user_id, Page(results=[block.blocked_id for block in page.results], next=page.next))


def muted_page(*, user_id: int, cursor: str | None, limit: int) -> Page[UserCard]:
    """The people the user muted, most recent first."""
    page = paginate_queryset(Mute.objects.filter(muter_id=user_id), ordering=("-id",), cursor=cursor, limit=limit)
    return _cards_page(user_id, Page(results=[mute.muted_id for mute in page.results], next=page.next))


def graph_totals() -> dict[str, int]:
    return {"follows": Follow.objects.count(), "blocks": Block.objects.count(), "mutes": Mute.objects.count()}


# --- composed views of people (accounts + profiles + graph) ----------------------------------------


def user_cards(*, viewer_id: int, user_ids: list[int]) -> list[UserCard]:
    """Cards for a list of users, in the given order; deactivated users are left out."""
    summaries = user_summaries(user_ids=user_ids)
    followed = following_among(viewer_id=viewer_id, user_ids=summaries)
    return [
        UserCard(
            id=s.id,
            handle=s.handle,
            name=s.name,
            photo_path=s.photo_path,
            is_following=s.id in followed,
            account_key=s.account_key,
        )
        for user_id in user_ids
        if (s := summaries.get(user_id)) is not None
    ]


def people(*, viewer_id: int, summaries: list[UserSummary]) -> list[Person]:
    """The directory's and people search's entries for these users, in order (two queries for the whole list)."""
    ids = [s.id for s in summaries]
    followed = following_among(viewer_id=viewer_id, user_ids=ids)
    counts = counts_get(user_ids=ids)
    return [
        Person(
            id=s.id,
            handle=s.handle,
            name=s.name,
            photo_path=s.photo_path,
            is_following=s.id in followed,
            account_key=s.account_key,
            bio=s.bio,
            followers_count=counts[s.id].followers_count,
            following_count=counts[s.id].following_count,
        )
        for s in summaries
    ]


def people_page(*, viewer_id: int, search: str | None, cursor: str | None, limit: int) -> Page[Person]:
    """The directory (or a search of it by handle or name), newest first, without anyone blocked either way."""
    hidden = blocked_either_way_ids(user_id=viewer_id)
    page = users_directory(search=search, exclude_ids=hidden, cursor=cursor, limit=limit)
    return Page(results=people(viewer_id=viewer_id, summaries=page.results), next=page.next)


def user_view(*, viewer_id: int, viewer_is_staff: bool, user_id: int) -> UserView:
    """A user as the viewer sees them; users blocked either way do not exist for each other (404)."""
    rel = relationship(viewer_id=viewer_id, other_id=user_id)
    if rel.blocked_either_way and not viewer_is_staff:
        raise NotFound("User not found.")
    account = account_get(user_id=user_id)
    counts = counts_get(user_ids=[user_id])[user_id]
    private = viewer_is_staff or viewer_id == user_id
    personal = personal_profile_get(user_id=user_id) if private else None
    return UserView(
        id=account.id,
        handle=account.handle,
        name=account.name,
        bio=account.bio,
        photo_path=account.photo_path,
        locale=account.locale,
        privacy=account.settings.privacy,
        created_at=account.created_at,
        account_key=account.account_key,
        followers_count=counts.followers_count,
        following_count=counts.following_count,
        posts_count=counts.posts_count,
        is_following=rel.is_following,
        is_followed_by=rel.is_followed_by,
        is_requested=rel.is_requested,
        has_requested_you=rel.has_requested_you,
        is_blocked=rel.is_blocked,
        is_muted=rel.is_muted,
        email=account.email if private else None,
        birth_date=personal.birth_date if personal else None,
        birth_time=personal.birth_time if personal else None,
        birth_place=(personal.birth_place or None) if personal else None,
    )


def me_view(*, user_id: int) -> MeView:
    """The signed-in person as /users/me/ shows them."""
    account = account_get(user_id=user_id)
    personal = personal_profile_get(user_id=user_id)
    counts = counts_get(user_ids=[user_id])[user_id]
    return MeView(
        id=account.id,
        email=account.email,
        handle=account.handle,
        name=account.name,
        bio=account.bio,
        photo_path=account.photo_path,
        locale=account.locale,
        intention=account.intention,
        is_staff=account.is_staff,
        created_at=account.created_at,
        settings=account.settings,
        account_key=account.account_key,
        birth_date=personal.birth_date,
        birth_time=personal.birth_time,
        birth_place=personal.birth_place or None,
        followers_count=counts.followers_count,
        following_count=counts.following_count,
        posts_count=counts.posts_count,
        profile_complete=personal.is_complete,
    )


def can_see_connections(*, viewer_id: int, viewer_is_staff: bool, user_id: int) -> bool:
    """Followers/following lists of a private account are visible to its owner, its followers and staff."""
    if viewer_is_staff or viewer_id == user_id:
        return True
    if is_blocked_either_way(user_a=viewer_id, user_b=user_id):
        return False
    if account_get(user_id=user_id).settings.privacy == "public":
        return True
    return is_following(follower_id=viewer_id, followee_id=user_id)
