"""Offline places: GeoNames cities searched in any script, a typed city resolved only when it names one place."""

from __future__ import annotations

import datetime as dt

import pytest

from modules.charts import places, selectors
from modules.charts.models import Place, PlaceName
from modules.charts.transliteration import search_key
from modules.profiles.models import PersonalProfile
from tests.charts.conftest import geonames_sample, person
from tests.conftest import client_for

TBILISI = 611717  # GeoNames ids
MOSCOW = 524901
OWENSBORO = 4303436


@pytest.mark.parametrize("query", ["Tbilisi", "Тбилиси", "თბილისი", "tbilisi", "TBILISI", "Tiflis"])
def test_search_in_three_scripts_finds_tbilisi_first(api, geonames, query):
    response = api.get("/astro/places/", q=query)
    assert response.status == 200, response
    body = response.json()
    assert body["results"][0]["id"] == TBILISI
    first = body["results"][0]
    assert (first["name"], first["country_code"], first["country"], first["timezone"]) == (
        "Tbilisi",
        "GE",
        "Georgia",
        "Asia/Tbilisi",
    )
    assert "GeoNames" in body["attribution"] and "CC BY 4.0" in body["attribution"]


def test_search_by_prefix_and_with_a_typo(api, geonames):
    assert api.get("/astro/places/", q="Kuta").json()["results"][0]["name"] == "Kutaisi"
    assert api.get("/astro/places/", q="Моск").json()["results"][0]["id"] == MOSCOW
    assert api.get("/astro/places/", q="Owensbro").json()["results"][0]["id"] == OWENSBORO  # similar, not prefix


def test_search_ranks_exact_names_then_population_and_filters_by_country(api, geonames):
    springfields = api.get("/astro/places/", q="Springfield", country="US", limit=25).json()["results"]
    assert len(springfields) > 3 and {p["country_code"] for p in springfields} == {"US"}
    populations = [p["population"] for p in springfields]
    assert populations == sorted(populations, reverse=True)
    moscows = api.get("/astro/places/", q="Moscow").json()["results"]
    assert moscows[0]["id"] == MOSCOW
    assert api.get("/astro/places/", q="Moscow", country="USA").json()["results"][0]["country_code"] == "US"


def test_search_refuses_what_it_cannot_answer(api, anon, geonames):
    assert api.get("/astro/places/", q="T").json()["code"] == "query_too_short"
    response = api.get("/astro/places/", q="Tbilisi", country="Atlantis")
    assert response.status == 422 and response.json()["code"] == "country_unknown"
    assert anon.get("/astro/places/", q="Tbilisi").status == 401


def test_an_empty_index_is_an_operator_problem_not_a_silent_empty_list(api):
    response = api.get("/astro/places/", q="Tbilisi")
    assert response.status == 503 and response.json()["code"] == "places_not_imported"


@pytest.mark.parametrize(
    ("city", "country", "expected"),
    [
        ("Tbilisi", "Georgia", TBILISI),
        ("Тбилиси", "Грузия", TBILISI),  # a country we cannot read narrows nothing; one place has the name
        ("თბილისი", "", TBILISI),
        ("Moscow", "RU", MOSCOW),
        ("London", "United Kingdom", 2643743),  # London's own name outranks the City of London's alternate one
        ("Owensboro", "United States", OWENSBORO),
    ],
)
def test_a_city_that_names_one_place_resolves(geonames, city, country, expected):
    assert selectors.place_resolve(city=city, country=country).id == expected


@pytest.mark.parametrize(
    ("city", "country", "code"),
    [
        ("Springfield", "US", "place_ambiguous"),
        ("London", "", "place_ambiguous"),
        ("Москва", "Россия", "place_ambiguous"),  # Moscow, Russia and Moscow, Idaho: never a guess
        ("Tbilsii", "Georgia", "place_not_found"),
        ("Atlantis", "", "place_not_found"),
    ],
)
def test_a_city_that_does_not_name_one_place_is_a_422_with_candidates(db, geonames, city, country, code):
    client = client_for(person(birth_city=city, birth_country=country, birth_lat=None, birth_lon=None).user)
    response = client.post("/astro/natal/", {"source": "profile"})
    assert response.status == 422, response
    body = response.json()
    assert body["code"] == code and "city" in body["errors"]
    if city != "Atlantis":
        assert body["candidates"], body
        assert {"id", "name", "country_code", "latitude", "longitude", "population"} <= set(body["candidates"][0])
    if city == "Москва":
        assert body["candidates"][0]["id"] == MOSCOW  # the most populous first
    # Nothing was stored, nothing guessed.
    assert PersonalProfile.objects.get(user=client.user).birth_lat is None


def test_a_resolved_city_puts_its_coordinates_in_the_personal_map(db, geonames):
    client = client_for(person(birth_city="Kutaisi", birth_country="Georgia", birth_lat=None, birth_lon=None).user)
    chart = client.post("/astro/natal/", {"source": "profile"}).json()
    place = chart["meta"]["place"]
    kutaisi = Place.objects.get(name="Kutaisi")
    assert (place["source"], place["place_id"], place["latitude"]) == ("geonames", kutaisi.id, kutaisi.latitude)
    assert chart["meta"]["zone"] == "Asia/Tbilisi"
    stored = PersonalProfile.objects.get(user=client.user)
    assert float(stored.birth_lat) == pytest.approx(kutaisi.latitude, abs=1e-6)
    assert client.get("/astro/natal/me/").json() == chart
    # From now on the map's coordinates are used.
    client.patch("/me/profile/", {"birth_time": "07:00"})
    assert client.get("/astro/natal/me/").json()["meta"]["place"]["source"] == "coordinates"


def test_the_chosen_candidate_resolves_an_ambiguous_city(db, geonames):
    client = client_for(
        person(birth_city="Springfield", birth_country="US", birth_lat=None, birth_lon=None,
               birth_date=dt.date(1980, 2, 2)).user
    )  # fmt: skip
    candidates = client.post("/astro/natal/", {"source": "profile"}).json()["candidates"]
    chosen = candidates[1]
    response = client.post("/astro/natal/", {"source": "profile", "place_id": chosen["id"]})
    assert response.status == 200, response
    assert response.json()["meta"]["place"]["latitude"] == pytest.approx(chosen["latitude"], abs=1e-6)
    assert client.post("/astro/natal/", {"source": "profile", "place_id": 1}).json()["code"] == "place_id_unknown"


def test_the_app_form_without_coordinates_resolves_the_typed_city(stranger, geonames):
    form = {
        "source": "form",
        "birth_date": "1994-07-21",
        "birth_time": "08:15",
        "city": "Kutaisi",
        "country": "Georgia",
    }
    response = stranger.post("/astro/natal/", form)
    assert response.status == 200, response
    assert response.json()["meta"]["instant_utc"] == "1994-07-21T04:15:00Z"  # +04:00 in July 1994
    unresolved = stranger.post("/astro/natal/", {**form, "city": "Springfield", "country": ""})
    assert unresolved.status == 422 and unresolved.json()["code"] == "place_ambiguous"
    kept = PersonalProfile.objects.get(user=stranger.user)
    assert kept.birth_city == "Kutaisi"  # the refused form changed nothing


def test_the_import_keeps_every_name_once_and_is_repeatable(geonames):
    records, countries = geonames_sample()
    assert Place.objects.count() == len(records)
    tbilisi = Place.objects.get(id=TBILISI)
    keys = set(PlaceName.objects.filter(place=tbilisi).values_list("key", flat=True))
    assert {"tbilisi", "tiflis", search_key("Тбилиси"), search_key("თბილისი")} <= keys
    assert PlaceName.objects.get(place=tbilisi, key="tbilisi").primary is True
    from modules.charts import services

    assert services.places_import(places=records, countries=countries)[0] == len(records)
    assert Place.objects.count() == len(records)


def test_a_record_without_coordinates_is_skipped():
    assert places.place_record({"geonameid": 1, "name": "Nowhere", "latitude": None, "longitude": 3}) is None
    assert places.place_record({"geonameid": 1, "name": "", "latitude": 1, "longitude": 3}) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Tbilisi", "tbilisi"),
        ("Тбилиси", "tbilisi"),
        ("თბილისი", "tbilisi"),
        ("ᲗᲑᲘᲚᲘᲡᲘ", "tbilisi"),  # Georgian Mtavruli capitals
        ("Tromsø", "tromsø"),  # ø is a letter of its own, not an o with an accent
        ("München", "munchen"),
        ("Санкт-Петербург", "sankt peterburg"),
        ("Щёлково", "shchelkovo"),
        ("Йошкар-Ола", "ioshkar ola"),
        ("Київ", "kiiv"),
    ],
)
def test_search_keys(text, key):
    assert search_key(text) == key
