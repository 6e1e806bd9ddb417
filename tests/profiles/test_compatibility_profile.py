import pytest

from tests.factories import CompatibilityProfileFactory

pytestmark = pytest.mark.django_db


def test_defaults_when_empty(api):
    assert api.get("/profile/me/").json() == {
        "gender": None,
        "orientation": None,
        "relationship_goal": None,
        "values": [],
        "preferred_lifestyle": [],
        "attachment_style": None,
        "love_language": [],
    }


def test_patch_and_read_back(api):
    body = api.patch(
        "/profile/me/", {"gender": "woman", "values": ["family", "growth"], "love_language": ["quality_time"]}
    ).json()
    assert body["gender"] == "woman" and body["values"] == ["family", "growth"]
    body = api.patch("/profile/me/", {"attachment_style": "secure", "gender": None}).json()
    assert body["gender"] is None and body["attachment_style"] == "secure" and body["values"] == ["family", "growth"]


def test_each_user_sees_only_their_own(api, make_client):
    CompatibilityProfileFactory(user=api.user, gender="man")
    other = make_client(CompatibilityProfileFactory().user)
    assert other.get("/profile/me/").json()["gender"] == "woman"
    assert api.get("/profile/me/").json()["gender"] == "man"


@pytest.mark.parametrize(
    "patch",
    [
        {"gender": "robot"},
        {"values": ["money"]},
        {"values": ["family", "family"]},
        {"values": ["family"] * 11},
        {"love_language": "quality_time"},
        {
            "preferred_lifestyle": [
                "active",
                "quiet",
                "urban",
                "rural",
                "social",
                "foodie",
                "fitness",
                "artistic",
                "traveler",
            ]
        },
    ],
)
def test_unknown_or_oversized_values_are_rejected(api, patch):
    response = api.patch("/profile/me/", patch)
    assert response.status == 422, response
    assert {key.split(".")[0] for key in response.json()["errors"]} & set(patch)


def test_options_list_the_vocabulary(anon):
    body = anon.get("/profile/options/").json()
    assert "family" in body["values"] and body["max_values"] == 10
    assert "secure" in body["attachment_styles"]
