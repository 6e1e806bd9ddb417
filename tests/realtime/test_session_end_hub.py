"""How a subscriber acts on `session:revoked`, and the hub's periodic session check (no server needed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from modules.realtime.events import SESSION_ENDED, TOKEN_EXPIRED
from modules.realtime.hub import Event, Hub, Subscriber

NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
MINE, OTHER = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))


def event(position: int, type_: str = "test:event", **payload) -> Event:
    return Event(position, "user:1", type_, payload, NOW, (100 + position, position))


def revoked(n: int, *session_ids: str) -> Event:
    return event(n, "session:revoked", session_ids=list(session_ids), reason="logout")


def subscriber(session_id: str | None = MINE, queue_size: int = 10) -> Subscriber:
    live = Subscriber(topics={"user:1"}, position=(0, 0), queue=asyncio.Queue(queue_size), session_id=session_id)
    live.finish_catch_up([])
    return live


def drain(live: Subscriber) -> list[dict]:
    out = []
    while not live.queue.empty():
        out.append(live.queue.get_nowait())
    return out


def test_its_own_sessions_revocation_replaces_whatever_was_queued():
    live = subscriber()
    live.offer(event(1, n=1))
    live.offer(revoked(2, OTHER, MINE))
    live.offer(event(3, n=3))
    live.offer_ephemeral({"type": "typing"})
    assert drain(live) == [SESSION_ENDED] and live.ended


def test_another_sessions_revocation_is_neither_acted_on_nor_forwarded():
    live = subscriber()
    live.offer(revoked(1, OTHER))
    live.offer(event(2, n=2))
    assert [frame["type"] for frame in drain(live)] == ["test:event"] and not live.ended
    assert live.position == (102, 2)


def test_a_subscriber_without_a_session_ignores_revocations():
    live = subscriber(session_id=None)
    live.offer(revoked(1, MINE))
    assert drain(live) == [] and not live.ended


def test_an_overflowed_subscriber_is_still_ended():
    live = subscriber(queue_size=10)
    for n in range(1, 12):
        live.offer(event(n, n=n))
    assert live.overflowed
    live.offer(revoked(20, MINE))
    assert drain(live) == [SESSION_ENDED]


def test_a_revocation_among_replayed_events_ends_the_subscriber():
    live = Subscriber(topics={"user:1"}, position=(0, 0), queue=asyncio.Queue(10), session_id=MINE)
    live.offer(event(5, n=5))  # arrived live while catching up
    live.finish_catch_up([event(1, n=1), revoked(2, MINE)])
    assert drain(live) == [SESSION_ENDED]


def test_ending_twice_keeps_the_first_reason():
    live = subscriber()
    live.end(TOKEN_EXPIRED)
    live.end(SESSION_ENDED)
    assert drain(live) == [TOKEN_EXPIRED]


def test_the_periodic_check_asks_once_for_every_connection_and_ends_the_dead_ones():
    asked: list[set[str]] = []

    async def checker(session_ids: set[str]) -> set[str]:
        asked.append(session_ids)
        return {MINE}

    async def scenario() -> tuple[list[Subscriber], int]:
        hub = Hub("unused", session_checker=checker)
        subscribers = [subscriber(MINE), subscriber(MINE), subscriber(OTHER), subscriber(None)]
        hub.subscribers.update(subscribers)
        return subscribers, await hub.check_sessions()

    (mine, mine_too, other, anonymous), ended = asyncio.run(scenario())
    assert asked == [{MINE, OTHER}] and ended == 1
    assert drain(other) == [SESSION_ENDED]
    assert not (mine.ended or mine_too.ended or anonymous.ended)


@pytest.mark.django_db
def test_the_check_is_one_query_for_many_sessions(django_assert_num_queries):
    from modules.accounts.public import live_session_ids
    from tests.factories import AuthSessionFactory, UserFactory

    user = UserFactory()
    sessions = [AuthSessionFactory(user=user) for _ in range(3)]
    sessions[0].revoked_at = NOW
    sessions[0].save()
    inactive = AuthSessionFactory(user=UserFactory(is_active=False))
    wanted = [s.id for s in sessions] + [inactive.id] + [uuid.uuid4() for _ in range(6000)]
    with django_assert_num_queries(1):
        assert live_session_ids(session_ids=wanted) == {sessions[1].id, sessions[2].id}
