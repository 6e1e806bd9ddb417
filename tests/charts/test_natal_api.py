"""`POST /astro/natal/`, `GET /astro/natal/me/` and its picture: one source of birth data (the personal map),
recomputed when it changes, each chart its user's only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from modules.charts.models import ChartSettings, NatalChartRow
from modules.charts.rules import PLANETS
from modules.profiles.models import PersonalProfile
from tests.charts.conftest import person
from tests.conftest import client_for

PROFILE = {"source": "profile"}
FORM = {
    "source": "form",
    "birth_date": "1963-06-09",
    "birth_time": "00:00",
    "city": "Owensboro",
    "country": "United States",
    "first_name": "Johnny",
    "last_name": "Depp",
    "latitude": 37.77422,
    "longitude": -87.11333,
}


def personal(client) -> PersonalProfile:
    return PersonalProfile.objects.get(user=client.user)


def test_the_chart_from_the_personal_map_has_what_the_app_reads_and_more(depp):
    response = depp.post("/astro/natal/", PROFILE)
    assert response.status == 200, response
    chart = response.json()
    assert list(chart["planets"]) == list(PLANETS)
    for placement in chart["planets"].values():
        assert {"lon", "sign", "speed"} <= set(placement)
    assert set(chart["houses"]) == {str(n) for n in range(1, 13)}
    assert chart["houses"]["1"] == {"cusp_lon": 320.696673, "sign": "Aquarius", "deg_in_sign": 20.696673}
    assert chart["houses"]["10"]["cusp_lon"] == pytest.approx(246.587749, abs=1e-5)  # the real MC
    assert chart["angles"]["mc"]["lon"] == chart["houses"]["10"]["cusp_lon"]
    assert chart["angles"]["ic"]["sign"] == "Gemini" and chart["angles"]["dsc"]["sign"] == "Leo"
    assert set(chart["points"]) == {"mean_node", "true_node"}
    aspect = chart["aspects"][0]
    assert {"p1", "p2", "aspect", "orb", "angle", "applying"} == set(aspect)
    assert chart["house_system_used"] == "placidus" and chart["moon_range"] is None
    meta = chart["meta"]
    assert (meta["engine"], meta["kernel"], meta["rules_version"]) == ("skyfield", "de421", 1)
    assert meta["instant_utc"] == "1963-06-09T05:00:00Z"
    assert (meta["utc_offset"], meta["time_basis"]) == ("-05:00", "zone")
    assert (meta["zone"], meta["zone_source"]) == ("America/Chicago", "coordinates")
    assert meta["place"] == {
        "city": "Owensboro",
        "country": "United States",
        "latitude": 37.77422,
        "longitude": -87.11333,
        "source": "coordinates",
        "place_id": None,
    }
    assert len(meta["input_hash"]) == 64
    again = depp.get("/astro/natal/me/").json()
    assert again == chart and list(again["planets"]) == list(PLANETS)  # stored, in the same order


def test_a_stored_chart_is_served_until_the_birth_data_changes(depp):
    first = depp.get("/astro/natal/me/").json()
    again = depp.get("/astro/natal/me/").json()
    assert again["calculated_at"] == first["calculated_at"]  # from the row, not computed again
    # The personal map is the one source: changing it there changes the chart.
    response = depp.patch("/me/profile/", {"birth_time": "12:00"})
    assert response.status == 200, response
    changed = depp.get("/astro/natal/me/").json()
    assert changed["meta"]["input_hash"] != first["meta"]["input_hash"]
    assert changed["meta"]["instant_utc"] == "1963-06-09T17:00:00Z"
    assert changed["houses"]["1"] != first["houses"]["1"]
    assert NatalChartRow.objects.get(user=depp.user).input_hash == changed["meta"]["input_hash"]


def test_a_chart_belongs_to_its_user_only(depp, stranger):
    """Two people with the same birth data get two rows; nobody reads another's chart (the old backend's cache
    could return another user's chart for equal birth data)."""
    mine = depp.get("/astro/natal/me/").json()
    twin = person()  # same birth data
    twin_client = client_for(twin.user)
    theirs = twin_client.get("/astro/natal/me/").json()
    assert theirs["meta"]["input_hash"] == mine["meta"]["input_hash"]
    assert NatalChartRow.objects.filter(input_hash=mine["meta"]["input_hash"]).count() == 2
    # A person without birth data gets no chart, and none of theirs.
    response = stranger.get("/astro/natal/me/")
    assert response.status == 404 and response.json()["code"] == "natal_chart_missing"
    assert stranger.get("/astro/natal/me/chart.svg").status == 404
    assert stranger.get("/astro/transits/", date="2024-01-01").status == 404
    # Changing one twin's data never changes the other's chart.
    PersonalProfile.objects.filter(user=twin.user).update(birth_time=dt.time(6, 0))
    assert twin_client.get("/astro/natal/me/").json()["meta"]["input_hash"] != mine["meta"]["input_hash"]
    assert depp.get("/astro/natal/me/").json() == mine


def test_the_form_is_written_into_the_personal_map(stranger):
    response = stranger.post("/astro/natal/", FORM)
    assert response.status == 200, response
    stored = personal(stranger)
    assert (stored.birth_date, stored.birth_time) == (dt.date(1963, 6, 9), dt.time(0, 0))
    assert (stored.birth_city, stored.birth_country) == ("Owensboro", "United States")
    assert (stored.birth_lat, stored.birth_lon) == (Decimal("37.774220"), Decimal("-87.113330"))
    assert (stored.first_name, stored.last_name) == ("Johnny", "Depp")
    assert response.json()["houses"]["1"]["cusp_lon"] == pytest.approx(320.696672, abs=1e-5)
    me = stranger.get("/me/profile/").json()
    assert me["birth_place_city"] == "Owensboro" and me["birth_time"] == "00:00:00"


def test_profile_source_without_birth_data_says_so(stranger):
    response = stranger.post("/astro/natal/", PROFILE)
    assert response.status == 422
    body = response.json()
    assert body["code"] == "birth_data_missing"
    assert "No birth data stored in profile" in body["detail"]  # the app shows its hint on this sentence


def test_unknown_fields_and_bad_values_are_refused(depp):
    response = depp.post("/astro/natal/", {**PROFILE, "timezone": "Asia/Tbilisi"})
    assert response.status == 422 and response.json()["code"] == "unknown_field"
    assert "timezone" in response.json()["errors"]
    assert depp.post("/astro/natal/", {"source": "profile", "house_system": "regiomontanus"}).status == 422
    assert depp.post("/astro/natal/", {"source": "profile", "utc_offset": "+4"}).status == 422
    assert depp.post("/astro/natal/", {"source": "telepathy"}).status == 422
    assert depp.post("/astro/natal/", {**FORM, "latitude": None}).status == 422  # coordinates come in pairs
    assert depp.post("/astro/natal/", {**FORM, "birth_date": "1899-12-31"}).status == 422
    nothing_changed = personal(depp)
    assert nothing_changed.birth_city == "Owensboro"


@pytest.mark.parametrize("system", ["placidus", "koch", "porphyry", "equal", "whole_sign"])
def test_house_systems_are_a_kept_choice(depp, system):
    chart = depp.post("/astro/natal/", {**PROFILE, "house_system": system}).json()
    assert (chart["meta"]["house_system"], chart["house_system_used"]) == (system, system)
    assert depp.get("/astro/natal/me/").json()["house_system_used"] == system
    assert ChartSettings.objects.get(user=depp.user).house_system == system
    reset = depp.post("/astro/natal/", {**PROFILE, "house_system": None}).json()
    assert reset["house_system_used"] == "placidus"


def test_a_polar_birth_is_a_chart_in_porphyry_houses(db):
    tromso = client_for(
        person(
            birth_lat=Decimal("69.649210"),
            birth_lon=Decimal("18.957170"),
            birth_city="Tromsø",
            birth_country="Norway",
            birth_date=dt.date(1990, 12, 21),
            birth_time=dt.time(9, 0),
        ).user
    )
    response = tromso.post("/astro/natal/", PROFILE)
    assert response.status == 200, response
    chart = response.json()
    assert chart["meta"]["house_system"] == "placidus" and chart["house_system_used"] == "porphyry"
    assert chart["meta"]["zone"] == "Europe/Oslo"
    koch = tromso.post("/astro/natal/", {**PROFILE, "house_system": "koch"}).json()
    assert koch["house_system_used"] == "porphyry"


def test_an_unknown_birth_time_gives_planets_at_local_noon_and_a_moon_range(db):
    client = client_for(person(birth_time=None).user)
    chart = client.get("/astro/natal/me/").json()
    assert chart["meta"]["time_known"] is False and chart["meta"]["birth_time"] is None
    assert chart["meta"]["instant_utc"] == "1963-06-09T17:00:00Z"  # noon CDT
    assert chart["houses"] == {} and chart["angles"] is None and chart["house_system_used"] is None
    assert all(p["house"] is None for p in chart["planets"].values())
    assert all("moon" not in (a["p1"], a["p2"]) for a in chart["aspects"])
    assert all("asc" not in (a["p1"], a["p2"]) for a in chart["aspects"])
    moon = chart["moon_range"]
    # The local day 1963-06-09 00:00 … 24:00 CDT: the Moon moved about 12.5°.
    assert moon["start_lon"] < chart["planets"]["moon"]["lon"] < moon["end_lon"]
    assert 11 < moon["end_lon"] - moon["start_lon"] < 15
    assert moon["start_sign"] == "Capricorn"


def test_a_skipped_local_time_is_refused_and_an_offset_rescues_it(db):
    client = client_for(
        person(
            birth_date=dt.date(2021, 3, 14),
            birth_time=dt.time(2, 30),
            birth_lat=Decimal("40.712780"),
            birth_lon=Decimal("-74.005970"),
            birth_city="New York City",
        ).user
    )
    response = client.get("/astro/natal/me/")
    assert response.status == 422
    body = response.json()
    assert body["code"] == "time_nonexistent" and "birth_time" in body["errors"]
    assert "UTC-05:00" in body["detail"] and "UTC-04:00" in body["detail"]
    rescued = client.post("/astro/natal/", {**PROFILE, "utc_offset": "-05:00"})
    assert rescued.status == 200, rescued
    meta = rescued.json()["meta"]
    assert (meta["instant_utc"], meta["time_basis"], meta["utc_offset"]) == (
        "2021-03-14T07:30:00Z",
        "override",
        "-05:00",
    )


def test_an_ambiguous_local_time_needs_a_fold_which_is_kept_while_the_birth_data_stays(db):
    client = client_for(
        person(
            birth_date=dt.date(2021, 11, 7),
            birth_time=dt.time(1, 30),
            birth_lat=Decimal("40.712780"),
            birth_lon=Decimal("-74.005970"),
            birth_city="New York City",
        ).user
    )
    response = client.post("/astro/natal/", PROFILE)
    assert response.status == 422
    assert response.json()["code"] == "time_ambiguous" and "fold" in response.json()["errors"]
    second = client.post("/astro/natal/", {**PROFILE, "fold": 1}).json()
    assert (second["meta"]["instant_utc"], second["meta"]["fold"]) == ("2021-11-07T06:30:00Z", 1)
    assert client.get("/astro/natal/me/").json()["meta"]["fold"] == 1
    first = client.post("/astro/natal/", {**PROFILE, "fold": 0}).json()
    assert first["meta"]["instant_utc"] == "2021-11-07T05:30:00Z"
    # Another birth time: the fold was chosen for the old one and no longer applies.
    client.patch("/me/profile/", {"birth_time": "01:45"})
    assert client.get("/astro/natal/me/").json()["code"] == "time_ambiguous"


def test_before_standard_time_the_chart_uses_the_birthplaces_mean_time(db):
    # Africa/Nairobi kept Nairobi's local mean time (+2:27:16) until 1908; a birth in Kisumu (34.768° E) in 1900
    # happened on Kisumu's clock.
    client = client_for(
        person(
            birth_date=dt.date(1900, 3, 1),
            birth_time=dt.time(12, 0),
            birth_lat=Decimal("-0.091700"),
            birth_lon=Decimal("34.768000"),
            birth_city="Kisumu",
            birth_country="Kenya",
        ).user
    )
    meta = client.get("/astro/natal/me/").json()["meta"]
    assert (meta["zone"], meta["time_basis"]) == ("Africa/Nairobi", "lmt")
    assert meta["offset_seconds"] == round(34.768 * 240)
    assert meta["utc_offset"] == "+02:19:04"
    assert meta["instant_utc"] == "1900-03-01T09:40:56Z"


def test_dates_the_ephemeris_does_not_cover_are_a_clear_422(db):
    # The personal map takes dates from 1900; one written there before (or directly) is refused, not guessed.
    client = client_for(person(birth_date=dt.date(1885, 3, 1)).user)
    response = client.get("/astro/natal/me/")
    assert response.status == 422
    assert response.json()["code"] == "date_out_of_range" and "birth_date" in response.json()["errors"]


def test_the_picture_is_an_svg_wheel_cached_by_input_hash(depp):
    response = depp.get("/astro/natal/me/chart.svg")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    svg = response.content.decode()
    assert svg.startswith("<svg") and 'viewBox="0 0 600 600"' in svg and "ASC" in svg and "MC" in svg
    digest = depp.get("/astro/natal/me/").json()["meta"]["input_hash"]
    assert response.headers["ETag"] == f'"{digest}"'
    assert NatalChartRow.objects.get(user=depp.user).svg == svg
    assert depp.get("/astro/natal/me/chart.svg", headers={"If-None-Match": f'"{digest}"'}).status == 304
    depp.patch("/me/profile/", {"birth_time": "06:00"})
    redrawn = depp.get("/astro/natal/me/chart.svg", headers={"If-None-Match": f'"{digest}"'})
    assert redrawn.status == 200 and redrawn.content.decode() != svg


def test_a_picture_without_birth_time_has_no_houses(db):
    client = client_for(person(birth_time=None).user)
    svg = client.get("/astro/natal/me/chart.svg").content.decode()
    assert "ASC" not in svg and "☉" in svg


def test_a_stored_chart_of_another_shape_is_computed_again(depp):
    first = depp.get("/astro/natal/me/").json()
    row = NatalChartRow.objects.get(user=depp.user)
    row.chart = {"planets": "an older release's shape"}
    row.save()
    again = depp.get("/astro/natal/me/")
    assert again.status == 200 and again.json()["meta"]["input_hash"] == first["meta"]["input_hash"]
