"""What the mobile app sends to and reads from the people endpoints: PATCH /users/me/ as Edit Profile sends it
(name, bio, BCP 47 `locale`, `birth_place`), `account_key`, and follow state as `flags.following`."""

import re
from decimal import Decimal

import pytest

from modules.accounts.models import ACCOUNT_KEY_PATTERN, User
from modules.profiles.models import PersonalProfile
from modules.social.public import follow_create
from tests.factories import PersonalProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_edit_profile_body_is_saved_and_read_back(api):
    body = {"name": "Nino Beridze", "bio": "Tea and maps.", "locale": "ka-GE", "birth_place": "Kutaisi, Georgia"}
    response = api.patch("/users/me/", body)
    assert response.status == 200, response
    me = response.json()
    assert (me["name"], me["bio"], me["locale"], me["birth_place"]) == tuple(body.values())
    assert me["settings"]["language"] == "ka"
    assert api.get("/users/me/").json()["birth_place"] == "Kutaisi, Georgia"
    personal = api.get("/me/profile/").json()
    assert (personal["birth_place_city"], personal["birth_place_country"]) == ("Kutaisi", "Georgia")


@pytest.mark.parametrize(
    ("locale", "stored", "language"),
    [
        ("en-US", "en-US", "en"),
        ("ru-RU", "ru-RU", "ru"),
        ("ka-GE", "ka-GE", "ka"),
        ("en-GB", "en-GB", "en"),
        ("ru", "ru", "ru"),
        ("ka_ge", "ka-GE", "ka"),
        ("zh-Hant-TW", "zh-Hant-TW", "ka"),  # not served: the answer language stays what it was
        ("de-DE", "de-DE", "ka"),
    ],
)
def test_any_device_locale_is_accepted_and_maps_onto_a_served_language(api, locale, stored, language):
    User.objects.filter(id=api.user.id).update(language="ka")
    response = api.patch("/users/me/", {"locale": locale})
    assert response.status == 200, response
    assert response.json()["locale"] == stored
    assert response.json()["settings"]["language"] == language


def test_an_explicit_settings_language_wins_over_the_locale(api):
    body = api.patch("/users/me/", {"locale": "ru-RU", "settings": {"language": "en"}}).json()
    assert (body["locale"], body["settings"]["language"]) == ("ru-RU", "en")


def test_others_see_the_locale_tag(api, make_client):
    api.patch("/users/me/", {"locale": "ka-GE"})
    other = make_client(UserFactory())
    assert other.get(f"/users/{api.user.id}/").json()["locale"] == "ka-GE"


def test_birth_place_sent_back_unchanged_keeps_the_coordinates(api):
    PersonalProfileFactory(
        user=api.user,
        birth_city="Tbilisi",
        birth_country="Georgia",
        birth_lat=Decimal("41.7"),
        birth_lon=Decimal("44.8"),
    )
    shown = api.get("/users/me/").json()["birth_place"]
    assert shown == "Tbilisi, Georgia"
    api.patch("/users/me/", {"name": "Ana", "birth_place": shown})
    profile = PersonalProfile.objects.get(user=api.user)
    assert profile.birth_lat == Decimal("41.7") and profile.birth_timezone == "Asia/Tbilisi"


def test_a_new_birth_place_replaces_city_and_country_and_clears_the_old_coordinates(api):
    PersonalProfileFactory(user=api.user, birth_lat=Decimal("41.7"), birth_lon=Decimal("44.8"))
    body = api.patch("/users/me/", {"birth_place": "  Washington,  D.C., United States "}).json()
    assert body["birth_place"] == "Washington, D.C., United States"
    profile = PersonalProfile.objects.get(user=api.user)
    assert (profile.birth_city, profile.birth_country) == ("Washington, D.C.", "United States")
    assert profile.birth_lat is None and profile.birth_lon is None and profile.birth_timezone == ""
    assert api.get("/me/profile/").json()["is_complete"] is True


def test_a_birth_place_without_a_comma_is_a_city_in_no_stated_country(api):
    PersonalProfileFactory(user=api.user)
    body = api.patch("/users/me/", {"birth_place": "Batumi"}).json()
    assert body["birth_place"] == "Batumi" and body["flags"]["profile_complete"] is True
    personal = api.get("/me/profile/").json()
    assert (personal["birth_place_city"], personal["birth_place_country"]) == ("Batumi", "")


@pytest.mark.parametrize("cleared", ["", None])
def test_an_empty_birth_place_clears_it(api, cleared):
    PersonalProfileFactory(user=api.user)
    body = api.patch("/users/me/", {"birth_place": cleared}).json()
    assert body["birth_place"] is None and body["flags"]["profile_complete"] is False


def test_a_birth_place_the_map_cannot_hold_changes_nothing(api):
    response = api.patch("/users/me/", {"name": "Changed", "locale": "ru-RU", "birth_place": "x" * 130 + ", Georgia"})
    assert response.status == 422 and "birth_place" in response.json()["errors"]
    me = api.get("/users/me/").json()
    assert me["name"] != "Changed" and me["locale"] != "ru-RU"


def test_null_clears_name_and_bio(api):
    api.patch("/users/me/", {"bio": "Something"})
    body = api.patch("/users/me/", {"name": None, "bio": None}).json()
    assert body["name"] == "" and body["bio"] == ""


@pytest.mark.parametrize("field", ["photo", "birth_date", "email", "flags", "username"])
def test_fields_patch_users_me_does_not_take_are_refused_by_name(api, field):
    response = api.patch("/users/me/", {"name": "Ana", field: "x"})
    assert response.status == 422 and response.json()["code"] == "unknown_field"
    assert field in response.json()["errors"]


def test_users_carry_a_public_account_key(api, make_client):
    other = UserFactory()
    me = api.get("/users/me/").json()
    assert re.match(ACCOUNT_KEY_PATTERN, me["account_key"]) and me["account_key"] == api.user.account_key
    seen = api.get(f"/users/{other.id}/").json()
    assert seen["account_key"] == other.account_key
    assert make_client(UserFactory()).get(f"/users/{other.id}/").json()["account_key"] == other.account_key
    assert api.get("/users/me/").json()["account_key"] == me["account_key"]  # stable


def test_a_profile_has_follow_state_both_ways(api):
    other = UserFactory()
    assert api.get(f"/users/{other.id}/").json()["flags"] == {"following": False}
    api.post(f"/users/{other.id}/follow/")
    body = api.get(f"/users/{other.id}/").json()
    assert body["is_following"] is True and body["flags"] == {"following": True}


def test_directory_entries_have_follow_flags_bio_counts_and_account_key(api):
    nino = UserFactory(handle="nino_dir", name="Nino", bio="Hi.")
    follow_create(follower_id=api.user.id, followee_id=nino.id)
    (entry,) = api.get("/users/", search="nino_dir").json()["results"]
    assert entry["flags"] == {"following": True} and entry["is_following"] is True
    assert entry["bio"] == "Hi." and entry["account_key"] == nino.account_key
    assert (entry["followers_count"], entry["following_count"]) == (1, 0)
    api.delete(f"/users/{nino.id}/follow/")
    (entry,) = api.get("/users/", search="nino_dir").json()["results"]
    assert entry["flags"] == {"following": False}


def test_directory_pages_with_page_size_and_the_next_url_as_cursor(api):
    for n in range(5):
        UserFactory(handle=f"eka_{n}", name=f"Eka {n}")
    first = api.get("/users/", page_size=2, search="eka").json()
    assert first["next"].startswith("http://testserver/api/v1/users/?")
    second = api.get("/users/", page_size=2, search="eka", cursor=first["next"]).json()
    third = api.get("/users/", page_size=2, search="eka", cursor=second["next"]).json()
    handles = [u["handle"] for u in first["results"] + second["results"] + third["results"]]
    assert handles == [f"eka_{n}" for n in range(4, -1, -1)] and third["next"] is None


def test_follower_lists_have_flags_and_account_keys(api):
    star = UserFactory()
    fan = UserFactory()
    follow_create(follower_id=fan.id, followee_id=star.id)
    follow_create(follower_id=api.user.id, followee_id=fan.id)
    (card,) = api.get(f"/users/{star.id}/followers/").json()["results"]
    assert card["id"] == fan.id and card["flags"] == {"following": True} and card["account_key"] == fan.account_key


def test_recipient_id_is_my_account_key_and_needs_a_token(api, anon):
    assert api.get("/users/me/recipient-id/").json() == {"account_key": api.user.account_key}
    assert anon.get("/users/me/recipient-id/").status == 401
