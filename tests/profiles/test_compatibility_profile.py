import pytest
from django.db import IntegrityError, transaction

from modules.profiles.models import CompatibilityProfile
from tests.factories import CompatibilityProfileFactory

pytestmark = pytest.mark.django_db

# What the mobile app's Edit Profile screen offers (src/screens/profile/edit/view/ProfileEditScreen.tsx).
APP_CHOICES = {
    "gender": ["male", "female", "non_binary", "other", "prefer_not_to_say"],
    "orientation": ["hetero", "homo", "bi", "pan", "asexual", "other", "prefer_not_to_say"],
    "relationship_goal": ["casual", "long_term", "marriage", "unsure"],
    "attachment_style": ["secure", "anxious", "avoidant", "mixed"],
}
APP_LISTS = {
    "values": ["growth", "freedom", "connection", "security", "adventure", "family", "career"],
    "preferred_lifestyle": ["remote_work", "travel", "fitness", "nightlife", "early_riser", "spirituality"],
    "love_language": ["words", "quality_time", "acts", "gifts", "touch"],
}


def test_defaults_when_empty(api):
    assert api.get("/profile/me/").json() == {
        "gender": None,
        "orientation": None,
        "relationship_goal": None,
        "values": [],
        "preferred_lifestyle": [],
        "attachment_style": None,
        "love_language": [],
        "language": "en",
    }


def test_patch_and_read_back(api):
    body = api.patch(
        "/profile/me/", {"gender": "female", "values": ["family", "growth"], "love_language": ["quality_time"]}
    ).json()
    assert body["gender"] == "female" and body["values"] == ["family", "growth"]
    body = api.patch("/profile/me/", {"attachment_style": "secure", "gender": None}).json()
    assert body["gender"] is None and body["attachment_style"] == "secure" and body["values"] == ["family", "growth"]


@pytest.mark.parametrize(("field", "word"), [(f, w) for f, words in APP_CHOICES.items() for w in words])
def test_every_app_choice_is_stored_and_read_back_as_sent(api, field, word):
    response = api.patch("/profile/me/", {field: word})
    assert response.status == 200, response
    assert response.json()[field] == word
    assert api.get("/profile/me/").json()[field] == word


def test_every_app_list_chip_is_stored_and_read_back_as_sent(api):
    response = api.patch("/profile/me/", APP_LISTS)
    assert response.status == 200, response
    body = api.get("/profile/me/").json()
    assert {field: body[field] for field in APP_LISTS} == APP_LISTS


@pytest.mark.parametrize(
    ("patch", "stored"),
    [
        ({"gender": "woman"}, {"gender": "female"}),
        ({"gender": "man"}, {"gender": "male"}),
        ({"orientation": "heterosexual"}, {"orientation": "hetero"}),
        ({"orientation": "pansexual"}, {"orientation": "pan"}),
        ({"relationship_goal": "not_sure"}, {"relationship_goal": "unsure"}),
        ({"attachment_style": "fearful_avoidant"}, {"attachment_style": "mixed"}),
        (
            {"preferred_lifestyle": ["traveler", "early_bird", "urban"]},
            {"preferred_lifestyle": ["travel", "early_riser", "urban"]},
        ),
        (
            {"love_language": ["words_of_affirmation", "acts_of_service", "receiving_gifts", "physical_touch"]},
            {"love_language": ["words", "acts", "gifts", "touch"]},
        ),
    ],
)
def test_former_spellings_are_accepted_and_answered_as_the_apps_word(api, patch, stored):
    response = api.patch("/profile/me/", patch)
    assert response.status == 200, response
    body = response.json()
    assert {key: body[key] for key in stored} == stored


def test_a_word_and_its_former_spelling_together_are_duplicates(api):
    response = api.patch("/profile/me/", {"love_language": ["words", "words_of_affirmation"]})
    assert response.status == 422 and "love_language" in response.json()["errors"]


def test_the_app_body_round_trips_including_language(api):
    """ProfileEditScreen sends back what GET returned, its chips, and `language` (its interface language)."""
    current = api.get("/profile/me/").json()
    body = {**current, "gender": "male", "values": ["connection"], "love_language": ["touch"], "language": "ka"}
    response = api.patch("/profile/me/", body)
    assert response.status == 200, response
    assert response.json()["language"] == "ka"
    assert api.get("/users/me/").json()["settings"]["language"] == "ka"
    assert api.patch("/profile/me/", api.get("/profile/me/").json()).status == 200


@pytest.mark.parametrize(("sent", "stored"), [("ru", "ru"), ("ru-RU", "ru"), ("ka-GE", "ka"), ("EN", "en")])
def test_language_takes_a_served_code_or_a_tag_in_it(api, sent, stored):
    response = api.patch("/profile/me/", {"language": sent})
    assert response.status == 200, response
    assert response.json()["language"] == stored


@pytest.mark.parametrize("language", ["de", "fr-FR", None, 5])
def test_language_must_be_one_we_answer_in(api, language):
    response = api.patch("/profile/me/", {"language": language})
    assert response.status == 422 and "language" in response.json()["errors"]


def test_each_user_sees_only_their_own(api, make_client):
    CompatibilityProfileFactory(user=api.user, gender="male")
    other = make_client(CompatibilityProfileFactory().user)
    assert other.get("/profile/me/").json()["gender"] == "female"
    assert api.get("/profile/me/").json()["gender"] == "male"


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
                "travel",
            ]
        },
        {"unknown_field": 1},
    ],
)
def test_unknown_or_oversized_values_are_rejected(api, patch):
    response = api.patch("/profile/me/", patch)
    assert response.status == 422, response
    assert {key.split(".")[0] for key in response.json()["errors"]} & set(patch)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gender", "woman"),
        ("orientation", "heterosexual"),
        ("relationship_goal", "not_sure"),
        ("attachment_style", "fearful_avoidant"),
        ("values", ["money"]),
        ("preferred_lifestyle", ["traveler"]),
        ("love_language", ["words_of_affirmation"]),
    ],
)
def test_the_database_only_holds_the_current_words(user, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompatibilityProfile.objects.create(user=user, **{field: value})


def test_options_list_the_apps_vocabulary_and_the_former_spellings(anon):
    body = anon.get("/profile/options/").json()
    assert body["max_values"] == 10
    assert set(APP_CHOICES["gender"]) <= set(body["genders"])
    assert set(APP_CHOICES["orientation"]) <= set(body["orientations"])
    assert set(APP_CHOICES["relationship_goal"]) <= set(body["relationship_goals"])
    assert set(APP_CHOICES["attachment_style"]) <= set(body["attachment_styles"])
    assert set(APP_LISTS["values"]) <= set(body["values"])
    assert set(APP_LISTS["preferred_lifestyle"]) <= set(body["preferred_lifestyles"])
    assert body["love_languages"] == APP_LISTS["love_language"]
    assert body["aliases"]["gender"] == {"woman": "female", "man": "male"}
    assert body["languages"] == ["en", "ru", "ka"]
    assert "woman" not in body["genders"]
