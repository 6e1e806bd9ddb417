import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from modules.posts.models import FeedSession
from tests.conftest import client_for
from tests.factories import FollowFactory, MuteFactory, UserFactory
from tests.posts.factories import CommentFactory, PostFactory, PostLikeFactory

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_following_is_newest_first_and_stable_while_posts_arrive(api):
    friend = UserFactory()
    FollowFactory(follower=api.user, followee=friend)
    now = timezone.now()
    posts = [PostFactory(author=friend, created_at=now - dt.timedelta(minutes=n)) for n in range(6)]
    own = PostFactory(author=api.user, created_at=now - dt.timedelta(minutes=30))
    PostFactory()  # a stranger's post never appears here
    first = api.get("/feed/following/", limit=3)
    assert ids(first) == [p.id for p in posts[:3]]
    PostFactory(author=friend)  # arrives while the client pages
    second = api.get("/feed/following/", limit=10, cursor=first.json()["next"])
    assert ids(second) == [p.id for p in posts[3:]] + [own.id]
    item = first.json()["items"][0]
    assert item["type"] == "post" and item["post"]["id"] == item["id"]
    assert item["why"]["score"] is None and item["why"]["summary"] == "you follow the author"


def test_for_you_ranks_by_the_published_formula_and_explains_each_item(api):
    friend, stranger = UserFactory(handle="friend"), UserFactory(handle="stranger")
    FollowFactory(follower=api.user, followee=friend)
    now = timezone.now()
    old_followed = PostFactory(author=friend, created_at=now - dt.timedelta(hours=30))
    fresh_stranger = PostFactory(author=stranger, created_at=now - dt.timedelta(minutes=5))
    popular = PostFactory(author=stranger, created_at=now - dt.timedelta(hours=10))
    for _ in range(20):
        PostLikeFactory(post=popular)
    for _ in range(5):
        CommentFactory(post=popular)
    body = api.get("/feed/for_you/").json()
    order = [item["id"] for item in body["items"]]
    scores = [item["why"]["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert set(order) == {old_followed.id, fresh_stranger.id, popular.id}
    why = {item["id"]: item["why"] for item in body["items"]}
    signals = {s["signal"]: s for s in why[popular.id]["signals"]}
    assert signals["likes"]["label"] == "20 likes in the last day"
    assert signals["comments"]["label"] == "5 comments in the last day"
    assert signals["follow"]["value"] == 0 and "don't follow @stranger" in signals["follow"]["label"]
    assert signals["recency"]["label"] == "posted 10 h ago"
    assert abs(sum(s["contribution"] for s in signals.values()) - why[popular.id]["score"]) < 1e-3
    followed = {s["signal"]: s for s in why[old_followed.id]["signals"]}
    assert followed["follow"] == {
        "signal": "follow",
        "label": "you follow @friend",
        "value": 1.0,
        "weight": 0.45,
        "contribution": 0.45,
    }


def test_for_you_pages_are_stable_while_new_posts_arrive(api):
    for _ in range(7):
        PostFactory()
    first = api.get("/feed/for_you/", limit=4).json()
    PostFactory()  # would rank first in a new feed
    rest = api.get("/feed/for_you/", limit=4, cursor=first["next"]).json()
    seen = [i["id"] for i in first["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == 7
    assert rest["next"] is None
    assert FeedSession.objects.filter(viewer=api.user).count() == 1


def test_for_you_excludes_own_muted_and_old_posts(api):
    muted = UserFactory()
    MuteFactory(muter=api.user, muted=muted)
    PostFactory(author=api.user)
    muted_post = PostFactory(author=muted)
    PostFactory(created_at=timezone.now() - dt.timedelta(days=20))
    visible = PostFactory()
    assert ids(api.get("/feed/for_you/")) == [visible.id]
    assert api.get(f"/posts/{muted_post.id}/").status == 200  # muted: out of feeds, still reachable


def test_muted_people_leave_the_following_feed(api):
    friend = UserFactory()
    FollowFactory(follower=api.user, followee=friend)
    MuteFactory(muter=api.user, muted=friend)
    PostFactory(author=friend)
    assert ids(api.get("/feed/following/")) == []


def test_video_feeds_only_hold_video_posts(api):
    friend = UserFactory()
    FollowFactory(follower=api.user, followee=friend)
    video = PostFactory(author=friend, has_video=True, media_count=0)
    PostFactory(author=friend)
    assert ids(api.get("/feed/following_videos/")) == [video.id]
    assert ids(api.get("/feed/for_you_videos/")) == [video.id]
    weights = {s["signal"]: s["weight"] for s in api.get("/feed/for_you_videos/").json()["items"][0]["why"]["signals"]}
    assert weights["video"] == 0.15


def test_home_is_the_network_newest_first(api):
    friend = UserFactory()
    FollowFactory(follower=api.user, followee=friend)
    post = PostFactory(author=friend)
    assert ids(api.get("/feed/home/")) == [post.id]


def test_expired_or_foreign_sessions_are_refused(api, make_client):
    PostFactory()
    PostFactory()
    first = api.get("/feed/for_you/", limit=1).json()
    assert first["next"]
    other = make_client(UserFactory())
    assert other.get("/feed/for_you/", cursor=first["next"]).json()["code"] == "cursor_expired"
    FeedSession.objects.update(created_at=timezone.now() - dt.timedelta(hours=7))
    response = api.get("/feed/for_you/", cursor=first["next"])
    assert response.status == 400 and response.json()["code"] == "cursor_expired"
    assert api.get("/feed/for_you/", cursor="nonsense").json()["code"] == "invalid_cursor"


def test_rules_are_published(anon):
    rules = anon.get("/feed/rules/").json()
    assert rules["version"] == 1
    assert rules["feeds"]["for_you"]["weights"] == {
        "recency": 0.55,
        "likes": 0.25,
        "comments": 0.35,
        "follow": 0.45,
        "video": 0.05,
        "base": 0.05,
    }
    assert "likes" in rules["signals"] and rules["feeds"]["following"]["kind"] == "chronological"


def test_feed_sessions_are_purged():
    from modules.posts.feeds import feed_sessions_purge
    from tests.posts.factories import FeedSessionFactory

    FeedSessionFactory(created_at=timezone.now() - dt.timedelta(hours=7))
    fresh = FeedSessionFactory()
    assert feed_sessions_purge() == 1
    assert list(FeedSession.objects.values_list("id", flat=True)) == [fresh.id]


# --- paging as the mobile app does it: GET the `next` URL itself (contract rows 25–28) -------------------------


def follow_next(api, path: str) -> list[dict]:
    """Every page of a feed, by GETting each page's `next` (an absolute URL) as it is."""
    from urllib.parse import urlsplit

    items: list[dict] = []
    url = path
    for _ in range(50):
        response = api.get(url)
        assert response.status == 200, response
        body = response.json()
        items += body["items"]
        if body["next"] is None:
            return items
        assert body["next"].startswith("http://testserver/api/v1/feed/") and "cursor=" in body["next"]
        parts = urlsplit(body["next"])
        url = f"{parts.path}?{parts.query}"
    raise AssertionError("the feed never ended")


@pytest.mark.parametrize("feed", ["for_you", "following", "for_you_videos", "following_videos"])
def test_following_next_pages_through_the_whole_feed(api, feed):
    friends = [UserFactory() for _ in range(3)]
    for friend in friends:
        FollowFactory(follower=api.user, followee=friend)
    now = timezone.now()
    video = feed.endswith("videos")
    posts = [
        PostFactory(author=friends[n % 3], created_at=now - dt.timedelta(minutes=n), has_video=video, media_count=0)
        for n in range(45)
    ]
    items = follow_next(api, f"/feed/{feed}/")
    assert sorted(item["id"] for item in items) == sorted(p.id for p in posts)
    assert all(item["type"] == "post" and item["post"]["id"] == item["id"] for item in items)
    assert all(item["post"]["author"]["is_following"] is True for item in items)


def test_page_size_rides_along_in_next(api):
    for _ in range(5):
        PostFactory()
    first = api.get("/feed/for_you/", page_size=2).json()
    assert len(first["items"]) == 2 and "page_size=2" in first["next"]
    assert len(follow_next(api, "/feed/for_you/?page_size=2")) == 5


def test_a_ranked_page_is_filled_past_posts_gone_since_the_refresh(api):
    posts = [PostFactory() for _ in range(9)]
    first = api.get("/feed/for_you/", limit=3).json()
    shown = {item["id"] for item in first["items"]}
    rest = [p for p in posts if p.id not in shown]
    for post in rest[:4]:  # the whole next window and one more disappear
        post.delete()
    second = api.get("/feed/for_you/", limit=3, cursor=first["next"]).json()
    assert {item["id"] for item in second["items"]} == {p.id for p in rest[4:]} and second["next"] is None


def test_feed_authors_carry_the_viewers_follow_state(api):
    friend, stranger = UserFactory(), UserFactory()
    FollowFactory(follower=api.user, followee=friend)
    mine, theirs, other = PostFactory(author=api.user), PostFactory(author=friend), PostFactory(author=stranger)
    state = {i["id"]: i["post"]["author"]["flags"]["following"] for i in api.get("/feed/for_you/").json()["items"]}
    assert state == {theirs.id: True, other.id: False}
    state = {i["id"]: i["post"]["author"]["is_following"] for i in api.get("/feed/following/").json()["items"]}
    assert state == {theirs.id: True, mine.id: False}


# --- refreshes are cheap (issue 10, Low: "each ranked-feed refresh writes a session row, unthrottled") --------

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_refresh_soon_after_the_last_one_serves_the_same_snapshot(db):
    with time_machine.travel(T0, tick=False):
        api = client_for(UserFactory())  # a token issued at T0
        early = [PostFactory(created_at=T0 - dt.timedelta(minutes=n)) for n in range(1, 4)]
        first = api.get("/feed/for_you/", limit=2)
    with time_machine.travel(T0 + dt.timedelta(seconds=29), tick=False):
        late = PostFactory()
        for _ in range(20):  # a burst of pull-to-refresh, or a script looping on the first page
            again = api.get("/feed/for_you/", limit=2)
            assert again.status == 200 and ids(again) == ids(first)
        assert FeedSession.objects.filter(viewer=api.user).count() == 1
        rest = api.get("/feed/for_you/", limit=10, cursor=first.json()["next"])  # the first cursor still pages
        assert set(ids(first) + ids(rest)) == {p.id for p in early}
    with time_machine.travel(T0 + dt.timedelta(seconds=31), tick=False):
        fresh = api.get("/feed/for_you/", limit=10)
        assert late.id in ids(fresh)
        assert FeedSession.objects.filter(viewer=api.user).count() == 2
    # Each viewer and each feed has its own snapshot.
    with time_machine.travel(T0 + dt.timedelta(seconds=32), tick=False):
        api.get("/feed/for_you_videos/")
        client_for(UserFactory()).get("/feed/for_you/")
        assert FeedSession.objects.count() == 4


def test_a_reused_snapshot_leaves_out_people_muted_since(db):
    author = UserFactory()
    with time_machine.travel(T0, tick=False):
        api = client_for(UserFactory())
        post = PostFactory(author=author, created_at=T0 - dt.timedelta(minutes=1))
        assert ids(api.get("/feed/for_you/")) == [post.id]
        api.post(f"/users/{author.id}/mute/")
        assert ids(api.get("/feed/for_you/")) == []
        assert FeedSession.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_viewer_store_one_snapshot():
    viewer = client_for(UserFactory())
    PostFactory()
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def refresh():
        barrier.wait()
        statuses.append(viewer.get("/feed/for_you/").status)
        connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 6
    assert FeedSession.objects.count() == 1
