"""notify(): who gets told what, grouping (also under concurrency), realtime events, rollback, enqueueing."""

import threading

import dramatiq
import pytest
from django.db import connection, transaction
from dramatiq import Message

from modules.notifications.models import NOTIFICATION_TYPES, Notification, NotificationActor
from modules.notifications.public import extract_mentions, notify
from modules.realtime.models import RealtimeEvent
from tests.factories import BlockFactory, MuteFactory, UserFactory
from tests.notifications.factories import DeviceFactory, NotificationPreferencesFactory

pytestmark = pytest.mark.django_db
COMMENT = {"comment_id": 1}  # the comment a "comment" notification quotes


def like(recipient, actor, post_id=7, **kw):
    notify(recipient_id=recipient.id, type="like", actor_id=actor.id, target_type="post", target_id=post_id, **kw)


@pytest.fixture
def ana():
    return UserFactory(name="Ana", handle="ana")


@pytest.fixture
def bob():
    return UserFactory(name="Bob", handle="bob")


@pytest.fixture
def stub_broker():
    broker = dramatiq.get_broker()
    broker.flush_all()
    yield broker
    broker.flush_all()


def queued(broker, queue="notifications") -> list[Message]:
    q = broker.queues.get(queue)
    if q is None:
        return []
    messages = []
    while not q.empty():
        messages.append(Message.decode(q.get()))
    return messages


# --- who is told ----------------------------------------------------------------------------------


def test_a_follow_is_recorded_with_its_actor(ana, bob):
    notify(recipient_id=ana.id, type="follow", actor_id=bob.id)
    n = Notification.objects.get()
    assert (n.recipient_id, n.type, n.actor_id, n.actor_ids, n.actor_count) == (ana.id, "follow", bob.id, [bob.id], 1)
    assert n.target_type == "" and n.target_id is None and n.read_at is None


def test_never_about_your_own_action(ana):
    like(ana, ana)
    notify(recipient_id=ana.id, type="follow", actor_id=ana.id)
    assert not Notification.objects.exists() and not RealtimeEvent.objects.exists()


def test_muted_actors_are_skipped(ana, bob):
    MuteFactory(muter=ana, muted=bob)
    like(ana, bob)
    assert not Notification.objects.exists()
    # …but a mute is one-way: bob still hears from ana
    like(bob, ana)
    assert Notification.objects.filter(recipient=bob).exists()


@pytest.mark.parametrize("direction", ["recipient_blocked_actor", "actor_blocked_recipient"])
def test_blocks_either_way_are_skipped(ana, bob, direction):
    if direction == "recipient_blocked_actor":
        BlockFactory(blocker=ana, blocked=bob)
    else:
        BlockFactory(blocker=bob, blocked=ana)
    notify(
        recipient_id=ana.id, type="comment", actor_id=bob.id, target_type="post", target_id=1, text="hi", data=COMMENT
    )
    assert not Notification.objects.exists() and not RealtimeEvent.objects.exists()


def test_in_app_preference_off_records_nothing(ana, bob):
    NotificationPreferencesFactory(user=ana, in_app_off=["like"])
    like(ana, bob)
    notify(recipient_id=ana.id, type="follow", actor_id=bob.id)
    assert list(Notification.objects.values_list("type", flat=True)) == ["follow"]


def test_deactivated_accounts_are_not_notified_nor_announced(ana, bob):
    bob.is_active = False
    bob.save()
    like(ana, bob)
    like(bob, ana)
    assert not Notification.objects.exists()


def test_a_reward_needs_no_actor(ana):
    notify(recipient_id=ana.id, type="reward", target_type="payout", target_id=3, text="You earned $12.40 for March.")
    n = Notification.objects.get()
    assert n.actor_id is None and n.actor_count == 0 and n.actor_ids == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "poke"},
        {"type": "like"},  # grouped types need a target
        {"type": "comment", "target_type": "post"},  # target_type without target_id
        {"type": "comment", "target_type": "Post!", "target_id": 1},
        {"type": "follow", "actor_id": None},  # only rewards come from nobody
    ],
)
def test_programming_mistakes_raise(ana, bob, kwargs):
    kwargs = {"actor_id": bob.id, **kwargs}
    with pytest.raises(ValueError):
        notify(recipient_id=ana.id, **kwargs)


def test_text_is_cut_to_an_excerpt(ana, bob):
    notify(
        recipient_id=ana.id,
        type="comment",
        actor_id=bob.id,
        target_type="post",
        target_id=1,
        text="word " * 200,
        data=COMMENT,
    )
    text = Notification.objects.get().text
    assert len(text) == 140 and text.endswith("…")


def test_types_are_the_documented_ones():
    assert NOTIFICATION_TYPES == (
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


# --- realtime and transactions --------------------------------------------------------------------


def test_the_realtime_event_goes_to_the_recipients_topic_only(ana, bob):
    like(ana, bob, text="my sunset photo")
    event = RealtimeEvent.objects.get()
    assert event.topic == f"user:{ana.id}" and event.type == "notification:new"
    shown = event.payload["notification"]
    assert shown["id"] == Notification.objects.get().id
    assert shown["summary"] == "Bob liked your post: my sunset photo"
    assert shown["actors"] == [{"id": bob.id, "name": "Bob", "handle": "bob", "photo": None}]
    assert shown["target"] == {"type": "post", "id": 7} and shown["read"] is False


def test_a_rolled_back_change_leaves_no_notification_and_no_event(ana, bob):
    def change_that_fails():
        with transaction.atomic():
            like(ana, bob)
            notify(recipient_id=ana.id, type="follow", actor_id=bob.id)
            raise RuntimeError("the like failed after all")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert not Notification.objects.exists()
    assert not NotificationActor.objects.exists()
    assert not RealtimeEvent.objects.exists()


def test_push_is_enqueued_after_commit_only_for_recipients_with_devices(
    ana, bob, stub_broker, django_capture_on_commit_callbacks
):
    DeviceFactory(user=ana)
    with django_capture_on_commit_callbacks(execute=True):
        like(ana, bob)
        notify(recipient_id=bob.id, type="follow", actor_id=ana.id)  # bob has no device: nothing to push
        assert queued(stub_broker) == []  # nothing before the commit
    [message] = queued(stub_broker)
    assert message.actor_name == "notifications_push" and message.args == (Notification.objects.get(recipient=ana).id,)


def test_no_push_is_enqueued_when_push_is_off(ana, bob, stub_broker, settings, django_capture_on_commit_callbacks):
    DeviceFactory(user=ana)
    NotificationPreferencesFactory(user=ana, push_off=["like"])
    with django_capture_on_commit_callbacks(execute=True):
        like(ana, bob)
    settings.PUSH_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient_id=ana.id, type="follow", actor_id=bob.id)
    assert Notification.objects.count() == 2
    assert queued(stub_broker) == []


# --- grouping -------------------------------------------------------------------------------------


def test_likes_on_one_target_are_grouped_while_unread(ana):
    likers = [UserFactory(name=f"Liker {n}") for n in range(7)]
    for liker in likers:
        like(ana, liker)
    like(ana, likers[0], post_id=8)  # another post: another group
    group = Notification.objects.get(target_id=7)
    assert group.actor_count == 7
    assert group.actor_ids == [u.id for u in reversed(likers)][:5]  # newest first, the latest five
    assert group.actor_id == likers[-1].id
    assert NotificationActor.objects.filter(notification=group).count() == 7
    assert Notification.objects.count() == 2
    assert RealtimeEvent.objects.filter(type="notification:new").count() == 8  # every change is announced
    last = RealtimeEvent.objects.filter(payload__notification__id=group.id).order_by("-id").first()
    assert last.payload["notification"]["summary"] == "Liker 6 and 6 others liked your post"


def test_the_same_actor_liking_again_changes_nothing(ana, bob):
    like(ana, bob)
    before = Notification.objects.get()
    like(ana, bob)  # unlike + like again
    after = Notification.objects.get()
    assert (after.actor_count, after.updated_at) == (1, before.updated_at)
    assert RealtimeEvent.objects.count() == 1


def test_reading_a_group_closes_it(ana, bob):
    like(ana, bob)
    Notification.objects.update(read_at=Notification.objects.get().created_at)
    carol = UserFactory()
    like(ana, carol)
    like(ana, bob)
    rows = list(Notification.objects.order_by("id").values_list("actor_count", "read_at"))
    assert len(rows) == 2 and rows[1] == (2, None)


def test_comments_are_not_grouped_and_follows_are_not_repeated_while_unread(ana, bob):
    for text in ("first", "second"):
        notify(
            recipient_id=ana.id,
            type="comment",
            actor_id=bob.id,
            target_type="post",
            target_id=1,
            text=text,
            data=COMMENT,
        )
    for _ in range(3):  # follow, unfollow, follow…
        notify(recipient_id=ana.id, type="follow", actor_id=bob.id)
    assert Notification.objects.filter(type="comment").count() == 2
    assert Notification.objects.filter(type="follow").count() == 1
    Notification.objects.filter(type="follow").update(read_at=Notification.objects.first().created_at)
    notify(recipient_id=ana.id, type="follow", actor_id=bob.id)
    assert Notification.objects.filter(type="follow").count() == 2


def test_mentions_are_not_repeated_for_the_same_target(ana, bob):
    for _ in range(2):  # the post is edited, the mention stays
        notify(recipient_id=ana.id, type="mention", actor_id=bob.id, target_type="post", target_id=5, text="hey @ana")
    notify(recipient_id=ana.id, type="mention", actor_id=bob.id, target_type="post", target_id=6, text="again @ana")
    assert Notification.objects.filter(type="mention").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_end_in_one_group_with_the_exact_count():
    author = UserFactory()
    likers = [UserFactory() for _ in range(12)]
    barrier = threading.Barrier(len(likers))
    errors = []

    def hammer(liker):
        try:
            barrier.wait()
            for _ in range(2):  # the second like of the same person must not count
                with transaction.atomic():
                    like(author, liker, post_id=42)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer, args=(liker,)) for liker in likers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    group = Notification.objects.get()
    assert group.actor_count == 12
    assert NotificationActor.objects.filter(notification=group).count() == 12
    assert len(group.actor_ids) == 5 and set(group.actor_ids) <= {u.id for u in likers}
    assert RealtimeEvent.objects.filter(topic=f"user:{author.id}").count() == 12


@pytest.mark.django_db(transaction=True)
def test_likes_racing_read_all_lose_nothing():
    author = UserFactory()
    likers = [UserFactory() for _ in range(8)]
    from modules.notifications.services import notifications_mark_all_read

    barrier = threading.Barrier(len(likers) + 1)

    def liker_thread(liker):
        barrier.wait()
        like(author, liker, post_id=9)
        connection.close()

    def reader_thread():
        barrier.wait()
        notifications_mark_all_read(user_id=author.id)
        connection.close()

    threads = [threading.Thread(target=liker_thread, args=(u,)) for u in likers]
    threads.append(threading.Thread(target=reader_thread))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Every like is in exactly one group; at most one group is unread.
    assert NotificationActor.objects.count() == 8
    assert sum(Notification.objects.values_list("actor_count", flat=True)) == 8
    assert Notification.objects.filter(read_at__isnull=True).count() <= 1


# --- mentions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("hi @Ana and @bob_1!", {"ana", "bob_1"}),
        ("(@ana) @ana, @ANA.", {"ana"}),
        ("mail me at ana@example.com", set()),
        ("@ab is too short, @abc is not", {"abc"}),
        ("@" + "a" * 30 + " fits, @" + "b" * 31 + " does not", {"a" * 30}),
        ("@@ana @ana-b @anaé", {"ana"}),
        ("", set()),
        ("@имя and #tag", set()),
    ],
)
def test_extract_mentions(text, handles):
    assert extract_mentions(text) == handles
