"""What publishing a post and reading the feeds cost in statements, pinned (issue 12: CPU and round trips per
request). Counted the way scripts/profile_requests.py counts them: every statement, no BEGIN/COMMIT."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import FollowFactory, UserFactory
from tests.posts.factories import PostFactory, PostLikeFactory

pytestmark = pytest.mark.django_db


def counted(call) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [q["sql"] for q in captured.captured_queries if q["sql"] not in {"BEGIN", "COMMIT"}]


def test_a_text_post_is_published_in_8_statements(api):
    """The session check, the rate limit, the insert, the author's post count; the answer: the post, its author,
    its media and the author's like (before: 12, with the author's account read for media that were not there and
    the visibility rules read for a post its own author always sees). Inside the test's transaction the service's
    atomic block is a savepoint: 2 more statements here than in production."""
    response, statements = counted(lambda: api.post("/posts/", {"text": "hello there"}))
    assert response.status == 201, response
    assert response.json()["text"] == "hello there" and response.json()["author"]["id"] == api.user.id
    assert len(statements) == 8 + 2, "\n".join(statements)


@pytest.fixture
def network(api):
    now = timezone.now()
    for n in range(5):
        friend = UserFactory()
        FollowFactory(follower=api.user, followee=friend)
        for minutes in range(3):
            post = PostFactory(author=friend, created_at=now - dt.timedelta(minutes=10 * n + minutes))
        PostLikeFactory(post=post)
    for _ in range(5):
        PostFactory(created_at=now - dt.timedelta(hours=1))  # strangers' public posts: candidates of for_you


def test_the_following_feed_reads_in_7_statements(api, network):
    """The session check, whom the viewer follows, is blocked with and muted (one statement), the deactivated
    accounts, the page of posts, their authors, media and the viewer's likes (9 before: the three sets were three
    statements)."""
    response, statements = counted(lambda: api.get("/feed/following/"))
    assert response.status == 200 and len(response.json()["items"]) == 15
    assert len(statements) <= 7, "\n".join(statements)


def test_a_ranked_refresh_ranks_and_stores_in_one_statement(api, network):
    """The session check, the audience (2: the viewer's graph, the deactivated accounts), the refresh lock and the
    reuse check, the statement that ranks and stores the refresh, then the page: its posts, their authors, media
    and the viewer's likes: 10 (13 before, which ranked in Python and read the graph in 3), plus the savepoint of
    the refresh's transaction in a test."""
    response, statements = counted(lambda: api.get("/feed/for_you/"))
    assert response.status == 200 and len(response.json()["items"]) == 20
    assert len(statements) <= 10 + 2, "\n".join(statements)
    assert sum("INSERT INTO posts_feedsession" in sql for sql in statements) == 1
