"""Writes for threads and messages.

Concurrency rules:
* Every write that changes a thread's messages or pointers first locks the thread row (`FOR NO KEY UPDATE`, which
  leaves inserts of rows pointing at the thread free),
  so within a thread message ids are allocated in commit order (a client syncing `since=<id>` misses
  nothing) and status updates see every other member's committed pointer (no lost "read").
* One direct thread per pair: the ordered pair is a unique key; a racing creation finds the winner's thread.
* One message per (sender, client_uuid): a retry, even a concurrent one, returns the stored message.
* Realtime events are recorded with `publish()` inside the transaction that makes the change, addressed to
  the user topics of the thread's active members only (events about a message: those who still see it).
* Hiding a direct conversation locks the thread too, so its cut-off is the latest committed message and any
  later message brings the conversation back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from modules.accounts.public import accounts_get, user_summaries
from modules.core.public import BadRequest, Conflict, NotFound, PermissionDenied, ValidationFailed
from modules.media.public import MediaData, Upload, UploadRefusal, UploadRefusals, media_delete_many, media_upload_set
from modules.messaging.events import (
    MemberLeftEvent,
    MessageDeletedEvent,
    MessageNewEvent,
    MessageReactionEvent,
    MessageStatusEvent,
    ThreadHiddenEvent,
    ThreadUpdatedEvent,
    TypingEvent,
)
from modules.messaging.models import (
    Message,
    MessageAttachment,
    MessageReaction,
    MessageType,
    Thread,
    ThreadMember,
    TypingState,
)
from modules.messaging.selectors import (
    MessageView,
    ReactionSummary,
    active_member_ids,
    latest_message_id,
    member_cutoffs,
    members_seeing,
    membership_get,
    message_get,
    message_views,
    reactions_of,
    reactions_seen_by,
    send_context,
    sent_message_view,
    thread_view,
    thread_views_for_members,
    unread_count,
)
from modules.notifications.public import content_removed as notifications_content_removed
from modules.notifications.public import notify_many
from modules.realtime.public import RealtimeEvent, publish, publish_ephemeral, publish_many, user_topic
from modules.social.public import (
    blocked_either_way_ids,
    followers_among,
    following_among,
    is_blocked_either_way,
    is_following,
)

MAX_ATTACHMENTS = 4
# Up to 4 images or one video, never both, sent as `attachments` (each recognised by its content).
UPLOAD_REFUSALS = UploadRefusals(
    too_many_files=UploadRefusal(
        field="attachments", message=f"At most {MAX_ATTACHMENTS} attachments.", code="too_many_attachments"
    ),
    mixed=UploadRefusal(
        field="attachments", message="Attach up to 4 images or one video, not both.", code="mixed_media"
    ),
    # Unreachable after too_many_files, given for completeness; several videos read as a mix (as they always have).
    too_many_images=UploadRefusal(
        field="attachments", message=f"At most {MAX_ATTACHMENTS} attachments.", code="too_many_attachments"
    ),
    too_many_videos=UploadRefusal(
        field="attachments", message="Attach up to 4 images or one video, not both.", code="mixed_media"
    ),
)
MAX_REACTIONS_PER_USER = 10  # distinct emoji one person may put on one message
STATUS_EVENTS_MAX = 100  # per change; older messages' statuses are read over REST
TYPING_TTL = dt.timedelta(seconds=6)
TYPING_REANNOUNCE = dt.timedelta(seconds=3)  # a refresh within this window is stored but not re-broadcast
_MEDIA_ONLY_TEXT = {MessageType.TEXT: "", MessageType.IMAGE: "📷 Photo", MessageType.VIDEO: "🎬 Video"}


@dataclass(frozen=True)
class Receipt:
    thread_id: int
    last_delivered_message_id: int
    last_read_message_id: int
    unread_count: int  # after the move, committed


@dataclass(frozen=True)
class ReactionChange:
    user_id: int  # who reacted
    message_id: int
    thread_id: int
    emoji: str
    action: str  # "added" | "removed"
    reactions: list[ReactionSummary]


@dataclass(frozen=True)
class SentMessage:
    view: MessageView  # the sender's view
    created: bool  # False: a retry of a stored message (same client_uuid)


@dataclass(frozen=True)
class _Inserted:
    message: Message
    created: bool  # False: the client_uuid was taken (`message` is the stored one)
    view: MessageView | None  # the sender's view of a new message (None: sender deactivated, or not created)


@dataclass(frozen=True)
class TypingResult:
    thread_id: int
    is_typing: bool
    expires_at: dt.datetime | None


# --- helpers ---------------------------------------------------------------------------------------


def _topics(member_ids: Iterable[int]) -> list[str]:
    return [user_topic(user_id) for user_id in member_ids]


def _lock_thread(thread_id: int) -> None:
    """Lock the thread row (`FOR NO KEY UPDATE`) until the transaction ends; 404 when there is no such thread."""
    if not Thread.objects.select_for_update(no_key=True).filter(id=thread_id).values_list("id", flat=True):
        raise NotFound("Thread not found.")


def _publish_grouped(events: dict[int, RealtimeEvent]) -> None:
    """Publish per-member events, once per distinct payload (most members usually share one)."""
    groups: dict[str, tuple[RealtimeEvent, list[int]]] = {}
    for user_id, event in events.items():
        groups.setdefault(event.model_dump_json(), (event, []))[1].append(user_id)
    for event, user_ids in groups.values():
        publish(_topics(user_ids), event)


def _publish_thread_updated(thread_id: int) -> None:
    """`thread:updated` to every active member, each with the thread as they see it."""
    views = thread_views_for_members(thread_id=thread_id)
    _publish_grouped({user_id: ThreadUpdatedEvent(thread=view) for user_id, view in views.items()})


def _publish_thread_updated_to(thread_id: int, user_id: int) -> None:
    view = thread_view(viewer_id=user_id, thread_id=thread_id)
    publish([user_topic(user_id)], ThreadUpdatedEvent(thread=view))


def _dm_check(*, sender_id: int, recipient_id: int, opened_by: int | None) -> None:
    """May `sender_id` write to `recipient_id` in a direct thread? Blocks either way: 403 `blocked`;
    the recipient's dm_policy: 403 `dm_not_allowed`, except towards the person who opened the thread."""
    account = None

    def policy() -> str | None:
        nonlocal account
        account = accounts_get(user_ids=[recipient_id]).get(recipient_id)
        return account.settings.dm_policy if account else None

    _dm_rules(sender_id=sender_id, recipient_id=recipient_id, opened_by=opened_by, policy=policy)


def _dm_rules(*, sender_id: int, recipient_id: int, opened_by: int | None, policy) -> None:
    """The rules of `_dm_check`, in their order; `policy()` gives the recipient's dm_policy (None: inactive)."""
    if is_blocked_either_way(user_a=sender_id, user_b=recipient_id):
        raise PermissionDenied("You cannot message this person.", code="blocked")
    dm_policy = policy()
    if dm_policy is None:
        raise PermissionDenied("This account is no longer active.", code="recipient_inactive")
    if opened_by == recipient_id:
        return  # they started the conversation: replies are always welcome
    _policy_check(dm_policy, sender_follows=None, sender_id=sender_id, recipient_id=recipient_id)


def _policy_check(policy: str, *, sender_follows: bool | None, sender_id: int, recipient_id: int) -> None:
    if policy == "everyone":
        return
    if policy == "followers":
        follows = (
            sender_follows
            if sender_follows is not None
            else is_following(follower_id=sender_id, followee_id=recipient_id)
        )
        if follows:
            return
        raise PermissionDenied("This person only accepts messages from people who follow them.", code="dm_not_allowed")
    raise PermissionDenied("This person does not accept messages.", code="dm_not_allowed")


def _check_not_directed_at_blocked(user_id: int, author_id: int, action: str) -> None:
    """Block semantics in a group both people are in (see docs/SECURITY.md): each may still write to the group,
    but nothing may be addressed to the other: no reply to, and no new reaction on, their messages."""
    if author_id != user_id and is_blocked_either_way(user_a=user_id, user_b=author_id):
        raise PermissionDenied(
            f"You cannot {action} messages of someone you blocked or who blocked you.", code="blocked"
        )


def _direct_other(thread: Thread, user_id: int) -> int:
    return thread.direct_user_high if thread.direct_user_low == user_id else thread.direct_user_low


_UNREAD = object()


def _check_can_write(thread: Thread, sender_id: int, *, recipient_policy: str | object | None = _UNREAD) -> None:
    """`_dm_check` in a direct thread; `recipient_policy` when the recipient's dm_policy was already read with the
    membership (`send_context`; None: the account is inactive)."""
    if thread.is_group:
        return
    recipient_id = _direct_other(thread, sender_id)
    if recipient_policy is _UNREAD:
        _dm_check(sender_id=sender_id, recipient_id=recipient_id, opened_by=thread.created_by_id)
        return
    _dm_rules(
        sender_id=sender_id, recipient_id=recipient_id, opened_by=thread.created_by_id, policy=lambda: recipient_policy
    )


# --- status ----------------------------------------------------------------------------------------

_ADVANCE_SQL = """
    UPDATE {message} m SET {set_clause}
    WHERE m.thread_id = %(thread)s AND m.{column} IS NULL AND m.deleted_at IS NULL
      AND m.id <= (
        SELECT min(tm.{pointer}) FROM {member} tm
        WHERE tm.thread_id = m.thread_id AND tm.left_at IS NULL AND tm.user_id <> m.sender_id
      )
    RETURNING m.id
"""


def _advance_statuses(thread_id: int) -> dict[int, str]:
    """Mark messages delivered / read once every other active member's pointer has reached them.

    Runs with the thread locked, after a pointer moved or a member left. Returns the changed messages."""
    now = timezone.now()
    changed: dict[int, str] = {}
    tables = {"message": Message._meta.db_table, "member": ThreadMember._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute(
            _ADVANCE_SQL.format(
                **tables,
                column="delivered_at",
                pointer="last_delivered_message_id",
                set_clause="delivered_at = %(now)s",
            ),
            {"thread": thread_id, "now": now},
        )
        changed.update((row[0], "delivered") for row in cursor.fetchall())
        cursor.execute(
            _ADVANCE_SQL.format(
                **tables,
                column="read_at",
                pointer="last_read_message_id",
                set_clause="read_at = %(now)s, delivered_at = COALESCE(m.delivered_at, %(now)s)",
            ),
            {"thread": thread_id, "now": now},
        )
        changed.update((row[0], "read") for row in cursor.fetchall())
    return changed


def _publish_statuses(thread_id: int, changed: dict[int, str]) -> None:
    """A status event per changed message, to the members who still see that message."""
    if not changed:
        return
    cutoffs = member_cutoffs(thread_id=thread_id)
    for message_id in sorted(changed, reverse=True)[:STATUS_EVENTS_MAX]:
        publish(
            _topics(user_id for user_id, cleared in cutoffs.items() if cleared < message_id),
            MessageStatusEvent(message_id=message_id, thread_id=thread_id, status=changed[message_id]),
        )


# --- threads ---------------------------------------------------------------------------------------


def direct_thread_open(*, user_id: int, other_id: int, initial_message: str | None = None) -> tuple[Thread, bool]:
    """`direct_thread_get_or_create`, then send `initial_message` (when given) into the thread.

    The opener's idempotency key is derived from the thread, the caller's history cut-off and the text, so
    repeating the request (a retry) does not send it twice, while after a "delete conversation" the same words
    open the conversation anew."""
    thread, created = direct_thread_get_or_create(user_id=user_id, other_id=other_id)
    body = (initial_message or "").strip()
    if body:
        cleared = membership_get(user_id=user_id, thread_id=thread.id).cleared_through_message_id
        digest = hashlib.sha256(body.encode()).hexdigest()[:24]
        message_send(sender_id=user_id, thread_id=thread.id, body=body, client_uuid=f"d:{thread.id}:{cleared}:{digest}")
    return thread, created


def direct_thread_get_or_create(*, user_id: int, other_id: int) -> tuple[Thread, bool]:
    """The one direct thread between two people; created (True) when it did not exist yet.

    An existing thread is returned whatever changed since (reading history stays possible; writing is
    checked per message). A new one needs the other person active, no block either way (403 `blocked`) and
    their dm_policy to allow the caller (403 `dm_not_allowed`)."""
    if other_id == user_id:
        raise BadRequest("You cannot start a conversation with yourself.", code="self_thread")
    low, high = sorted((user_id, other_id))
    existing = Thread.objects.filter(direct_user_low=low, direct_user_high=high).first()
    if existing is not None:
        return existing, False
    if not accounts_get(user_ids=[other_id]):
        raise NotFound("User not found.")
    _dm_check(sender_id=user_id, recipient_id=other_id, opened_by=None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                thread = Thread.objects.create(
                    is_group=False, created_by_id=user_id, direct_user_low=low, direct_user_high=high
                )
        except IntegrityError:
            # Created concurrently: the insert waited for the winner's commit, so its thread is visible now.
            return Thread.objects.get(direct_user_low=low, direct_user_high=high), False
        ThreadMember.objects.bulk_create(
            [ThreadMember(thread=thread, user_id=user_id), ThreadMember(thread=thread, user_id=other_id)]
        )
        _publish_thread_updated(thread.id)
    return thread, True


def group_create(
    *, creator_id: int, participant_ids: list[int], title: str | None = None, initial_message: str | None = None
) -> Thread:
    """A group with the creator and the participants (each active, not blocked either way with the creator,
    and accepting messages from the creator under their dm_policy), optionally with a first message."""
    others = list(dict.fromkeys(pid for pid in participant_ids if pid != creator_id))
    if not others:
        raise ValidationFailed.for_field("participant_ids", "Add at least one other person.", code="no_participants")
    accounts = accounts_get(user_ids=others)
    if len(accounts) != len(others):
        raise NotFound("User not found.")
    if blocked_either_way_ids(user_id=creator_id) & set(others):
        raise PermissionDenied("You cannot add someone you blocked or who blocked you.", code="blocked")
    followed = following_among(viewer_id=creator_id, user_ids=others)
    for other in others:
        _policy_check(
            accounts[other].settings.dm_policy,
            sender_follows=other in followed,
            sender_id=creator_id,
            recipient_id=other,
        )
    body = (initial_message or "").strip()
    with transaction.atomic():
        thread = Thread.objects.create(is_group=True, title=(title or "").strip(), created_by_id=creator_id)
        ThreadMember.objects.bulk_create(
            [ThreadMember(thread=thread, user_id=user_id) for user_id in [creator_id, *others]]
        )
        if body:
            _insert_message(thread, sender_id=creator_id, body=body, client_uuid=str(uuid.uuid4()), reply_to_id=None)
        _publish_thread_updated(thread.id)
    return thread


def thread_leave(*, user_id: int, thread_id: int) -> None:
    """Leave a group, or delete a direct conversation for yourself (`direct_thread_hide`). Group members are
    told, and messages that only waited for the leaver become delivered / read."""
    member = membership_get(user_id=user_id, thread_id=thread_id)
    if not member.thread.is_group:
        direct_thread_hide(user_id=user_id, thread_id=thread_id)
        return
    with transaction.atomic():
        _lock_thread(thread_id)
        left = ThreadMember.objects.filter(id=member.id, left_at__isnull=True).update(left_at=timezone.now())
        if not left:
            raise NotFound("Thread not found.")
        TypingState.objects.filter(thread_id=thread_id, user_id=user_id).delete()
        remaining = active_member_ids(thread_id=thread_id)
        # The leaver's other devices hear it too: they drop the thread.
        publish(_topics([*remaining, user_id]), MemberLeftEvent(thread_id=thread_id, user_id=user_id))
        _publish_statuses(thread_id, _advance_statuses(thread_id))
        _publish_thread_updated(thread_id)


def direct_thread_hide(*, user_id: int, thread_id: int) -> int:
    """ "Delete conversation" on a direct thread, for the caller only: it leaves their thread list and its
    history up to now is gone for them; the next message (from either person) brings it back with only the
    messages after this point. The caller stays a member (a direct thread cannot be left, and the other person
    is not told); their read pointer does not move, so nothing is reported as read. Returns the cut-off."""
    with transaction.atomic():
        _lock_thread(thread_id)
        through = latest_message_id(thread_id=thread_id)
        hidden = ThreadMember.objects.filter(thread_id=thread_id, user_id=user_id, left_at__isnull=True).update(
            hidden_at=timezone.now(), cleared_through_message_id=Greatest(F("cleared_through_message_id"), through)
        )
        if not hidden:
            raise NotFound("Thread not found.")
        TypingState.objects.filter(thread_id=thread_id, user_id=user_id).delete()
        # The caller's other devices drop it too.
        publish([user_topic(user_id)], ThreadHiddenEvent(thread_id=thread_id, cleared_through_message_id=through))
    return through


# --- receipts --------------------------------------------------------------------------------------


def _receipt_move(*, user_id: int, thread_id: int, delivered: int, read: int) -> Receipt:
    """Move the member's pointers forward (never back); read implies delivered."""
    membership_get(user_id=user_id, thread_id=thread_id)
    with transaction.atomic():
        _lock_thread(thread_id)
        member = (
            ThreadMember.objects.select_for_update()
            .filter(thread_id=thread_id, user_id=user_id, left_at__isnull=True)
            .first()
        )
        if member is None:
            raise NotFound("Thread not found.")
        new_read = max(member.last_read_message_id, read)
        new_delivered = max(member.last_delivered_message_id, delivered, new_read)
        read_moved = new_read != member.last_read_message_id
        if read_moved or new_delivered != member.last_delivered_message_id:
            member.last_read_message_id, member.last_delivered_message_id = new_read, new_delivered
            member.save(update_fields=["last_read_message_id", "last_delivered_message_id"])
            _publish_statuses(thread_id, _advance_statuses(thread_id))
        if read_moved:
            _publish_thread_updated_to(thread_id, user_id)  # the reader's other devices: new unread count
    return Receipt(
        thread_id=thread_id,
        last_delivered_message_id=new_delivered,
        last_read_message_id=new_read,
        unread_count=unread_count(user_id=user_id, thread_id=thread_id),
    )


def thread_read(*, user_id: int, thread_id: int, last_read_message_id: int | None = None) -> Receipt:
    """Mark the thread read up to a message of it (default: its latest message)."""
    membership_get(user_id=user_id, thread_id=thread_id)
    if last_read_message_id is None:
        target = latest_message_id(thread_id=thread_id)
    elif Message.objects.filter(id=last_read_message_id, thread_id=thread_id).exists():
        target = last_read_message_id
    else:
        raise BadRequest("That message is not in this thread.", code="message_not_in_thread")
    return _receipt_move(user_id=user_id, thread_id=thread_id, delivered=target, read=target)


def message_ack(*, user_id: int, message_id: int, status: str) -> Receipt:
    """Acknowledge receipt (or reading) of messages up to this one."""
    message = message_get(viewer_id=user_id, message_id=message_id)
    read = message.id if status == "read" else 0
    return _receipt_move(user_id=user_id, thread_id=message.thread_id, delivered=message.id, read=read)


# --- messages --------------------------------------------------------------------------------------


def _existing(sender_id: int, client_uuid: str) -> Message | None:
    return Message.objects.filter(sender_id=sender_id, client_uuid=client_uuid).first()


def _replay(existing: Message, *, thread_id: int, body: str) -> Message:
    """A retry returns the stored message; reusing a client_uuid for something else is a conflict."""
    if existing.thread_id != thread_id or (not existing.deleted and existing.body != body):
        raise Conflict("This client_uuid was already used for a different message.", code="idempotency_conflict")
    return existing


# The thread's lock and the insert in one statement: the insert reads the thread row through the locking CTE, so the
# message id is drawn after the lock is held (ids in commit order within a thread). Returns whether the thread
# exists and the new id (NULL when the sender's client_uuid was taken).
_INSERT_MESSAGE_SQL = """
    WITH locked AS (SELECT id FROM {thread} WHERE id = %(thread)s FOR NO KEY UPDATE),
    inserted AS (
        INSERT INTO {message} (thread_id, sender_id, body, type, client_uuid, reply_to_id, media_count, created_at)
        SELECT locked.id, %(sender)s, %(body)s, %(type)s, %(client_uuid)s, %(reply_to)s, %(media)s, %(at)s
        FROM locked
        ON CONFLICT (sender_id, client_uuid) DO NOTHING
        RETURNING id
    )
    SELECT EXISTS (SELECT FROM locked), (SELECT id FROM inserted)
"""
# After the insert, in one round trip: the thread's last message, the end of the sender's "typing", the return of
# the conversation for members who had hidden it, and who the active members are now (a statement after the
# lock: a member who left meanwhile is not among them).
_AFTER_INSERT_SQL = """
    WITH touched AS (
        UPDATE {thread} SET last_message_id = %(message)s, last_activity_at = %(at)s WHERE id = %(thread)s
    ), typing AS (
        DELETE FROM {typing} WHERE thread_id = %(thread)s AND user_id = %(sender)s
    ), shown AS (
        UPDATE {member} SET hidden_at = NULL WHERE thread_id = %(thread)s AND hidden_at IS NOT NULL
    )
    SELECT user_id FROM {member} WHERE thread_id = %(thread)s AND left_at IS NULL ORDER BY joined_at, id
"""


def _insert_message(
    thread: Thread,
    *,
    sender_id: int,
    body: str,
    client_uuid: str,
    reply_to_id: int | None,
    media: list[MediaData] = (),
) -> _Inserted:
    """Lock the thread and store a message from an active member of it (404 otherwise), and announce it;
    `created` False (nothing written) when the sender's client_uuid was taken. Inside the caller's transaction."""
    kinds = {m.kind for m in media}
    kind = MessageType.VIDEO if "video" in kinds else MessageType.IMAGE if kinds else MessageType.TEXT
    now = timezone.now()
    tables = {
        "message": Message._meta.db_table,
        "thread": Thread._meta.db_table,
        "typing": TypingState._meta.db_table,
        "member": ThreadMember._meta.db_table,
    }
    with connection.cursor() as cursor:
        # ON CONFLICT instead of a savepoint: a concurrent retry waits for the first attempt, then finds its row.
        cursor.execute(
            _INSERT_MESSAGE_SQL.format(**tables),
            {
                "thread": thread.id,
                "sender": sender_id,
                "body": body,
                "type": kind,
                "client_uuid": client_uuid,
                "reply_to": reply_to_id,
                "media": len(media),
                "at": now,
            },
        )
        thread_found, message_id = cursor.fetchone()
        if not thread_found:
            raise NotFound("Thread not found.")
        if message_id is None:
            if not ThreadMember.objects.filter(thread_id=thread.id, user_id=sender_id, left_at__isnull=True).exists():
                raise NotFound("Thread not found.")
            existing = _existing(sender_id, client_uuid)
            if existing is None:  # the conflicting row is not visible: treated like any integrity error
                raise IntegrityError("client_uuid taken by a message that cannot be read")
            return _Inserted(message=existing, created=False, view=None)
        message = Message(
            id=message_id,
            thread=thread,
            sender_id=sender_id,
            body=body,
            type=kind,
            client_uuid=client_uuid,
            reply_to_id=reply_to_id,
            media_count=len(media),
            created_at=now,
        )
        message._state.adding, message._state.db = False, connection.alias
        # A statement after the lock (a fresh snapshot): a member who left meanwhile is not among `members`.
        cursor.execute(
            _AFTER_INSERT_SQL.format(**tables),
            {"message": message.id, "at": now, "thread": thread.id, "sender": sender_id},
        )
        members = [member_id for (member_id,) in cursor.fetchall()]
    if sender_id not in members:
        raise NotFound("Thread not found.")  # left while an upload ran: the transaction rolls back
    MessageAttachment.objects.bulk_create(
        [MessageAttachment(message=message, asset_id=m.id, position=index) for index, m in enumerate(media)]
    )
    # The members' accounts, read once: the sender's card for the answer and the events, and who of the
    # recipients is active for the notification.
    accounts = user_summaries(user_ids=members)
    view = sent_message_view(message, attachments=list(media), sender=accounts.get(sender_id))
    events = _new_message_events(view, members) if view is not None else []
    # The notification's events are published with the message's own, in one statement (message:new first).
    events += notify_many(
        recipient_ids=[member_id for member_id in members if member_id != sender_id],
        type="message",
        actor_id=sender_id,
        target_type="thread",
        target_id=thread.id,
        text=body or _MEDIA_ONLY_TEXT[kind],
        data={"message_id": message.id},
        accounts=accounts,
        publish=False,
    )
    publish_many(events)
    return _Inserted(message=message, created=True, view=view)


def _as_each_member_sees_it(view: MessageView, members: list[int]) -> dict[int, MessageView]:
    """A message without reactions (a new one, a tombstone) as each member sees it: the one thing that differs
    is whether they follow its sender (the sender card's follow state). One query for all members."""
    sender = view.sender
    followers = followers_among(user_id=sender.id, user_ids=[m for m in members if m != sender.id])
    cards = {following: dataclasses.replace(sender, is_following=following) for following in (True, False)}
    return {
        member_id: dataclasses.replace(view, viewer_id=member_id, sender=cards[member_id in followers])
        for member_id in members
    }


def _new_message_events(view: MessageView, members: list[int]) -> list[tuple[list[str], RealtimeEvent]]:
    """`message:new` to every member, as each of them sees it (once per distinct payload, as `_publish_grouped`)."""
    events = {
        member_id: MessageNewEvent(message=seen) for member_id, seen in _as_each_member_sees_it(view, members).items()
    }
    groups: dict[str, tuple[RealtimeEvent, list[int]]] = {}
    for user_id, event in events.items():
        groups.setdefault(event.model_dump_json(), (event, []))[1].append(user_id)
    return [(_topics(user_ids), event) for event, user_ids in groups.values()]


def message_send(
    *,
    sender_id: int,
    thread_id: int,
    body: str,
    client_uuid: str | None = None,
    reply_to_message_id: int | None = None,
    attachments: Iterable[UploadedFile] = (),
) -> SentMessage:
    """Send a message to a thread the sender is an active member of: the sender's view of it (built in the
    sending transaction, so answering costs no further reads) and whether it was created.

    A retry with the same client_uuid returns the stored message (created False), even when it races the
    first attempt. Direct threads check blocks and the recipient's dm_policy on every message."""
    body = body.strip()
    uploads = [Upload(file=file, field="attachments") for file in attachments]
    client_uuid = client_uuid or str(uuid.uuid4())
    context = send_context(sender_id=sender_id, thread_id=thread_id, client_uuid=client_uuid)
    member = context.member
    if context.existing_id is not None:
        existing = _existing(sender_id, client_uuid)
        if existing is not None:
            return _stored(_replay(existing, thread_id=thread_id, body=body))
    if not body and not uploads:
        raise ValidationFailed.for_field("body", "Write something or attach a file.", code="empty_message")
    _check_can_write(member.thread, sender_id, recipient_policy=context.recipient_policy)
    if reply_to_message_id is not None:
        replied_sender = (
            Message.objects.filter(id=reply_to_message_id, thread_id=thread_id)
            .values_list("sender_id", flat=True)
            .first()
        )
        if replied_sender is None:
            raise BadRequest("You can only reply to a message of the same thread.", code="reply_to_other_thread")
        _check_not_directed_at_blocked(sender_id, replied_sender, "reply to")
    # Private area: attachments are only ever reachable through signed, expiring URLs.
    with media_upload_set(
        uploads, owner_id=sender_id, private=True, refusals=UPLOAD_REFUSALS, max_images=MAX_ATTACHMENTS
    ) as media:
        try:
            with transaction.atomic():
                inserted = _insert_message(
                    member.thread,
                    sender_id=sender_id,
                    body=body,
                    client_uuid=client_uuid,
                    reply_to_id=reply_to_message_id,
                    media=media,
                )
        except IntegrityError as exc:  # e.g. the replied-to message vanished with its sender's account
            raise NotFound("Thread not found.") from exc
        if not inserted.created:
            stored = _replay(inserted.message, thread_id=thread_id, body=body)
            media_delete_many(ids=[m.id for m in media])  # a concurrent first attempt stored its own copies
            return _stored(stored)
    if inserted.view is None:  # sent by an account deactivated meanwhile: nobody sees its messages
        raise NotFound("Message not found.")
    return SentMessage(view=inserted.view, created=True)


def _stored(message: Message) -> SentMessage:
    """A retry's answer: the stored message as its sender sees it now (even if they cleared it since)."""
    views = message_views([message], viewer_id=message.sender_id)
    if not views:
        raise NotFound("Message not found.")
    return SentMessage(view=views[0], created=False)


def message_delete(*, user_id: int, message_id: int) -> Message:
    """The sender deletes a message: it stays as a tombstone (no body, attachments, reactions) for everyone.
    Deleting a tombstone again changes nothing."""
    message = message_get(viewer_id=user_id, message_id=message_id)
    if message.sender_id != user_id:
        raise PermissionDenied("Only the sender can delete this message.", code="not_sender")
    with transaction.atomic():
        message = Message.objects.select_for_update(no_key=True).get(id=message.id)
        if message.deleted:
            return message
        _tombstone(message)
    return message


def _tombstone(message: Message) -> None:
    asset_ids = list(MessageAttachment.objects.filter(message=message).values_list("asset_id", flat=True))
    MessageAttachment.objects.filter(message=message).delete()
    media_delete_many(ids=asset_ids)
    MessageReaction.objects.filter(message=message).delete()
    message.body, message.media_count, message.deleted_at = "", 0, timezone.now()
    message.save(update_fields=["body", "media_count", "deleted_at"])
    notifications_content_removed(kind="message", ids=[message.id])  # its notifications lose the quote too
    views = message_views([message], viewer_id=message.sender_id)
    members = members_seeing(thread_id=message.thread_id, message_id=message.id)
    if not views:  # the sender's account is deactivated: no tombstone to show
        publish(_topics(members), MessageDeletedEvent(message_id=message.id, thread_id=message.thread_id))
        return
    _publish_grouped(
        {
            member_id: MessageDeletedEvent(message_id=message.id, thread_id=message.thread_id, message=seen)
            for member_id, seen in _as_each_member_sees_it(views[0], members).items()
        }
    )


def messages_remove_by_moderator(*, message_ids: list[int]) -> int:
    """Staff removal (admin): the same tombstone as a sender's delete."""
    removed = 0
    with transaction.atomic():
        for message in (
            Message.objects.select_for_update(no_key=True).filter(id__in=message_ids, deleted_at=None).order_by("id")
        ):
            _tombstone(message)
            removed += 1
    return removed


def reaction_toggle(*, user_id: int, message_id: int, emoji: str) -> ReactionChange:
    """Add the emoji if the user had not put it on the message, remove it otherwise."""
    message = message_get(viewer_id=user_id, message_id=message_id)
    if not MessageReaction.objects.filter(message_id=message.id, user_id=user_id, emoji=emoji).exists():
        # Adding: not on a message of someone blocked either way. Taking back a reaction made before the block
        # stays possible.
        _check_not_directed_at_blocked(user_id, message.sender_id, "react to")
    table = MessageReaction._meta.db_table
    with transaction.atomic():
        # Serialised with a tombstone of the same message: no reaction slips onto a deleted message.
        message = Message.objects.select_for_update(no_key=True).get(id=message.id)
        if message.deleted:
            raise BadRequest("This message was deleted.", code="message_deleted")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (message_id, user_id, emoji, created_at) VALUES (%s, %s, %s, now()) "  # noqa: S608
                "ON CONFLICT (message_id, user_id, emoji) DO NOTHING RETURNING id",
                [message.id, user_id, emoji],
            )
            added = cursor.fetchone() is not None
            if not added:
                cursor.execute(
                    f"DELETE FROM {table} WHERE message_id = %s AND user_id = %s AND emoji = %s",  # noqa: S608
                    [message.id, user_id, emoji],
                )
        if added and MessageReaction.objects.filter(message=message, user_id=user_id).count() > MAX_REACTIONS_PER_USER:
            raise ValidationFailed.for_field(
                "emoji", f"At most {MAX_REACTIONS_PER_USER} different reactions per message.", code="too_many_reactions"
            )
        reactions = reactions_of(message_id=message.id)
        action = "added" if added else "removed"
        _publish_grouped(
            {
                member: MessageReactionEvent(
                    message_id=message.id,
                    thread_id=message.thread_id,
                    emoji=emoji,
                    action=action,
                    user_id=user_id,
                    reactions=reactions_seen_by(reactions, member),
                )
                for member in members_seeing(thread_id=message.thread_id, message_id=message.id)
            }
        )
    return ReactionChange(
        user_id=user_id,
        message_id=message.id,
        thread_id=message.thread_id,
        emoji=emoji,
        action=action,
        reactions=reactions,
    )


# --- typing ----------------------------------------------------------------------------------------


def typing_set(*, user_id: int, thread_id: int, is_typing: bool) -> TypingResult:
    """Start (or keep) typing for a few seconds, or stop. Other active members get an ephemeral `typing`
    signal when the state changes, and at most every few seconds while it is refreshed."""
    member = membership_get(user_id=user_id, thread_id=thread_id)
    if is_typing:
        _check_can_write(member.thread, user_id)
    now = timezone.now()
    table = TypingState._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if is_typing:
            expires_at = now + TYPING_TTL
            cursor.execute(
                f"""
                INSERT INTO {table} AS t (thread_id, user_id, expires_at, announced_at) VALUES (%s, %s, %s, %s)
                ON CONFLICT (thread_id, user_id) DO UPDATE SET
                    expires_at = EXCLUDED.expires_at,
                    announced_at = CASE WHEN t.expires_at <= %s OR t.announced_at <= %s
                                        THEN EXCLUDED.announced_at ELSE t.announced_at END
                RETURNING announced_at
                """,  # noqa: S608 - own table
                [thread_id, user_id, expires_at, now, now, now - TYPING_REANNOUNCE],
            )
            announce = cursor.fetchone()[0] == now
        else:
            expires_at = None
            cursor.execute(
                f"DELETE FROM {table} WHERE thread_id = %s AND user_id = %s RETURNING expires_at",  # noqa: S608
                [thread_id, user_id],
            )
            row = cursor.fetchone()
            announce = row is not None and row[0] > now
        if announce:
            person = user_summaries(user_ids=[user_id]).get(user_id)
            others = [m for m in active_member_ids(thread_id=thread_id) if m != user_id]
            if person is not None and others:
                publish_ephemeral(
                    _topics(others),
                    TypingEvent(
                        thread_id=thread_id,
                        user_id=user_id,
                        user_name=person.name,
                        user_handle=person.handle,
                        is_typing=is_typing,
                    ),
                )
    return TypingResult(thread_id=thread_id, is_typing=is_typing, expires_at=expires_at)


def typing_states_purge(*, now: dt.datetime | None = None) -> int:
    deleted, _ = TypingState.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
