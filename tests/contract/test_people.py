"""Users/profiles, social graph, people search and the avatar upload: rows 5–10, 13–16, 31 and 33 of the
mobile-app contract, replayed as the app sends them (src/api/users.ts, src/services/api/user.ts,
src/services/api/profile.ts, src/hooks/useUsersDirectory.ts, src/store/authStore.ts and the profile and
onboarding screens). Rows 11 (`/me/entitlements/`) and 12 (`/users/me/recipient-id/`) come with the wallet."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.contract.app import App
from tests.profiles.images import image_bytes

pytestmark = pytest.mark.integration

ACCOUNT_KEY = re.compile(r"^acct_[0-9a-hjkmnp-tv-z]{26}$")

# PersonalMapScreen's form, all six fields required (src/screens/onboarding/components/schema.ts); authStore
# .savePersonalMap → savePersonalMapProfile sends exactly these keys as JSON.
ONBOARDING = {
    "first_name": "Nino",
    "last_name": "Beridze",
    "birth_date": "1994-07-21",
    "birth_time": "08:15",
    "birth_place_country": "Georgia",
    "birth_place_city": "Kutaisi",
}

# ProfileEditScreen's option lists (src/screens/profile/edit/view/ProfileEditScreen.tsx).
GENDERS = ["male", "female", "non_binary", "other", "prefer_not_to_say"]
ORIENTATIONS = ["hetero", "homo", "bi", "pan", "asexual", "other", "prefer_not_to_say"]
REL_GOALS = ["casual", "long_term", "marriage", "unsure"]
ATTACHMENTS = ["secure", "anxious", "avoidant", "mixed"]
VALUES = ["growth", "freedom", "connection", "security", "adventure", "family", "career"]
LIFESTYLE = ["remote_work", "travel", "fitness", "nightlife", "early_riser", "spirituality"]
LOVE_LANG = ["words", "quality_time", "acts", "gifts", "touch"]


def fetch_profile(app: App) -> tuple[dict, dict]:
    """authStore.fetchProfile: GET /users/me/ and GET /me/profile/ together; the gate is `is_complete`."""
    me, personal = app.get("/users/me/"), app.get("/me/profile/")
    assert me.status_code == 200 and personal.status_code == 200, (me.text, personal.text)
    return me.json(), personal.json()


def onboard(app: App) -> dict:
    response = app.patch("/me/profile/", ONBOARDING)
    assert response.status_code == 200, response.text
    return response.json()


# --- row 5: GET /users/me/ ------------------------------------------------------------------------------------


def test_row_5_me_has_what_the_app_reads(sign_up):
    app = sign_up(name="Nino Beridze")
    me = app.get("/users/me/").json()
    assert isinstance(me["id"], int) and me["name"] == "Nino Beridze" and me["handle"] and me["email"]
    assert me["photo"] is None and me["bio"] == "" and me["birth_place"] is None
    assert me["locale"] == "en" and me["settings"]["language"] == "en"
    assert ACCOUNT_KEY.match(me["account_key"])


# --- row 6: PATCH /users/me/ from Edit Profile --------------------------------------------------------------


@pytest.mark.parametrize(("app_language", "locale"), [("en", "en-US"), ("ru", "ru-RU"), ("ka", "ka-GE")])
def test_row_6_edit_profile_saves_name_bio_locale_and_birth_place(sign_up, app_language, locale):
    app = sign_up()
    onboard(app)
    # The screen pre-fills birth place from currentUser.birth_place and always sends the canonical locale.
    birth_place = app.get("/users/me/").json()["birth_place"]
    assert birth_place == "Kutaisi, Georgia"
    response = app.patch(
        "/users/me/", {"name": "Nino B.", "bio": "Maps and tea.", "locale": locale, "birth_place": birth_place}
    )
    assert response.status_code == 200, response.text
    updated = response.json()  # setCurrentUser(updated)
    assert (updated["name"], updated["bio"], updated["locale"]) == ("Nino B.", "Maps and tea.", locale)
    assert updated["birth_place"] == "Kutaisi, Georgia" and updated["settings"]["language"] == app_language
    _, personal = fetch_profile(app)
    assert personal["is_complete"] is True  # an unchanged birth place leaves the personal map as it was


def test_row_6_a_new_birth_place_is_stored_in_the_personal_map(sign_up):
    app = sign_up()
    onboard(app)
    response = app.patch("/users/me/", {"name": "Nino", "locale": "en-US", "birth_place": "Batumi, Georgia"})
    assert response.status_code == 200, response.text
    me, personal = fetch_profile(app)
    assert me["birth_place"] == "Batumi, Georgia"
    assert (personal["birth_place_city"], personal["birth_place_country"]) == ("Batumi", "Georgia")
    assert personal["is_complete"] is True


# --- rows 7 and 8: the personal map and the onboarding gate ---------------------------------------------------


def test_row_7_personal_map_of_a_new_user_sends_them_to_onboarding(sign_up):
    _, personal = fetch_profile(sign_up())
    assert personal["is_complete"] is False
    for field in ("first_name", "last_name", "birth_place_city", "birth_place_country"):
        assert personal[field] == ""
    assert personal["birth_date"] is None and personal["birth_time"] is None


def test_row_8_onboarding_completes_the_map_and_the_gate_stays_open(sign_up):
    app = sign_up()
    assert onboard(app)["is_complete"] is True  # savePersonalMap: hasCompletedPersonalMap = profile.is_complete
    _, personal = fetch_profile(app)  # then fetchProfile, and again at every sign-in
    assert personal["is_complete"] is True
    assert {key: personal[key] for key in ONBOARDING} == {**ONBOARDING, "birth_time": "08:15:00"}
    # ProfileScreen's rows read the city and the country.
    assert (personal["birth_place_city"], personal["birth_place_country"]) == ("Kutaisi", "Georgia")


def test_row_8_a_field_the_map_does_not_know_is_named_in_a_422(sign_up):
    app = sign_up()
    response = app.patch("/me/profile/", {**ONBOARDING, "birth_place_region": "Imereti"})
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_field" and "birth_place_region" in response.json()["errors"]


# --- rows 9 and 10: the compatibility profile on Edit Profile -------------------------------------------------


def test_row_9_a_new_profile_has_no_chips_selected(sign_up):
    settings = sign_up().get("/profile/me/").json()
    assert settings["gender"] is None and settings["values"] == [] and settings["love_language"] == []


@pytest.mark.parametrize(
    "choice",
    [  # every radio option of every group at least once
        {
            "gender": GENDERS[n % len(GENDERS)],
            "orientation": ORIENTATIONS[n % len(ORIENTATIONS)],
            "relationship_goal": REL_GOALS[n % len(REL_GOALS)],
            "attachment_style": ATTACHMENTS[n % len(ATTACHMENTS)],
        }
        for n in range(len(ORIENTATIONS))
    ],
)
def test_row_10_every_chip_the_app_offers_is_saved_and_shown_selected(sign_up, choice):
    app = sign_up()
    settings = app.get("/profile/me/").json()  # fetchProfileSettings → setProfileSettings(data)
    body = {**settings, **choice, "values": VALUES, "preferred_lifestyle": LIFESTYLE, "love_language": LOVE_LANG}
    response = app.patch("/profile/me/", {**body, "language": "ka"})  # updateProfileSettings({...,language})
    assert response.status_code == 200, response.text
    shown = app.get("/profile/me/").json()  # the next visit renders chips with `selected.includes(opt)`
    for field, value in choice.items():
        assert shown[field] == value
    assert (shown["values"], shown["preferred_lifestyle"], shown["love_language"]) == (VALUES, LIFESTYLE, LOVE_LANG)
    assert shown["language"] == "ka"


def test_row_10_the_app_language_becomes_the_language_we_answer_in(sign_up):
    app = sign_up()
    app.patch("/users/me/", {"name": "Nino", "locale": "ru-RU"})
    response = app.patch("/profile/me/", {**app.get("/profile/me/").json(), "language": "ru"})
    assert response.status_code == 200, response.text
    assert app.get("/users/me/").json()["settings"]["language"] == "ru"


# --- row 13: another user's profile ---------------------------------------------------------------------------


def test_row_13_a_profile_has_counts_follow_state_and_account_key(sign_up):
    viewer, other = sign_up(), sign_up(name="Tamar")
    viewer.post(f"/users/{other.id}/follow/", {})
    profile = viewer.get(f"/users/{other.id}/").json()  # getUserProfile → mapUser
    assert (profile["id"], profile["name"], profile["handle"]) == (other.id, "Tamar", other.user["handle"])
    assert profile["photo"] is None and profile["bio"] == ""
    assert (profile["followers_count"], profile["following_count"], profile["posts_count"]) == (1, 0, 0)
    assert profile["is_following"] is True
    assert profile["account_key"] == other.user["account_key"]  # so no fallback search is needed


def test_row_13_the_fallback_search_also_finds_the_account_key(sign_up):
    viewer, other = sign_up(), sign_up()
    matches = viewer.get("/search/users/", q=other.user["handle"], limit=10).json()
    match = next(m for m in matches if int(m["id"]) == other.id)
    assert match["account_key"] == other.user["account_key"]


# --- rows 14–16: the Community directory and follow / unfollow ------------------------------------------------


def test_row_14_directory_pages_with_the_next_cursor_and_shows_follow_state(sign_up):
    viewer = sign_up()
    tag = f"dir{viewer.id}"
    people = [sign_up(name=f"Community {tag} {n}") for n in range(5)]
    viewer.post(f"/users/{people[0].id}/follow/", {})
    seen: list[dict] = []
    cursor = None
    while True:  # listUsers({page_size, search, cursor}) with cursor = response.next
        response = viewer.get("/users/", page_size=2, search=tag, cursor=cursor)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["results"]) <= 2
        seen += page["results"]
        if not page["next"]:
            break
        cursor = page["next"]
    assert sorted(u["id"] for u in seen) == sorted(p.id for p in people)
    following = {u["id"]: u["flags"]["following"] for u in seen}  # UserCard reads user.flags.following
    assert following == {p.id: p is people[0] for p in people}
    assert all(u["name"] and u["handle"] and "bio" in u and "photo" in u for u in seen)


def test_rows_15_16_follow_then_unfollow_toggle_flags_following(sign_up):
    viewer, other = sign_up(), sign_up(name="Toggle Target")
    search = other.user["handle"]

    def card() -> dict:
        (entry,) = viewer.get("/users/", search=search).json()["results"]
        return entry

    assert card()["flags"]["following"] is False
    response = viewer.post(f"/users/{other.id}/follow/", {})  # row 15
    assert response.status_code == 200, response.text
    assert card()["flags"]["following"] is True
    response = viewer.delete(f"/users/{other.id}/follow/")  # row 16, what the toggle sends when following
    assert response.status_code == 200, response.text
    assert card()["flags"]["following"] is False
    assert viewer.get(f"/users/{other.id}/").json()["followers_count"] == 0


# --- row 31: the avatar, multipart PATCH /me/profile/ ---------------------------------------------------------


def test_row_31_avatar_upload_updates_photo_and_keeps_onboarding_done(sign_up):
    app = sign_up()
    onboard(app)
    # ProfileScreen: savePersonalMapProfile({avatarFile}) → FormData with only `avatar_image`.
    response = app.patch(
        "/me/profile/",
        files={"avatar_image": ("avatar.jpg", image_bytes("JPEG", (120, 90)), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    me, personal = fetch_profile(app)  # then fetchProfile
    assert me["photo"] and me["photo"].startswith("http")
    assert personal["is_complete"] is True  # the user is not sent back to onboarding
    with httpx.Client(timeout=30) as client:
        image = client.get(me["photo"])
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")


def test_row_31_multipart_with_personal_map_fields_too(sign_up):
    app = sign_up()
    response = app.patch(
        "/me/profile/",
        data=ONBOARDING,
        files={"avatar_image": ("avatar.jpg", image_bytes("JPEG"), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["is_complete"] is True and response.json()["avatar_image"]


# --- row 33: people search ------------------------------------------------------------------------------------


def test_row_33_people_search_returns_an_array_the_screen_maps(sign_up):
    viewer = sign_up()
    found = sign_up(name=f"Lia Gelashvili {viewer.id}")
    viewer.post(f"/users/{found.id}/follow/", {})
    # SearchProfilesScreen: searchUsers(query) strips a leading "@" and sends only `q`.
    response = viewer.get("/search/users/", q=found.user["handle"])
    assert response.status_code == 200, response.text
    results = response.json()
    assert isinstance(results, list)  # data.map(mapUser)
    item = next(r for r in results if r["id"] == found.id)
    assert item["name"] == f"Lia Gelashvili {viewer.id}"
    assert item["handle"] == item["username"] == found.user["handle"]
    assert item["account_key"] == found.user["account_key"]  # "Copy ID"
    assert item["is_following"] is True
    assert (item["followers_count"], item["following_count"]) == (1, 0)
    assert "photo" in item and "bio" in item


def test_row_12_the_profile_shows_my_recipient_id(sign_up):
    app = sign_up()
    response = app.get("/users/me/recipient-id/")
    assert response.status_code == 200, response.text
    assert response.json() == {"account_key": app.user["account_key"]}
    assert response.json()["account_key"].startswith("acct_")
