"""The hub's topic → subscribers index (Odoo's `_channels_to_ws`): a wake-up, a stored event or an ephemeral
signal reaches the subscribers of its topics without a scan of every socket (no server, no database)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from modules.realtime.hub import Hub, Subscriber

NOW = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def row(event_id: int, topic: str, **payload) -> tuple:
    """A row as READ_SQL returns it: id, topic, type, payload, created_at, txid, ready."""
    return (event_id, topic, "test:event", payload, NOW, 100 + event_id, True)


def drain(subscriber: Subscriber) -> list[dict]:
    out = []
    while not subscriber.queue.empty():
        out.append(subscriber.queue.get_nowait())
    return out


def run(scenario):
    return asyncio.run(scenario())


def index_of(hub: Hub) -> dict[str, set[Subscriber]]:
    return {topic: set(hub.subscribers_of(topic)) for topic in hub.local_topics()}


def test_subscribing_indexes_each_topic_and_unsubscribing_leaves_nothing_behind():
    async def scenario():
        hub = Hub("unused")
        ana = await hub.subscribe({"user:1", "post:7"}, None)
        bob = await hub.subscribe({"user:2", "post:7"}, None)
        assert index_of(hub) == {"user:1": {ana}, "user:2": {bob}, "post:7": {ana, bob}}
        hub.unsubscribe(ana)
        assert index_of(hub) == {"user:2": {bob}, "post:7": {bob}}
        hub.unsubscribe(ana)  # twice is harmless
        hub.unsubscribe(bob)
        assert hub.local_topics() == set() and hub.subscribers == set()
        assert hub.subscribers_of("post:7") == []

    run(scenario)


def test_a_notification_wakes_the_reader_only_for_a_local_topic():
    async def scenario():
        hub = Hub("unused")
        await hub.subscribe({"user:1", "thread:9"}, None)
        hub._on_notification("user:5,post:3")
        assert not hub._wake.is_set()
        hub._on_notification("post:3,thread:9")
        assert hub._wake.is_set()

    run(scenario)


def test_stored_events_reach_the_subscribers_of_their_topic_and_no_one_else():
    async def scenario():
        hub = Hub("unused")
        ana = await hub.subscribe({"user:1", "post:7"}, None)
        bob = await hub.subscribe({"user:2", "post:7"}, None)
        cyd = await hub.subscribe({"user:3"}, None)
        asked: list[set[str]] = []

        async def read(topics, after, limit=1000):
            asked.append(set(topics))
            return [row(1, "user:1", n=1), row(2, "post:7", n=2), row(3, "user:2", n=3), row(4, "user:9", n=4)]

        hub._read = read
        assert await hub._dispatch_new() is False
        return asked, ana, bob, cyd, hub

    asked, ana, bob, cyd, hub = run(scenario)
    assert asked == [{"user:1", "user:2", "user:3", "post:7"}]  # one read for every local topic
    assert [(f["topic"], f["n"]) for f in drain(ana)] == [("user:1", 1), ("post:7", 2)]
    assert [(f["topic"], f["n"]) for f in drain(bob)] == [("post:7", 2), ("user:2", 3)]
    assert drain(cyd) == []
    assert hub.position == (104, 4)


def test_an_ephemeral_signal_gives_each_subscriber_one_frame_per_topic_it_follows():
    async def scenario():
        hub = Hub("unused")
        both = await hub.subscribe({"thread:9", "user:1"}, None)
        one = await hub.subscribe({"thread:9"}, None)
        other = await hub.subscribe({"user:2"}, None)
        signal = {"topics": ["thread:9", "user:1"], "type": "thread:typing", "payload": {"user_id": 4}}
        hub._on_notification(json.dumps(signal))
        return both, one, other

    both, one, other = run(scenario)
    assert [frame["topic"] for frame in drain(both)] == ["thread:9", "user:1"]
    assert drain(one) == [{"user_id": 4, "type": "thread:typing", "topic": "thread:9", "payload": {"user_id": 4}}]
    assert drain(other) == []


def test_an_unsubscribed_socket_gets_nothing_more():
    async def scenario():
        hub = Hub("unused")
        gone = await hub.subscribe({"user:1"}, None)
        stays = await hub.subscribe({"user:1"}, None)
        hub.unsubscribe(gone)

        async def read(topics, after, limit=1000):
            return [row(1, "user:1", n=1)]

        hub._read = read
        await hub._dispatch_new()
        hub._on_notification(json.dumps({"topics": ["user:1"], "type": "thread:typing", "payload": {}}))
        return gone, stays

    gone, stays = run(scenario)
    assert drain(gone) == []
    assert [frame["type"] for frame in drain(stays)] == ["test:event", "thread:typing"]
