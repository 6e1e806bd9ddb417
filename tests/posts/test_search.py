import pytest

from tests.factories import BlockFactory, UserFactory
from tests.posts.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_people_search_is_typo_tolerant_and_ranked(api):
    ana = UserFactory(handle="ana_kapanadze", name="Ana Kapanadze")
    UserFactory(handle="anastasia", name="Anastasia Volkova")
    UserFactory(handle="giorgi", name="Giorgi Beridze")
    results = api.get("/search/users/", q="kapanadz").json()["results"]
    assert results[0]["id"] == ana.id
    assert "giorgi" not in {r["handle"] for r in results}
    assert api.get("/search/users/", q="Beridze").json()["results"][0]["handle"] == "giorgi"


def test_people_search_hides_blocked_people_and_pages(api):
    # The viewer's random name could itself resemble "nino" (say "Nina Moreno"): fixed, so only the Ninos match.
    type(api.user).objects.filter(id=api.user.id).update(name="Zurab Kvaratskhelia")
    blocker = UserFactory(handle="nino_blocker", name="Nino")
    BlockFactory(blocker=blocker, blocked=api.user)
    for n in range(5):
        UserFactory(handle=f"nino_{n}", name=f"Nino {n}")
    first = api.get("/search/users/", q="nino", limit=3).json()
    rest = api.get("/search/users/", q="nino", limit=3, cursor=first["next"]).json()
    handles = [r["handle"] for r in first["results"] + rest["results"]]
    assert "nino_blocker" not in handles
    assert sorted(handles) == [f"nino_{n}" for n in range(5)]


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
