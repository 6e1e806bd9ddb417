import threading

import pytest
from django.db import connection

from modules.social.models import Block, Follow, Mute, UserStats
from modules.social.services import stats_recount
from tests.conftest import client_for
from tests.factories import BlockFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


def counts(user):
    stats = UserStats.objects.filter(user=user).first()
    return (stats.followers_count, stats.following_count) if stats else (0, 0)


def test_follow_is_idempotent_and_counted_once(api):
    target = UserFactory()
    first = api.post(f"/users/{target.id}/follow/")
    second = api.post(f"/users/{target.id}/follow/")
    assert first.status == second.status == 200
    assert first.json() == second.json() == {"is_following": True, "is_requested": False, "followers_count": 1}
    assert counts(target) == (1, 0) and counts(api.user) == (0, 1)
    assert api.get(f"/users/{target.id}/").json()["is_following"] is True


def test_unfollow_is_idempotent(api):
    target = UserFactory()
    api.post(f"/users/{target.id}/follow/")
    unfollowed = {"is_following": False, "is_requested": False, "followers_count": 0}
    assert api.delete(f"/users/{target.id}/follow/").json() == unfollowed
    assert api.delete(f"/users/{target.id}/follow/").json() == unfollowed
    assert counts(target) == (0, 0) and counts(api.user) == (0, 0)


def test_cannot_follow_yourself(api):
    response = api.post(f"/users/{api.user.id}/follow/")
    assert response.status == 400
    assert response.json()["code"] == "cannot_follow_self"


def test_cannot_follow_unknown_user(api):
    assert api.post("/users/424242/follow/").status == 404


def test_block_removes_follows_both_ways_and_stops_following(api):
    other = UserFactory()
    other_api = client_for(other)
    api.post(f"/users/{other.id}/follow/")
    other_api.post(f"/users/{api.user.id}/follow/")
    assert api.post(f"/users/{other.id}/block/").json() == {"is_blocked": True}
    assert not Follow.objects.exists()
    assert counts(other) == (0, 0) and counts(api.user) == (0, 0)
    # The blocker is told to unblock first; the blocked user does not learn about the block.
    assert api.post(f"/users/{other.id}/follow/").json()["code"] == "blocked"
    assert other_api.post(f"/users/{api.user.id}/follow/").status == 404


def test_unblock_allows_following_again(api):
    other = UserFactory()
    api.post(f"/users/{other.id}/block/")
    assert api.delete(f"/users/{other.id}/block/").json() == {"is_blocked": False}
    assert api.post(f"/users/{other.id}/follow/").status == 200


def test_block_list_and_mute_list_are_private_to_their_owner(api):
    blocked, muted = UserFactory(), UserFactory()
    api.post(f"/users/{blocked.id}/block/")
    api.post(f"/users/{muted.id}/mute/")
    assert [u["id"] for u in api.get("/users/me/blocked/").json()["results"]] == [blocked.id]
    assert [u["id"] for u in api.get("/users/me/muted/").json()["results"]] == [muted.id]
    stranger = client_for(UserFactory())
    assert stranger.get("/users/me/blocked/").json()["results"] == []


def test_mute_is_idempotent_and_invisible_to_the_muted(api):
    other = UserFactory()
    assert api.post(f"/users/{other.id}/mute/").json() == {"is_muted": True}
    assert api.post(f"/users/{other.id}/mute/").json() == {"is_muted": True}
    assert Mute.objects.count() == 1
    assert api.get(f"/users/{other.id}/").json()["is_muted"] is True
    assert client_for(other).get(f"/users/{api.user.id}/").json()["is_muted"] is False
    assert api.delete(f"/users/{other.id}/mute/").json() == {"is_muted": False}


def test_followers_and_following_lists(api):
    star = UserFactory()
    fans = [UserFactory() for _ in range(3)]
    for fan in fans:
        client_for(fan).post(f"/users/{star.id}/follow/")
    page = api.get(f"/users/{star.id}/followers/", limit=2).json()
    assert [u["id"] for u in page["results"]] == [fans[2].id, fans[1].id]
    rest = api.get(f"/users/{star.id}/followers/", limit=2, cursor=page["next"]).json()
    assert [u["id"] for u in rest["results"]] == [fans[0].id] and rest["next"] is None
    assert [u["id"] for u in api.get(f"/users/{fans[0].id}/following/").json()["results"]] == [star.id]


def test_lists_hide_people_blocked_with_the_viewer(api):
    star, fan = UserFactory(), UserFactory()
    FollowFactory(follower=fan, followee=star)
    BlockFactory(blocker=fan, blocked=api.user)
    assert api.get(f"/users/{star.id}/followers/").json()["results"] == []


def test_private_accounts_show_connections_only_to_followers(api):
    private = UserFactory(privacy="private")
    FollowFactory(follower=UserFactory(), followee=private)
    denied = api.get(f"/users/{private.id}/followers/")
    assert denied.status == 403 and denied.json()["code"] == "private_account"
    assert api.post(f"/users/{private.id}/follow/").status == 202  # a request: still not a follower
    assert api.get(f"/users/{private.id}/followers/").status == 403
    client_for(private).post(f"/users/me/follow-requests/{api.user.id}/approve/")
    assert api.get(f"/users/{private.id}/followers/").status == 200
    assert client_for(private).get(f"/users/{private.id}/following/").status == 200


def test_lists_of_blocking_users_are_404(api):
    blocker = UserFactory()
    BlockFactory(blocker=blocker, blocked=api.user)
    assert api.get(f"/users/{blocker.id}/followers/").status == 404


def test_recount_repairs_drifted_counters(api):
    target = UserFactory()
    api.post(f"/users/{target.id}/follow/")
    UserStats.objects.filter(user=target).update(followers_count=42)
    stats_recount()
    assert counts(target) == (1, 0) and counts(api.user) == (0, 1)


def test_the_recount_command_rebuilds_the_counters(api):
    from io import StringIO

    from django.core.management import call_command

    target = UserFactory()
    api.post(f"/users/{target.id}/follow/")
    UserStats.objects.filter(user=target).update(followers_count=42, following_count=7)
    out = StringIO()
    call_command("social_stats_recount", stdout=out)
    assert counts(target) == (1, 0) and counts(api.user) == (0, 1)
    assert "counters recounted (2 users)" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_concurrent_follows_and_unfollows_keep_counters_exact():
    """Many clients follow and unfollow one user in parallel threads (each with its own DB connection)."""
    star = UserFactory()
    fans = [UserFactory() for _ in range(12)]
    clients = [client_for(fan) for fan in fans]
    barrier = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def hammer(client):
        try:
            barrier.wait()
            for _ in range(3):
                client.post(f"/users/{star.id}/follow/")
                client.post(f"/users/{star.id}/follow/")
                client.delete(f"/users/{star.id}/follow/")
            client.post(f"/users/{star.id}/follow/")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hammer, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Follow.objects.filter(followee=star).count() == len(fans)
    assert counts(star) == (len(fans), 0)
    assert all(counts(fan) == (0, 1) for fan in fans)


@pytest.mark.django_db(transaction=True)
def test_concurrent_mutual_follows_do_not_deadlock():
    users = [UserFactory() for _ in range(6)]
    clients = [client_for(user) for user in users]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def follow_everyone(client):
        barrier.wait()
        for other in users:
            if other.id != client.user.id:
                statuses.append(client.post(f"/users/{other.id}/follow/").status)
        connection.close()

    threads = [threading.Thread(target=follow_everyone, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses) == {200}
    assert all(counts(user) == (5, 5) for user in users)


def test_block_during_follow_keeps_graph_consistent(api):
    other = UserFactory()
    Block.objects.create(blocker=other, blocked=api.user)
    assert api.post(f"/users/{other.id}/follow/").status == 404
    assert not Follow.objects.exists()
