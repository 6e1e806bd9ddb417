"""Reads. Everything starts from the viewer's active membership: a thread the viewer is not (or no longer) an
active member of does not exist for them, nor do its messages, typing state or receipts (404).

A member who deleted a direct conversation for themself keeps their membership, but the messages up to
`cleared_through_message_id` no longer exist for them (lists, sync, single reads, unread counts, the thread's
last message), and the thread leaves their thread list until the next message (`hidden_at`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Case, Count, F, Min, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from modules.accounts.public import UserSummary, dm_policy_of, inactive_user_ids, user_summaries
from modules.core.public import NotFound, Page, paginate_queryset
from modules.media.public import MediaData, media_grouped
from modules.messaging.models import Message, MessageAttachment, MessageReaction, Thread, ThreadMember, TypingState
from modules.social.public import UserCard, following_among

PREVIEW_CHARS = 100


@dataclass(frozen=True)
class ReactionSummary:
    emoji: str
    count: int
    user_ids: frozenset[int]


@dataclass(frozen=True)
class ReactionView:
    """A reaction as one viewer sees it."""

    emoji: str
    count: int
    reacted_by_current_user: bool


def reactions_seen_by(reactions: Iterable[ReactionSummary], viewer_id: int) -> list[ReactionView]:
    return [
        ReactionView(emoji=r.emoji, count=r.count, reacted_by_current_user=viewer_id in r.user_ids) for r in reactions
    ]


@dataclass(frozen=True)
class ReplyPreview:
    id: int
    sender_id: int
    text_preview: str
    has_attachments: bool


@dataclass(frozen=True)
class MessageView:
    """A message as one viewer sees it: `viewer_id`'s follow state in the sender's card, and whether they reacted
    (`MessageOut` reads `reactions` through `reactions_seen_by`)."""

    viewer_id: int
    id: int
    thread_id: int
    sender_id: int
    sender: UserCard
    body: str
    type: str
    status: str
    client_uuid: str
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None
    attachments: list[MediaData]
    reactions: list[ReactionSummary]
    reply_to: ReplyPreview | None
    created_at: dt.datetime
    deleted: bool


@dataclass(frozen=True)
class MemberView:
    user: UserCard
    joined_at: dt.datetime


@dataclass(frozen=True)
class ThreadView:
    id: int
    is_group: bool
    title: str | None
    members: list[MemberView]
    last_message: MessageView | None
    unread_count: int
    last_read_message_id: int
    last_delivered_message_id: int
    created_at: dt.datetime
    last_activity_at: dt.datetime

    @property
    def participants(self) -> list[UserCard]:
        return [member.user for member in self.members]


@dataclass(frozen=True)
class TypingUser:
    user_id: int
    user_name: str
    user_handle: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class TypingView:
    thread_id: int
    typing: list[TypingUser]  # the other members typing now, soonest to expire first


@dataclass(frozen=True)
class SyncView:
    thread: ThreadView
    messages: list[MessageView]
    has_more: bool


# --- membership ------------------------------------------------------------------------------------


def membership_get(*, user_id: int, thread_id: int) -> ThreadMember:
    """The viewer's active membership of the thread, or 404 (the thread does not exist for non-members)."""
    member = (
        ThreadMember.objects.select_related("thread")
        .filter(thread_id=thread_id, user_id=user_id, left_at__isnull=True)
        .first()
    )
    if member is None:
        raise NotFound("Thread not found.")
    return member


@dataclass(frozen=True)
class SendContext:
    """What a message send needs to know before it writes, read in one statement."""

    member: ThreadMember  # the sender's active membership, with its thread
    existing_id: int | None  # the sender's message with this client_uuid (a retry), if any
    recipient_policy: str | None  # direct threads: the other member's dm_policy, None when deactivated


def send_context(*, sender_id: int, thread_id: int, client_uuid: str) -> SendContext:
    """The sender's membership (404 when not an active member), their message with `client_uuid` and, in a direct
    thread, the recipient's account: one statement instead of three."""
    other = Case(
        When(thread__direct_user_low=sender_id, then=F("thread__direct_user_high")),
        default=F("thread__direct_user_low"),
    )
    member = (
        ThreadMember.objects.select_related("thread")
        .filter(thread_id=thread_id, user_id=sender_id, left_at__isnull=True)
        .annotate(
            existing_id=Subquery(Message.objects.filter(sender_id=sender_id, client_uuid=client_uuid).values("id")[:1]),
            direct_other=other,
            recipient_policy=dm_policy_of("direct_other"),
        )
        .first()
    )
    if member is None:
        raise NotFound("Thread not found.")
    return SendContext(member=member, existing_id=member.existing_id, recipient_policy=member.recipient_policy)


def active_member_ids(*, thread_id: int) -> list[int]:
    return list(
        ThreadMember.objects.filter(thread_id=thread_id, left_at__isnull=True)
        .order_by("joined_at", "id")
        .values_list("user_id", flat=True)
    )


def members_seeing(*, thread_id: int, message_id: int) -> list[int]:
    """Active members for whom the message exists (not cleared from their history)."""
    return list(
        ThreadMember.objects.filter(
            thread_id=thread_id, left_at__isnull=True, cleared_through_message_id__lt=message_id
        )
        .order_by("joined_at", "id")
        .values_list("user_id", flat=True)
    )


def member_cutoffs(*, thread_id: int) -> dict[int, int]:
    """Each active member's history cut-off (0: they see every message)."""
    return dict(
        ThreadMember.objects.filter(thread_id=thread_id, left_at__isnull=True).values_list(
            "user_id", "cleared_through_message_id"
        )
    )


def can_follow_thread(user_id: int, thread_id: int) -> bool:
    """Realtime: a `thread:<id>` topic is open to the thread's active members only."""
    return ThreadMember.objects.filter(thread_id=thread_id, user_id=user_id, left_at__isnull=True).exists()


def message_get(*, viewer_id: int, message_id: int) -> Message:
    """A message of a thread the viewer is an active member of (and did not clear from their history), or 404."""
    message = Message.objects.filter(
        id=message_id,
        thread__members__user_id=viewer_id,
        thread__members__left_at__isnull=True,
        id__gt=F("thread__members__cleared_through_message_id"),
    ).first()
    if message is None:
        raise NotFound("Message not found.")
    return message


def latest_message_id(*, thread_id: int) -> int:
    return Message.objects.filter(thread_id=thread_id).order_by("-id").values_list("id", flat=True).first() or 0


def _visible_messages(thread_id: int) -> QuerySet[Message]:
    """A thread's messages without those of deactivated accounts (their content disappears everywhere)."""
    return Message.objects.filter(thread_id=thread_id).exclude(sender_id__in=inactive_user_ids())


# --- messages --------------------------------------------------------------------------------------


def cards_for(*, viewer_id: int, user_ids: Iterable[int]) -> dict[int, UserCard]:
    """User cards as `viewer_id` sees them (is_following), deactivated accounts left out (2 queries; 1 when the
    viewer is the only one: nobody follows themself, the database forbids it)."""
    summaries = user_summaries(user_ids=set(user_ids))
    others = [user_id for user_id in summaries if user_id != viewer_id]
    followed = following_among(viewer_id=viewer_id, user_ids=others) if others else set()
    return {
        s.id: UserCard(
            id=s.id,
            handle=s.handle,
            name=s.name,
            photo_path=s.photo_path,
            is_following=s.id in followed,
            account_key=s.account_key,
        )
        for s in summaries.values()
    }


def _reactions(message_ids: list[int]) -> dict[int, list[ReactionSummary]]:
    rows = (
        MessageReaction.objects.filter(message_id__in=message_ids)
        .values("message_id", "emoji")
        .annotate(count=Count("id"), first=Min("id"), users=ArrayAgg("user_id"))
        .order_by("message_id", "first")
    )
    out: dict[int, list[ReactionSummary]] = {}
    for row in rows:
        out.setdefault(row["message_id"], []).append(
            ReactionSummary(emoji=row["emoji"], count=row["count"], user_ids=frozenset(row["users"]))
        )
    return out


def reactions_of(*, message_id: int) -> list[ReactionSummary]:
    return _reactions([message_id]).get(message_id, [])


def _message_views(messages: list[Message], cards: dict[int, UserCard], *, viewer_id: int) -> list[MessageView]:
    """Views of messages in order (attachments, reactions, replies: at most 4 queries for any number)."""
    messages = [m for m in messages if m.sender_id in cards]
    if not messages:
        return []
    ids = [m.id for m in messages]
    media = media_grouped(
        links=MessageAttachment.objects.filter(message_id__in=ids)
        .order_by("message_id", "position")
        .values_list("message_id", "asset_id")
    )
    reactions = _reactions(ids)
    replies = _replies({m.reply_to_id for m in messages if m.reply_to_id})
    return [
        _view(
            m,
            cards[m.sender_id],
            viewer_id=viewer_id,
            attachments=media.get(m.id, []),
            reactions=reactions.get(m.id, []),
            reply_to=replies.get(m.reply_to_id) if m.reply_to_id else None,
        )
        for m in messages
    ]


def _replies(message_ids: set[int]) -> dict[int, ReplyPreview]:
    if not message_ids:
        return {}
    return {
        row["id"]: ReplyPreview(
            id=row["id"],
            sender_id=row["sender_id"],
            text_preview=row["body"][:PREVIEW_CHARS],
            has_attachments=row["media_count"] > 0,
        )
        for row in Message.objects.filter(id__in=message_ids).values("id", "sender_id", "body", "media_count")
    }


def _view(
    m: Message,
    sender: UserCard,
    *,
    viewer_id: int,
    attachments: list[MediaData],
    reactions: list[ReactionSummary],
    reply_to: ReplyPreview | None,
) -> MessageView:
    return MessageView(
        viewer_id=viewer_id,
        id=m.id,
        thread_id=m.thread_id,
        sender_id=m.sender_id,
        sender=sender,
        body=m.body,
        type=m.type,
        status=m.status,
        client_uuid=m.client_uuid,
        delivered_at=m.delivered_at,
        read_at=m.read_at,
        attachments=attachments,
        reactions=reactions,
        reply_to=reply_to,
        created_at=m.created_at,
        deleted=m.deleted,
    )


def sent_message_view(
    message: Message, *, attachments: list[MediaData], sender: UserSummary | None
) -> MessageView | None:
    """The sender's view of a message stored in the current transaction, from what the sender already holds:
    no reactions yet, the attachments just stored, their own card from `sender` (their summary, read by the
    caller; None when the account is inactive). No query; 1 for a reply. None for an inactive sender (as
    `message_views` leaves such messages out)."""
    if sender is None:
        return None
    card = UserCard(
        id=sender.id,
        handle=sender.handle,
        name=sender.name,
        photo_path=sender.photo_path,
        is_following=False,  # nobody follows themself (the database forbids it)
        account_key=sender.account_key,
    )
    reply_to = _replies({message.reply_to_id}).get(message.reply_to_id) if message.reply_to_id else None
    return _view(
        message,
        card,
        viewer_id=message.sender_id,
        attachments=list(attachments),
        reactions=[],
        reply_to=reply_to,
    )


def message_views(messages: Iterable[Message], *, viewer_id: int) -> list[MessageView]:
    messages = list(messages)
    if not messages:
        return []
    cards = cards_for(viewer_id=viewer_id, user_ids={m.sender_id for m in messages})
    return _message_views(messages, cards, viewer_id=viewer_id)


def message_view(*, viewer_id: int, message_id: int) -> MessageView:
    views = message_views([message_get(viewer_id=viewer_id, message_id=message_id)], viewer_id=viewer_id)
    if not views:
        raise NotFound("Message not found.")  # sent by an account that has since been deactivated
    return views[0]


def messages_page(*, viewer_id: int, thread_id: int, cursor: str | None, limit: int) -> Page[MessageView]:
    """A thread's messages, newest first."""
    member = membership_get(user_id=viewer_id, thread_id=thread_id)
    messages = _visible_messages(thread_id).filter(id__gt=member.cleared_through_message_id)
    page = paginate_queryset(messages, ordering=("-id",), cursor=cursor, limit=limit)
    return Page(results=message_views(page.results, viewer_id=viewer_id), next=page.next)


# --- threads ---------------------------------------------------------------------------------------


def _unread_count(thread_ref: str, read_ref: str, cleared_ref: str, user_ref, hidden: set[int]) -> Coalesce:
    """Messages of the thread after the read pointer and the member's history cut-off, not the member's own,
    not deleted and not sent by a deactivated account (`hidden`: those are not shown either)."""
    after = Greatest(OuterRef(read_ref), OuterRef(cleared_ref))
    unread = (
        Message.objects.filter(thread_id=OuterRef(thread_ref), id__gt=after, deleted_at__isnull=True)
        .exclude(sender_id=user_ref)
        .exclude(sender_id__in=hidden)
        .order_by()
        .values("thread_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(unread), Value(0))


def _threads_of(viewer_id: int, *, listed: bool = False) -> QuerySet[Thread]:
    """The viewer's threads with their own pointers and unread count (one query, whatever the page size);
    `listed`: only those in their thread list (not hidden)."""
    # One filter() call: the membership conditions and the annotations below use the same join.
    membership = {"members__user_id": viewer_id, "members__left_at__isnull": True}
    if listed:
        membership["members__hidden_at__isnull"] = True
    return (
        Thread.objects.filter(**membership)
        .select_related("last_message")
        .annotate(
            my_read=F("members__last_read_message_id"),
            my_delivered=F("members__last_delivered_message_id"),
            my_cleared=F("members__cleared_through_message_id"),
        )
        .annotate(unread=_unread_count("pk", "my_read", "my_cleared", viewer_id, inactive_user_ids()))
    )


def _active_members(thread_ids: list[int]) -> dict[int, list[tuple[int, dt.datetime]]]:
    """(user id, joined at) of each thread's active members, in the order they joined."""
    members: dict[int, list[tuple[int, dt.datetime]]] = {}
    rows = (
        ThreadMember.objects.filter(thread_id__in=thread_ids, left_at__isnull=True)
        .order_by("thread_id", "joined_at", "id")
        .values_list("thread_id", "user_id", "joined_at")
    )
    for thread_id, user_id, joined_at in rows:
        members.setdefault(thread_id, []).append((user_id, joined_at))
    return members


def _thread_view(
    thread: Thread,
    *,
    members: list[tuple[int, dt.datetime]],
    cards: dict[int, UserCard],
    last: MessageView | None,
    unread: int,
    read: int,
    delivered: int,
) -> ThreadView:
    return ThreadView(
        id=thread.id,
        is_group=thread.is_group,
        title=thread.title or None,
        members=[MemberView(user=cards[user_id], joined_at=joined) for user_id, joined in members if user_id in cards],
        last_message=last,
        unread_count=unread,
        last_read_message_id=read,
        last_delivered_message_id=delivered,
        created_at=thread.created_at,
        last_activity_at=thread.last_activity_at,
    )


def thread_views(threads: Iterable[Thread], *, viewer_id: int) -> list[ThreadView]:
    """Views of threads from `_threads_of` (participants, last message): a constant number of queries."""
    threads = list(threads)
    if not threads:
        return []
    members = _active_members([t.id for t in threads])
    # The last message only when the viewer has not cleared it from their history.
    lasts = [t.last_message for t in threads if t.last_message is not None and t.last_message_id > t.my_cleared]
    user_ids = {user_id for rows in members.values() for user_id, _ in rows} | {m.sender_id for m in lasts}
    cards = cards_for(viewer_id=viewer_id, user_ids=user_ids)
    last_views = {view.id: view for view in _message_views(lasts, cards, viewer_id=viewer_id)}
    return [
        _thread_view(
            t,
            members=members.get(t.id, []),
            cards=cards,
            last=last_views.get(t.last_message_id),
            unread=t.unread,
            read=t.my_read,
            delivered=t.my_delivered,
        )
        for t in threads
    ]


def threads_page(*, viewer_id: int, cursor: str | None, limit: int) -> Page[ThreadView]:
    """The viewer's thread list (without the conversations they hid), most recent activity first."""
    page = paginate_queryset(
        _threads_of(viewer_id, listed=True), ordering=("-last_activity_at", "-id"), cursor=cursor, limit=limit
    )
    return Page(results=thread_views(page.results, viewer_id=viewer_id), next=page.next)


def thread_view(*, viewer_id: int, thread_id: int) -> ThreadView:
    thread = _threads_of(viewer_id).filter(id=thread_id).first()
    if thread is None:
        raise NotFound("Thread not found.")
    return thread_views([thread], viewer_id=viewer_id)[0]


def thread_views_for_members(*, thread_id: int) -> dict[int, ThreadView]:
    """The thread as each active member sees it (for realtime payloads): shared parts are read once; only the
    follow flags of the participant cards take one query per member."""
    thread = Thread.objects.select_related("last_message").get(id=thread_id)
    rows = list(
        ThreadMember.objects.filter(thread_id=thread_id, left_at__isnull=True)
        .order_by("joined_at", "id")
        .annotate(
            unread=_unread_count(
                "thread_id",
                "last_read_message_id",
                "cleared_through_message_id",
                OuterRef("user_id"),
                inactive_user_ids(),
            )
        )
        .values_list(
            "user_id",
            "joined_at",
            "last_read_message_id",
            "last_delivered_message_id",
            "cleared_through_message_id",
            "unread",
        )
    )
    members = [(row[0], row[1]) for row in rows]
    last = thread.last_message
    summaries = user_summaries(user_ids={user_id for user_id, _ in members} | ({last.sender_id} if last else set()))
    base_cards = {
        s.id: UserCard(
            id=s.id,
            handle=s.handle,
            name=s.name,
            photo_path=s.photo_path,
            is_following=False,
            account_key=s.account_key,
        )
        for s in summaries.values()
    }
    last_views = _message_views([last], base_cards, viewer_id=0) if last else []  # made each member's below
    views: dict[int, ThreadView] = {}
    for user_id, _, read, delivered, cleared, unread in rows:
        followed = following_among(viewer_id=user_id, user_ids=base_cards) if len(base_cards) > 1 else set()
        cards = {uid: dataclasses.replace(card, is_following=uid in followed) for uid, card in base_cards.items()}
        last_view = (
            dataclasses.replace(last_views[0], viewer_id=user_id, sender=cards[last_views[0].sender_id])
            if last_views and last_views[0].id > cleared
            else None
        )
        views[user_id] = _thread_view(
            thread, members=members, cards=cards, last=last_view, unread=unread, read=read, delivered=delivered
        )
    return views


def unread_count(*, user_id: int, thread_id: int) -> int:
    member = ThreadMember.objects.filter(thread_id=thread_id, user_id=user_id).first()
    if member is None:
        return 0
    return (
        _visible_messages(thread_id)
        .filter(id__gt=max(member.last_read_message_id, member.cleared_through_message_id), deleted_at__isnull=True)
        .exclude(sender_id=user_id)
        .count()
    )


def thread_sync(*, viewer_id: int, thread_id: int, since: int, limit: int) -> SyncView:
    """Messages after `since` (oldest first, at most `limit`) and the thread, for a client catching up."""
    member = membership_get(user_id=viewer_id, thread_id=thread_id)
    thread = thread_view(viewer_id=viewer_id, thread_id=thread_id)
    after = max(since, member.cleared_through_message_id)
    rows = list(_visible_messages(thread_id).filter(id__gt=after).order_by("id")[: limit + 1])
    return SyncView(
        thread=thread, messages=message_views(rows[:limit], viewer_id=viewer_id), has_more=len(rows) > limit
    )


# --- typing ----------------------------------------------------------------------------------------


def typing_view(*, viewer_id: int, thread_id: int) -> TypingView:
    """Other active members typing now (states past their expiry are ignored, and purged periodically)."""
    membership_get(user_id=viewer_id, thread_id=thread_id)
    active = ThreadMember.objects.filter(thread_id=thread_id, left_at__isnull=True).values("user_id")
    states = list(
        TypingState.objects.filter(thread_id=thread_id, expires_at__gt=timezone.now(), user_id__in=active)
        .exclude(user_id=viewer_id)
        .order_by("expires_at")
    )
    people = user_summaries(user_ids={s.user_id for s in states})
    typing = [
        TypingUser(user_id=s.user_id, user_name=p.name, user_handle=p.handle, expires_at=s.expires_at)
        for s in states
        if (p := people.get(s.user_id)) is not None
    ]
    return TypingView(thread_id=thread_id, typing=typing)
