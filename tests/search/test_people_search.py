"""GET /search/users/: a bare array of people (what the mobile app maps over), paged by `limit` and a Link header."""

import re

import pytest

from modules.accounts.models import ACCOUNT_KEY_PATTERN
from modules.social.public import follow_create
from tests.factories import BlockFactory, UserFactory

pytestmark = pytest.mark.django_db


def _next_url(response) -> str | None:
    match = re.match(r'<([^>]+)>; rel="next"', response.headers.get("Link", ""))
    return match.group(1) if match else None


def test_people_search_is_typo_tolerant_and_ranked(api):
    ana = UserFactory(handle="ana_kapanadze", name="Ana Kapanadze")
    UserFactory(handle="anastasia", name="Anastasia Volkova")
    UserFactory(handle="giorgi", name="Giorgi Beridze")
    results = api.get("/search/users/", q="kapanadz").json()
    assert results[0]["id"] == ana.id
    assert "giorgi" not in {r["handle"] for r in results}
    assert api.get("/search/users/", q="Beridze").json()[0]["handle"] == "giorgi"


def test_results_are_a_bare_array_with_what_the_app_reads(api):
    ana = UserFactory(handle="ana_kapanadze", name="Ana Kapanadze", bio="Plants.")
    follow_create(follower_id=api.user.id, followee_id=ana.id)
    follow_create(follower_id=UserFactory().id, followee_id=ana.id)
    follow_create(follower_id=ana.id, followee_id=UserFactory().id)
    response = api.get("/search/users/", q="ana_kapanadze", limit=10)
    assert response.status == 200
    body = response.json()
    assert isinstance(body, list)
    found = next(item for item in body if item["id"] == ana.id)
    assert found == {
        "id": ana.id,
        "handle": "ana_kapanadze",
        "username": "ana_kapanadze",
        "name": "Ana Kapanadze",
        "photo": None,
        "bio": "Plants.",
        "account_key": ana.account_key,
        "is_following": True,
        "flags": {"following": True},
        "followers_count": 2,
        "following_count": 1,
    }
    assert re.match(ACCOUNT_KEY_PATTERN, found["account_key"])


def test_people_search_hides_blocked_people_and_pages_by_link_header(api):
    # The viewer's random name could itself resemble "nino" (say "Nina Moreno"): fixed, so only the Ninos match.
    type(api.user).objects.filter(id=api.user.id).update(name="Zurab Kvaratskhelia")
    blocker = UserFactory(handle="nino_blocker", name="Nino")
    BlockFactory(blocker=blocker, blocked=api.user)
    for n in range(5):
        UserFactory(handle=f"nino_{n}", name=f"Nino {n}")
    first = api.get("/search/users/", q="nino", limit=3)
    next_url = _next_url(first)
    assert next_url and next_url.startswith("http://testserver/api/v1/search/users/?")
    rest = api.get(next_url.removeprefix("http://testserver"))
    assert _next_url(rest) is None
    handles = [r["handle"] for r in first.json() + rest.json()]
    assert "nino_blocker" not in handles
    assert sorted(handles) == [f"nino_{n}" for n in range(5)]


def test_limit_bounds_the_array(api):
    for n in range(4):
        UserFactory(handle=f"tamar_{n}", name=f"Tamar {n}")
    assert len(api.get("/search/users/", q="tamar", limit=2).json()) == 2
    assert len(api.get("/search/users/", q="tamar").json()) == 4  # default 20
    assert "Link" not in api.get("/search/users/", q="tamar").headers


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "x" * 201}, {"q": "ana", "limit": 0}, {"q": "ana", "limit": 51}])
def test_bounds(api, params):
    assert api.get("/search/users/", **params).status == 422


def test_a_bad_cursor_is_400(api):
    assert api.get("/search/users/", q="ana", cursor="garbage").status == 400


def test_search_requires_auth(anon):
    assert anon.get("/search/users/", q="ana").status == 401
