"""Transits to the natal chart, aspects (orbs, applying/separating) and the published rules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from modules.charts.aspects import Moving, natal_aspects, transit_aspects
from modules.charts.rules import ASPECTS, natal_orb
from tests.charts.conftest import person
from tests.conftest import client_for


def test_transits_on_a_date(depp):
    response = depp.get("/astro/transits/", date="2024-04-08")
    assert response.status == 200, response
    body = response.json()
    assert body["date"] == "2024-04-08" and body["instant_utc"] == "2024-04-08T12:00:00Z"
    assert body["planets"]["sun"]["sign"] == "Aries"
    assert body["planets"]["moon"]["sign"] == "Aries"  # the total solar eclipse of 2024-04-08
    # New moon at 18:21 UTC: six hours before, the Moon (≈0.5°/h faster than the Sun) was ≈3.7° behind.
    assert 3 < body["planets"]["sun"]["lon"] - body["planets"]["moon"]["lon"] < 4.5
    natal = depp.get("/astro/natal/me/").json()
    assert body["natal_input_hash"] == natal["meta"]["input_hash"]
    assert all(placement["house"] in range(1, 13) for placement in body["planets"].values())
    assert body["aspects"], body
    for aspect in body["aspects"]:
        assert aspect["p1"] in body["planets"]
        assert aspect["p2"] in {*natal["planets"], "asc", "mc"}
        transit = body["planets"][aspect["p1"]]["lon"]
        point = (
            natal["angles"][aspect["p2"]]["lon"]
            if aspect["p2"] in ("asc", "mc")
            else natal["planets"][aspect["p2"]]["lon"]
        )
        distance = abs((transit - point + 180) % 360 - 180)
        assert abs(distance - aspect["angle"]) == pytest.approx(aspect["orb"], abs=1e-5)
        assert aspect["orb"] <= 3.0


def test_transits_default_to_today_utc(db):
    with time_machine.travel(dt.datetime(2030, 5, 17, 23, 30, tzinfo=dt.UTC), tick=False):
        client = client_for(person().user)  # a token issued in 2030
        assert client.get("/astro/transits/").json()["date"] == "2030-05-17"


def test_transits_outside_the_ephemeris_are_a_clear_422(depp):
    for date in ("2060-01-01", "1850-06-01"):
        response = depp.get("/astro/transits/", date=date)
        assert response.status == 422 and response.json()["code"] == "date_out_of_range"
        assert "date" in response.json()["errors"]
    assert depp.get("/astro/transits/", date="2024-13-01").status == 422


def test_the_rules_are_published(api):
    rules = api.get("/astro/rules/").json()
    assert (rules["engine"], rules["kernel"], rules["rules_version"]) == ("skyfield", "de421", 1)
    assert rules["house_systems"] == ["placidus", "koch", "porphyry", "equal", "whole_sign"]
    assert {a["name"]: a["orb"] for a in rules["aspects"]} == {
        "conjunction": 8.0, "sextile": 5.0, "square": 7.0, "trine": 7.0, "opposition": 8.0
    }  # fmt: skip
    assert rules["kernel_first_day"] == "1899-07-30" and rules["kernel_last_day"] == "2053-10-07"
    assert any("GeoNames" in line for line in rules["attribution"])
    assert any("ODbL" in line for line in rules["attribution"])


def test_orbs_luminaries_and_angles():
    square = next(rule for rule in ASPECTS if rule.name == "square")
    assert natal_orb(square, "mars", "saturn") == 7.0
    assert natal_orb(square, "sun", "saturn") == 9.0
    assert natal_orb(square, "moon", "asc") == 5.0  # angles never more than 5°


def test_applying_and_separating():
    # Mars at 6° moving 0.7°/day towards Saturn at 98°, nearly still: 92° apart, the square 2° from exact and
    # closing.
    points = {"mars": Moving(6.0, 0.7), "saturn": Moving(98.0, 0.01)}
    (square,) = natal_aspects(points, ["mars", "saturn"])
    assert (square.aspect, square.orb, square.applying) == ("square", pytest.approx(2.0), True)
    points["mars"] = Moving(6.0, -0.3)  # retrograde: moving away
    assert natal_aspects(points, ["mars", "saturn"])[0].applying is False
    # Across 0°: a conjunction of 359° and 2°, the faster one behind and catching up.
    (conjunction,) = natal_aspects({"moon": Moving(359.0, 13.0), "venus": Moving(2.0, 1.0)}, ["moon", "venus"])
    assert (conjunction.aspect, conjunction.orb, conjunction.applying) == ("conjunction", pytest.approx(3.0), True)
    # Past the opposition (separation 181° → 179° folded) and still moving apart.
    (opposition,) = natal_aspects({"sun": Moving(0.0, 1.0), "pluto": Moving(179.0, 0.0)}, ["sun", "pluto"])
    assert opposition.aspect == "opposition" and opposition.applying is False
    exact = natal_aspects({"sun": Moving(0.0, 1.0), "mars": Moving(120.0, 1.0)}, ["sun", "mars"])
    assert exact[0].applying is None  # no relative motion


def test_transit_aspects_use_the_transit_orbs():
    natal = {"sun": Moving(100.0, 1.0)}
    assert transit_aspects({"saturn": Moving(192.5, 0.05)}, natal, ["sun"])[0].aspect == "square"
    assert transit_aspects({"saturn": Moving(196.0, 0.05)}, natal, ["sun"]) == []  # 6° off: beyond 3°
