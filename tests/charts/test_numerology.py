"""Numerology from the personal map: the same birth date as astrology, recomputed on every change."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from modules.charts.numerology import life_path, profile, reduce
from modules.charts.transliteration import latin_letters
from modules.profiles.models import PersonalProfile
from tests.charts.conftest import person
from tests.conftest import client_for


@pytest.mark.parametrize(
    ("date", "number"),
    [("1990-01-01", 3), ("1978-11-29", 11), ("1950-01-06", 22), ("1950-01-04", 2), ("1999-09-09", 1),
     ("1989-12-29", 5), ("2000-01-01", 4)],
)  # fmt: skip
def test_life_path_vectors(date, number):
    assert life_path(dt.date.fromisoformat(date)).number == number


def test_life_path_is_always_a_digit_or_a_master_number():
    rng = random.Random(20261206)
    start = dt.date(1900, 1, 1)
    for _ in range(5000):
        day = start + dt.timedelta(days=rng.randrange(0, 60000))
        assert life_path(day).number in {*range(1, 10), 11, 22, 33}
    assert reduce(33) == 33 and reduce(44) == 8 and reduce(29) == 11 and reduce(0) == 0


def test_name_numbers_in_latin_georgian_and_cyrillic():
    latin = profile(birth_date=None, first_name="Nino", last_name="Beridze")
    georgian = profile(birth_date=None, first_name="ნინო", last_name="ბერიძე")
    cyrillic = profile(birth_date=None, first_name="Нино", last_name="Беридзе")
    assert latin.name_latin == georgian.name_latin == cyrillic.name_latin == "NINOBERIDZE"
    # N5 I9 N5 O6 B2 E5 R9 I9 D4 Z8 E5 = 67 → 13 → 4; vowels I O E I E = 9+6+5+9+5 = 34 → 7; consonants 33.
    assert (latin.expression.sum, latin.expression.number) == (67, 4)
    assert (latin.soul_urge.sum, latin.soul_urge.number) == (34, 7)
    assert (latin.personality.sum, latin.personality.number, latin.personality.name) == (33, 33, "Guide")
    assert latin.missing == ("birth_date",) and latin.life_path is None


def test_transliteration_tables():
    assert latin_letters("შალვა ჭავჭავაძე")[0] == "SHALVACHAVCHAVADZE"
    assert latin_letters("Щукин Ёлкин")[0] == "SHCHUKINELKIN"
    assert latin_letters("Наталья Юрьевна")[0] == "NATALIAIUREVNA"
    assert latin_letters("Zoë")[0] == "ZOE"
    letters, unsupported = latin_letters("李 Li")
    assert (letters, unsupported) == ("LI", ("李",))


def test_the_profile_reads_the_personal_map_and_follows_its_changes(db):
    client = client_for(person(first_name="Нино", last_name="Беридзе", birth_date=dt.date(1978, 11, 29)).user)
    first = client.get("/matrix/profile/").json()
    assert first["life_path"] == {"number": 11, "name": "Visionary", "sum": 38}
    assert first["name_latin"] == "NINOBERIDZE" and first["expression"]["number"] == 4
    assert first["missing"] == [] and first["rules_version"] == 1
    client.patch("/me/profile/", {"birth_date": "1990-01-01"})
    second = client.get("/matrix/profile/").json()
    assert second["life_path"]["number"] == 3 and second["input_hash"] != first["input_hash"]
    # The same birth date as the natal chart reads.
    chart = client.get("/astro/natal/me/").json()
    assert chart["meta"]["birth_date"] == second["birth_date"] == "1990-01-01"


def test_an_empty_personal_map_gives_nulls_and_says_what_is_missing(api):
    body = api.get("/matrix/profile/").json()
    assert body["life_path"] is None and body["expression"] is None
    assert body["missing"] == ["birth_date", "name"]


def test_sync_recomputes_and_refuses_client_sent_astrology(db):
    client = client_for(person(birth_date=dt.date(1950, 1, 6)).user)
    assert client.post("/matrix/sync/").json()["life_path"]["number"] == 22
    assert client.post("/matrix/sync/", {}).json()["life_path"]["number"] == 22
    refused = client.post("/matrix/sync/", {"sun": "Leo", "moon": "Aries", "life_path": 9})
    assert refused.status == 422 and refused.json()["code"] == "unknown_field"
    assert set(refused.json()["errors"]) == {"life_path", "moon", "sun"}
    assert client.post("/matrix/sync/", raw=b"{not json").json()["code"] == "malformed_json"
    assert client.post("/matrix/sync/", [1, 2]).status == 422
    assert PersonalProfile.objects.get(user=client.user).birth_date == dt.date(1950, 1, 6)


def test_the_rules_are_published(api):
    rules = api.get("/matrix/rules/").json()
    assert rules["master_numbers"] == [11, 22, 33]
    assert rules["letter_values"]["A"] == 1 and rules["letter_values"]["Z"] == 8
    assert rules["transliteration"]["georgian"]["ჭ"] == "ch"
    assert rules["transliteration"]["cyrillic"]["щ"] == "shch"
    assert "YYYYMMDD" in rules["life_path"]
