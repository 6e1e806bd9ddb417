"""Feeds: rows 25–28 of the mobile-app contract. The app loads the first page from the feed's path and every
further page by GETting the previous page's `next` as it is (`src/api/social.ts` `fetchFeed`,
`src/api/videoFeed.ts`), keeping items it has not shown yet (`feedStore.loadMore`: by `type:id`; the reels drop
items without `post.video`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.contract.app import App

pytestmark = pytest.mark.integration

POSTS = 45  # three pages of the default 20


def user(app: App):
    from modules.accounts.models import User

    return User.objects.get(id=app.id)


def make_posts(authors: list[App], count: int, *, video: bool = False) -> list[int]:
    """Posts written directly (the feeds are the rows here), a minute apart, newest first in the returned list;
    video posts carry a video asset as an upload would."""
    from tests.media.factories import MediaAssetFactory
    from tests.posts.factories import PostFactory, PostMediaFactory

    now = timezone.now()
    owners = [user(a) for a in authors]
    ids = []
    for n in range(count):
        owner = owners[n % len(owners)]
        post = PostFactory(
            author=owner, text=f"post {n}", created_at=now - dt.timedelta(minutes=n + 1), has_video=video
        )
        if video:
            PostMediaFactory(post=post, asset=MediaAssetFactory(owner=owner, video=True), position=0)
            post.media_count = 1
            post.save(update_fields=["media_count"])
        ids.append(post.id)
    return ids


def read_feed(app: App, path: str) -> tuple[list[dict], int]:
    """What the feed store holds after the first load and every `loadMore`; and how many pages it took."""
    response = app.get(path)
    assert response.status_code == 200, response.text
    data = response.json()
    items, pages = list(data["items"]), 1
    while data["next"]:
        assert data["next"].startswith(app.server_url + "/api/v1/feed/")  # a URL the app can GET
        response = app.get(data["next"])
        assert response.status_code == 200, response.text
        data = response.json()
        keys = {f"{i['type']}:{i['id']}" for i in items}
        items += [i for i in data["items"] if f"{i['type']}:{i['id']}" not in keys]
        pages += 1
        assert pages < 50
    return items, pages


def assert_post_items(items: list[dict]) -> None:
    """toFeedItem: `type: "post"`, an `id`, and the post under `post` as FeedPostCard reads it."""
    for item in items:
        assert item["type"] == "post" and item["id"] == item["post"]["id"]
        post = item["post"]
        assert {"text", "like_count", "comment_count", "liked", "created_at", "images", "video"} <= set(post)
        assert {"id", "name", "handle", "photo", "is_following", "flags"} <= set(post["author"])


def test_row_25_for_you_pages_through_every_post_by_next(sign_up):
    viewer, friend, stranger = sign_up(), sign_up(), sign_up()
    assert viewer.post(f"/users/{friend.id}/follow/", {}).status_code == 200
    expected = make_posts([friend, stranger], POSTS)
    items, pages = read_feed(viewer, "/feed/for_you/")
    assert sorted(i["id"] for i in items) == sorted(expected) and pages == 3
    assert_post_items(items)
    following = {i["post"]["author"]["id"]: i["post"]["author"]["is_following"] for i in items}
    assert following == {friend.id: True, stranger.id: False}
    assert all(i["post"]["author"]["flags"]["following"] is following[i["post"]["author"]["id"]] for i in items)


def test_row_25_page_size_keeps_riding_in_next(sign_up):
    viewer, author = sign_up(), sign_up()
    expected = make_posts([author], 7)
    items, pages = read_feed(viewer, "/feed/for_you/?page_size=3")
    assert sorted(i["id"] for i in items) == sorted(expected) and pages == 3


def test_row_26_following_pages_through_every_post_by_next(sign_up):
    viewer, friends, stranger = sign_up(), [sign_up(), sign_up()], sign_up()
    for friend in friends:
        viewer.post(f"/users/{friend.id}/follow/", {})
    expected = make_posts(friends, POSTS)
    make_posts([stranger], 3)  # not followed: never in this feed
    items, pages = read_feed(viewer, "/feed/following/")
    assert [i["id"] for i in items] == expected and pages == 3  # newest first
    assert_post_items(items)
    assert all(i["post"]["author"]["is_following"] for i in items)


def test_row_27_for_you_videos_pages_through_every_video_by_next(sign_up):
    viewer, author = sign_up(), sign_up()
    expected = make_posts([author], POSTS, video=True)
    make_posts([author], 3)  # without video: not in the reels
    items, pages = read_feed(viewer, "/feed/for_you_videos/")
    assert sorted(i["id"] for i in items) == sorted(expected) and pages == 3
    assert_post_items(items)
    videos = [i["post"]["video"] for i in items]  # normalizeItems drops items without post.video
    assert all(v and v["url"].startswith(viewer.server_url) and v["duration"] == 12.5 for v in videos)


def test_row_28_following_videos_pages_through_every_video_by_next(sign_up):
    viewer, friend = sign_up(), sign_up()
    viewer.post(f"/users/{friend.id}/follow/", {})
    expected = make_posts([friend], POSTS, video=True)
    make_posts([friend], 3)
    items, pages = read_feed(viewer, "/feed/following_videos/")
    assert [i["id"] for i in items] == expected and pages == 3
    assert all(i["post"]["video"]["url"] for i in items)
    assert all(i["post"]["author"]["is_following"] for i in items)


def test_row_27_a_video_uploaded_by_the_app_reaches_the_reels(sign_up):
    from tests.media.videos import mp4

    viewer, author = sign_up(), sign_up()
    viewer.post(f"/users/{author.id}/follow/", {})
    created = author.post("/posts/", data={"text": "clip"}, files=[("video", ("upload.mp4", mp4(), "video/mp4"))])
    assert created.status_code == 201, created.text
    for path in ("/feed/for_you_videos/", "/feed/following_videos/"):
        items, _ = read_feed(viewer, path)
        assert [i["id"] for i in items] == [created.json()["id"]]
        assert items[0]["post"]["video"]["url"] == created.json()["video"]["url"]
