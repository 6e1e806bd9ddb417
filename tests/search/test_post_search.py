"""GET /search/posts/: full-text search over the posts the viewer may see."""

import pytest

from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_post_search_full_text_with_stemming(api):
    english = PostFactory(text="Our cats were playing in the garden", language="en")
    russian = PostFactory(text="Моя кошка спит на диване", language="ru")
    georgian = PostFactory(text="თბილისი ძალიან ლამაზია", language="ka")
    PostFactory(text="Nothing to see here", language="en")
    assert [p["id"] for p in api.get("/search/posts/", q="cat").json()["results"]] == [english.id]
    assert [
        p["id"] for p in api.get("/search/posts/", q="кошки", headers={"Accept-Language": "ru"}).json()["results"]
    ] == [russian.id]
    assert [p["id"] for p in api.get("/search/posts/", q="თბილისი").json()["results"]] == [georgian.id]


def test_post_search_ranks_and_pages(api):
    best = PostFactory(text="selflink selflink selflink rewards")
    posts = [PostFactory(text=f"selflink note {n}") for n in range(4)]
    first = api.get("/search/posts/", q="selflink", limit=2).json()
    rest = api.get("/search/posts/", q="selflink", limit=10, cursor=first["next"]).json()
    seen = [p["id"] for p in first["results"] + rest["results"]]
    assert seen[0] == best.id
    assert sorted(seen) == sorted([best.id, *(p.id for p in posts)])


@pytest.mark.parametrize("q", ["", "x" * 201])
def test_search_query_bounds(api, q):
    assert api.get("/search/posts/", q=q).status == 422


def test_post_search_query_too_short(api):
    response = api.get("/search/posts/", q="a")
    assert response.status == 422 and response.json()["code"] == "query_too_short"


def test_search_requires_auth(anon):
    assert anon.get("/search/users/", q="ana").status == 401
