"""Private accounts: following one is a request that its owner approves or declines (issue 10, item 5).

What a pending request shows (nothing for followers) is tested with every path that can reveal a post in
tests/posts/test_private_accounts.py; here: the requests themselves, their lists, notifications, realtime events,
privacy switches, blocks, deactivation, rate limits and the database's guarantees.
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from modules.notifications.models import Notification
from modules.realtime.models import RealtimeEvent
from modules.social.models import Follow, FollowRequest, UserStats
from tests.conftest import client_for
from tests.factories import BlockFactory, FollowFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    """A signed-in client of a private account."""
    return client_for(UserFactory(privacy="private", handle="owner"))


def counts(user) -> tuple[int, int]:
    stats = UserStats.objects.filter(user=user).first()
    return (stats.followers_count, stats.following_count) if stats else (0, 0)


def notifications(user, type_: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, type=type_))


def events(type_: str) -> list[tuple[str, dict]]:
    """(topic, payload) of each stored event of this type (one row per topic)."""
    return [(e.topic, e.payload) for e in RealtimeEvent.objects.filter(type=type_).order_by("id")]


def both(client_a, client_b) -> set[str]:
    return {f"user:{client_a.user.id}", f"user:{client_b.user.id}"}


def incoming(client) -> list[int]:
    response = client.get("/users/me/follow-requests/")
    assert response.status == 200, response
    return [entry["user"]["id"] for entry in response.json()["results"]]


def sent(client) -> list[int]:
    response = client.get("/users/me/follow-requests/sent/")
    assert response.status == 200, response
    return [entry["user"]["id"] for entry in response.json()["results"]]


# --- asking ----------------------------------------------------------------------------------------------


def test_following_a_private_account_is_a_request_answered_with_202(api, owner):
    first = api.post(f"/users/{owner.user.id}/follow/")
    again = api.post(f"/users/{owner.user.id}/follow/")
    assert first.status == again.status == 202
    assert first.json() == again.json() == {"is_following": False, "is_requested": True, "followers_count": 0}
    assert FollowRequest.objects.count() == 1 and not Follow.objects.exists()
    assert counts(owner.user) == (0, 0) and counts(api.user) == (0, 0)
    # The app reads `is_following` / `flags.following`: it keeps offering "Follow" until the owner approves.
    profile = api.get(f"/users/{owner.user.id}/").json()
    assert (profile["is_following"], profile["flags"]["following"], profile["is_requested"]) == (False, False, True)
    assert owner.get(f"/users/{api.user.id}/").json()["has_requested_you"] is True


def test_the_owner_is_notified_once_and_both_hear_it_in_realtime(api, owner):
    api.post(f"/users/{owner.user.id}/follow/")
    api.post(f"/users/{owner.user.id}/follow/")
    (note,) = notifications(owner.user, "follow_request")
    assert note.actor_id == api.user.id
    listed = owner.get("/notifications/").json()["results"][0]
    assert listed["type"] == "follow_request" and listed["summary"].endswith("asked to follow you")
    assert not notifications(owner.user, "follow")
    new = events("follow_request:new")
    assert len(new) == 2 and {topic for topic, _ in new} == both(api, owner)
    by_topic = dict(new)
    assert by_topic[f"user:{owner.user.id}"]["user"]["id"] == api.user.id  # the owner sees the requester
    assert by_topic[f"user:{api.user.id}"]["user"]["id"] == owner.user.id  # the requester sees the account
    assert all(p["requester_id"] == api.user.id and p["target_id"] == owner.user.id for _, p in new)


def test_public_accounts_are_followed_at_once(api):
    public = UserFactory()
    response = api.post(f"/users/{public.id}/follow/")
    assert response.status == 200 and response.json()["is_following"] is True
    assert not FollowRequest.objects.exists()


def test_lists_of_requests_belong_to_their_owner(api, owner, make_client):
    others = [make_client(UserFactory()) for _ in range(2)]
    for client in [api, *others]:
        client.post(f"/users/{owner.user.id}/follow/")
    assert incoming(owner) == [others[1].user.id, others[0].user.id, api.user.id]  # newest first
    assert sent(api) == [owner.user.id]
    assert incoming(api) == [] and sent(owner) == []
    page = owner.get("/users/me/follow-requests/", limit=2).json()
    assert len(page["results"]) == 2 and page["next"]
    entry = page["results"][0]
    assert set(entry) == {"user", "created_at"} and entry["user"]["flags"] == {"following": False}


# --- answering -------------------------------------------------------------------------------------------


def test_approving_makes_a_follower_and_tells_the_requester(api, owner):
    api.post(f"/users/{owner.user.id}/follow/")
    RealtimeEvent.objects.all().delete()
    response = owner.post(f"/users/me/follow-requests/{api.user.id}/approve/")
    assert response.status == 200
    assert response.json() == {"user_id": api.user.id, "status": "approved", "followers_count": 1}
    assert Follow.objects.filter(follower=api.user, followee=owner.user).exists()
    assert not FollowRequest.objects.exists()
    assert counts(owner.user) == (1, 0) and counts(api.user) == (0, 1)
    (accepted,) = notifications(api.user, "follow_accept")
    assert accepted.actor_id == owner.user.id
    assert not notifications(owner.user, "follow")  # the owner approved it: no "started following you"
    resolved = events("follow_request:resolved")
    assert len(resolved) == 2 and {topic for topic, _ in resolved} == both(api, owner)
    assert all(payload["status"] == "approved" for _, payload in resolved)
    profile = api.get(f"/users/{owner.user.id}/").json()
    assert (profile["is_following"], profile["is_requested"]) == (True, False)
    # Approving again changes nothing; there is nothing to approve from someone who never asked.
    assert owner.post(f"/users/me/follow-requests/{api.user.id}/approve/").status == 200
    assert counts(owner.user) == (1, 0)
    stranger = UserFactory()
    assert owner.post(f"/users/me/follow-requests/{stranger.id}/approve/").status == 404
    assert owner.post("/users/me/follow-requests/987654/approve/").status == 404
    assert owner.post(f"/users/me/follow-requests/{owner.user.id}/approve/").status == 404


def test_declining_removes_the_request_quietly(api, owner):
    api.post(f"/users/{owner.user.id}/follow/")
    response = owner.post(f"/users/me/follow-requests/{api.user.id}/decline/")
    assert response.status == 200
    assert response.json() == {"user_id": api.user.id, "status": "declined", "followers_count": 0}
    assert not FollowRequest.objects.exists() and not Follow.objects.exists()
    assert not Notification.objects.filter(recipient=api.user).exists()  # no notification of a decline
    resolved = events("follow_request:resolved")
    assert {topic for topic, _ in resolved} == both(api, owner) and {p["status"] for _, p in resolved} == {"declined"}
    assert owner.post(f"/users/me/follow-requests/{api.user.id}/decline/").status == 200  # idempotent
    assert api.get(f"/users/{owner.user.id}/").json()["is_requested"] is False
    assert api.post(f"/users/{owner.user.id}/follow/").status == 202  # may ask again (rate-limited)


def test_someone_elses_request_cannot_be_answered(api, owner, make_client):
    api.post(f"/users/{owner.user.id}/follow/")
    intruder = make_client(UserFactory(privacy="private"))
    assert intruder.post(f"/users/me/follow-requests/{api.user.id}/approve/").status == 404
    intruder.post(f"/users/me/follow-requests/{api.user.id}/decline/")
    assert FollowRequest.objects.filter(requester=api.user, target=owner.user).exists()
    assert not Follow.objects.exists()


@pytest.mark.parametrize("how", ["cancel", "unfollow"])
def test_the_requester_withdraws_a_request(api, owner, how):
    api.post(f"/users/{owner.user.id}/follow/")
    if how == "cancel":
        response = api.delete(f"/users/me/follow-requests/sent/{owner.user.id}/")
    else:  # the app's Follow/Following toggle
        response = api.delete(f"/users/{owner.user.id}/follow/")
    assert response.status == 200
    assert response.json() == {"is_following": False, "is_requested": False, "followers_count": 0}
    assert not FollowRequest.objects.exists()
    assert incoming(owner) == [] and sent(api) == []
    resolved = events("follow_request:resolved")
    assert len(resolved) == 2 and {topic for topic, _ in resolved} == both(api, owner)
    assert {p["status"] for _, p in resolved} == {"cancelled"}
    assert api.delete(f"/users/me/follow-requests/sent/{owner.user.id}/").status == 200  # idempotent


# --- switching privacy -----------------------------------------------------------------------------------


def test_going_public_approves_every_pending_request(owner, make_client):
    requesters = [make_client(UserFactory()) for _ in range(3)]
    for client in requesters:
        client.post(f"/users/{owner.user.id}/follow/")
    response = owner.patch("/users/me/", {"settings": {"privacy": "public"}})
    assert response.status == 200 and response.json()["settings"]["privacy"] == "public"
    assert not FollowRequest.objects.exists()
    assert set(Follow.objects.filter(followee=owner.user).values_list("follower_id", flat=True)) == {
        c.user.id for c in requesters
    }
    assert counts(owner.user) == (3, 0) and all(counts(c.user) == (0, 1) for c in requesters)
    assert all(len(notifications(c.user, "follow_accept")) == 1 for c in requesters)


def test_going_private_keeps_followers(api):
    owner = client_for(UserFactory())
    api.post(f"/users/{owner.user.id}/follow/")
    owner.patch("/users/me/", {"settings": {"privacy": "private"}})
    assert Follow.objects.filter(follower=api.user, followee=owner.user).exists()
    assert api.get(f"/users/{owner.user.id}/").json()["is_following"] is True
    assert api.get(f"/users/{owner.user.id}/followers/").status == 200
    newcomer = client_for(UserFactory())
    assert newcomer.post(f"/users/{owner.user.id}/follow/").status == 202


def test_a_request_left_by_an_admin_switch_gives_way_to_the_follow(api, owner):
    api.post(f"/users/{owner.user.id}/follow/")
    owner.user.privacy = "public"
    owner.user.save(update_fields=["privacy"])  # the admin form, which does not approve
    response = api.post(f"/users/{owner.user.id}/follow/")
    assert response.status == 200 and response.json()["is_following"] is True
    assert not FollowRequest.objects.exists()
    assert owner.post(f"/users/me/follow-requests/{api.user.id}/approve/").status == 200


# --- blocks and deactivation -----------------------------------------------------------------------------


@pytest.mark.parametrize("blocker", ["owner", "requester"])
def test_a_block_ends_requests_both_ways_without_telling_anyone(api, owner, blocker):
    api.post(f"/users/{owner.user.id}/follow/")
    RealtimeEvent.objects.all().delete()
    a, b = (owner, api) if blocker == "owner" else (api, owner)
    assert a.post(f"/users/{b.user.id}/block/").status == 200
    assert not FollowRequest.objects.exists()
    assert not events("follow_request:resolved")
    assert incoming(owner) == [] and sent(api) == []


def test_blocked_either_way_cannot_ask(api, owner):
    BlockFactory(blocker=owner.user, blocked=api.user)
    assert api.post(f"/users/{owner.user.id}/follow/").status == 404  # the blocked do not see the blocker
    other = client_for(UserFactory())
    BlockFactory(blocker=other.user, blocked=owner.user)
    response = other.post(f"/users/{owner.user.id}/follow/")
    assert response.status == 403 and response.json()["code"] == "blocked"
    assert not FollowRequest.objects.exists()


def test_requests_of_deactivated_accounts_are_not_listed_nor_approvable(api, owner):
    api.post(f"/users/{owner.user.id}/follow/")
    api.user.is_active = False
    api.user.save(update_fields=["is_active"])
    assert incoming(owner) == []
    assert owner.post(f"/users/me/follow-requests/{api.user.id}/approve/").status == 404
    assert not Follow.objects.exists()
    asker = client_for(UserFactory())
    owner.user.is_active = False
    owner.user.save(update_fields=["is_active"])
    assert asker.post(f"/users/{owner.user.id}/follow/").status == 404


# --- rate limits -----------------------------------------------------------------------------------------


def test_asking_the_same_account_again_and_again_is_limited(api, owner):
    for _ in range(3):  # FOLLOW_REQUESTS_PER_PAIR: 3 a day
        assert api.post(f"/users/{owner.user.id}/follow/").status == 202
        assert api.post(f"/users/{owner.user.id}/follow/").status == 202  # a repeat is not a new request
        owner.post(f"/users/me/follow-requests/{api.user.id}/decline/")
    response = api.post(f"/users/{owner.user.id}/follow/")
    assert response.status == 429 and response.json()["code"] == "follow_requests_limited"
    assert int(response.headers["Retry-After"]) >= 1
    assert not FollowRequest.objects.exists()
    assert len(notifications(owner.user, "follow_request")) == 1  # and the owner was not flooded


def test_requests_per_person_are_limited(api, settings):

    settings.RATE_FOLLOW_REQUESTS_PER_USER = type(settings.RATE_FOLLOW_REQUESTS_PER_USER)(count=2, seconds=3600)
    accounts = [UserFactory(privacy="private") for _ in range(3)]
    assert [api.post(f"/users/{a.id}/follow/").status for a in accounts] == [202, 202, 429]
    assert api.post(f"/users/{UserFactory().id}/follow/").status == 200  # following public accounts is not limited
    assert FollowRequest.objects.count() == 2


# --- what the database guarantees ------------------------------------------------------------------------


def test_one_request_per_pair_never_to_oneself_and_never_beside_a_follow():
    a, b = UserFactory(), UserFactory(privacy="private")
    FollowRequest.objects.create(requester=a, target=b)
    for make in (
        lambda: FollowRequest.objects.create(requester=a, target=b),
        lambda: FollowRequest.objects.create(requester=a, target=a),
        lambda: Follow.objects.create(follower=a, followee=b),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            make()
    FollowRequest.objects.all().delete()
    Follow.objects.create(follower=a, followee=b)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowRequest.objects.create(requester=a, target=b)
    FollowRequest.objects.create(requester=b, target=a)  # the other direction is another pair


@pytest.mark.django_db(transaction=True)
def test_requests_racing_a_switch_to_public_all_end_as_follows():
    """Requesters ask while the owner makes the account public: whichever comes first, every one of them ends up
    following, no request is left behind and the counters are exact."""
    owner = client_for(UserFactory(privacy="private"))
    requesters = [client_for(UserFactory()) for _ in range(8)]
    barrier = threading.Barrier(len(requesters) + 1)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(action):
        try:
            barrier.wait()
            statuses.append(action())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    actions = [lambda c=c: c.post(f"/users/{owner.user.id}/follow/").status for c in requesters]
    actions.append(lambda: owner.patch("/users/me/", {"settings": {"privacy": "public"}}).status)
    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and set(statuses) <= {200, 202}
    assert not FollowRequest.objects.exists()
    assert Follow.objects.filter(followee=owner.user).count() == len(requesters)
    assert counts(owner.user) == (len(requesters), 0)
    assert all(counts(c.user) == (0, 1) for c in requesters)


def test_the_profile_of_a_private_account_shows_counts_but_not_connections(api, owner):
    FollowFactory(follower=UserFactory(), followee=owner.user)
    UserStats.objects.create(user=owner.user, followers_count=1, following_count=0, posts_count=4)
    profile = api.get(f"/users/{owner.user.id}/").json()
    assert profile["privacy"] == "private"
    assert (profile["followers_count"], profile["posts_count"]) == (1, 4)
    for path in ("followers", "following"):
        response = api.get(f"/users/{owner.user.id}/{path}/")
        assert response.status == 403 and response.json()["code"] == "private_account"
