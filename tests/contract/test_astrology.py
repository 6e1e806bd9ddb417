"""Astrology rows of the mobile-app contract (rows 56–57), replayed as the app sends them.

BirthDataScreen (src/screens/astro/BirthData/view/BirthDataScreen.tsx) posts `createOrUpdateNatalChart`
(src/services/api/astro.ts) either `{source: "profile"}` ("use my registration data") or the form
`{source: "form", birth_date, birth_time, city, country, first_name?, last_name?, latitude?, longitude?}` (JSON:
`undefined` fields are left out), ignores the answer and opens NatalChartScreen, which reads
`GET /astro/natal/me/`: `planets.<name>.{lon, sign, speed}` (FormatPlacement, RetrogradeTag, the element balance
by `sign.toLowerCase()`), `houses."1".."12".{cusp_lon, sign}` (KeyAnglesCard reads houses 1, 7, 10 and 4 as ASC,
DSC, MC and IC; ResolveHouseForLongitude sorts the cusps), and `aspects[]` (SummarizeAspect: `planet1|p1`,
`aspect|type|name`, `planet2|p2`, `orb|orb_deg`).
"""

from __future__ import annotations

import pytest

from tests.contract.app import App
from tests.contract.test_people import ONBOARDING, onboard

pytestmark = pytest.mark.integration

BASE_PLANET_ORDER = ["sun", "moon", "mercury", "venus", "mars", "jupiter", "saturn", "uranus", "neptune", "pluto"]
SIGN_ELEMENT = {
    "aries": "fire", "leo": "fire", "sagittarius": "fire", "taurus": "earth", "virgo": "earth", "capricorn": "earth",
    "gemini": "air", "libra": "air", "aquarius": "air", "cancer": "water", "scorpio": "water", "pisces": "water",
}  # fmt: skip


def format_placement(placement: dict | None) -> str:
    """components/FormatPlacement.ts: "<sign> <degree within sign, one decimal>°"."""
    if not placement or not placement.get("sign"):
        return "—"
    lon = placement["lon"] if isinstance(placement.get("lon"), (int, float)) else placement.get("cusp_lon")
    return f"{placement['sign']} {round(((lon % 30) + 30) % 30, 1)}°"


def resolve_house(houses: dict, lon: float) -> str | None:
    """components/ResolveHouseForLongitude.ts."""
    if not houses:
        return None
    ordered = sorted(((key, house["cusp_lon"] % 360) for key, house in houses.items()), key=lambda item: item[1])
    chosen = ordered[-1][0]
    for key, cusp in ordered:
        if lon % 360 >= cusp:
            chosen = key
    return chosen


def summarize_aspect(aspect: dict) -> tuple[str, float | None]:
    """components/SummarizeAspect.ts."""
    first = aspect.get("planet1") or aspect.get("p1") or aspect.get("body1")
    second = aspect.get("planet2") or aspect.get("p2") or aspect.get("body2")
    name = aspect.get("aspect") or aspect.get("type") or aspect.get("name")
    orb = aspect.get("orb") if isinstance(aspect.get("orb"), (int, float)) else aspect.get("orb_deg")
    return " ".join(part for part in (first, name, second) if part), orb


def natal_chart_screen(app: App) -> dict:
    """What NatalChartScreen renders from `getMyNatalChart()`."""
    response = app.get("/astro/natal/me/")
    assert response.status_code == 200, response.text
    chart = response.json()
    planets, houses, aspects = chart["planets"], chart["houses"], chart.get("aspects") or []
    ordered = [key for key in BASE_PLANET_ORDER if key in planets] + sorted(set(planets) - set(BASE_PLANET_ORDER))
    elements = {"fire": 0, "earth": 0, "air": 0, "water": 0}
    for placement in planets.values():
        if placement.get("sign", "").lower() in SIGN_ELEMENT:
            elements[SIGN_ELEMENT[placement["sign"].lower()]] += 1
    return {
        "chart": chart,
        "planets": [
            (key, format_placement(planets[key]), "R" if planets[key]["speed"] < 0 else None) for key in ordered
        ],
        "angles": {label: format_placement(houses.get(key)) for label, key in
                   (("Ascendant", "1"), ("Descendant", "7"), ("Midheaven", "10"), ("Imum Coeli", "4"))},
        "houses_of": {key: resolve_house(houses, planets[key]["lon"]) for key in ordered},
        "aspects": [summarize_aspect(aspect) for aspect in aspects],
        "elements": elements,
    }  # fmt: skip


# --- row 56: POST /astro/natal/ -----------------------------------------------------------------------------


def test_row_56_use_registration_data_after_onboarding(sign_up, places):
    """Onboarding stores a city and country without coordinates; "use my registration data" resolves Kutaisi
    offline (never Tbilisi by default, as the old backend did) and the screen navigates on."""
    app = sign_up()
    onboard(app)
    response = app.post("/astro/natal/", {"source": "profile"})
    assert response.status_code == 200, response.text
    place = response.json()["meta"]["place"]
    assert (place["city"], place["country"], place["source"]) == ("Kutaisi", "Georgia", "geonames")
    assert (place["latitude"], place["longitude"]) == (42.26791, 42.69459)  # GeoNames 613607
    assert response.json()["meta"]["zone"] == "Asia/Tbilisi"
    screen = natal_chart_screen(app)
    assert screen["chart"]["meta"]["birth_date"] == ONBOARDING["birth_date"]


def test_row_56_the_form_with_a_map_pin(sign_up):
    app = sign_up()
    form = {
        "source": "form",
        "birth_date": "1963-06-09",
        "birth_time": "00:00",
        "city": "Owensboro",
        "country": "USA",
        "first_name": "Johnny",
        "last_name": "Depp",
        "latitude": 37.77422,
        "longitude": -87.11333,
    }
    response = app.post("/astro/natal/", form)
    assert response.status_code == 200, response.text
    # The form went into the personal map: the profile screens show it.
    personal = app.get("/me/profile/").json()
    assert (personal["birth_date"], personal["birth_time"], personal["birth_place_city"]) == (
        "1963-06-09", "00:00:00", "Owensboro"
    )  # fmt: skip
    screen = natal_chart_screen(app)
    assert screen["angles"] == {
        "Ascendant": "Aquarius 20.7°",
        "Descendant": "Leo 20.7°",
        "Midheaven": "Sagittarius 6.6°",  # the real MC (the old backend showed an equal-house cusp here)
        "Imum Coeli": "Gemini 6.6°",
    }
    assert screen["planets"][0] == ("sun", "Gemini 17.7°", None)
    assert ("saturn", "Aquarius 23.1°", "R") in screen["planets"]
    assert screen["houses_of"]["sun"] == "4" and screen["houses_of"]["moon"] == "11"
    assert screen["aspects"][0] == ("mercury conjunction venus", 0.60208)
    assert sum(screen["elements"].values()) == 10  # the nodes are points, not counted as planets


def test_row_56_the_form_without_coordinates_and_an_ambiguous_city(sign_up, places):
    app = sign_up()
    form = {"source": "form", "birth_date": "1994-07-21", "birth_time": "08:15", "city": "Springfield", "country": ""}
    response = app.post("/astro/natal/", form)  # latitude/longitude undefined: left out of the JSON
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "place_ambiguous" and len(body["candidates"]) > 1
    assert app.get("/astro/natal/me/").status_code == 404  # nothing was stored
    chosen = body["candidates"][0]
    again = app.post("/astro/natal/", {"source": "profile"})
    assert again.status_code == 422 and again.json()["code"] == "birth_data_missing"
    picked = app.post("/astro/natal/", {**form, "place_id": chosen["id"]})
    assert picked.status_code == 200, picked.text
    assert picked.json()["meta"]["place"]["place_id"] == chosen["id"]


def test_row_56_without_birth_data_the_app_gets_its_hint(sign_up):
    app = sign_up()
    response = app.post("/astro/natal/", {"source": "profile"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "birth_data_missing" and "No birth data stored in profile" in body["detail"]


# --- row 57: GET /astro/natal/me/ ---------------------------------------------------------------------------


def test_row_57_before_any_birth_data_the_screen_gets_a_404(sign_up):
    app = sign_up()
    response = app.get("/astro/natal/me/")
    assert response.status_code == 404 and response.json()["code"] == "natal_chart_missing"


def test_row_57_the_chart_follows_the_personal_map(sign_up, places):
    app = sign_up()
    onboard(app)
    first = natal_chart_screen(app)["chart"]
    assert first["calculated_at"] and len(first["houses"]) == 12
    app.patch("/me/profile/", {"birth_time": "20:45"})  # edited on the profile screen
    second = natal_chart_screen(app)["chart"]
    assert second["meta"]["input_hash"] != first["meta"]["input_hash"]
    assert second["houses"]["1"] != first["houses"]["1"]


def test_row_57_the_picture_and_the_mentors_reading(sign_up, places):
    app = sign_up()
    onboard(app)
    picture = app.get("/astro/natal/me/chart.svg")
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")
    # services/api/mentor.ts fetchNatalMentor: POST with no body, reads mentor_text.
    reading = app.post("/mentor/natal/")
    assert reading.status_code == 200, reading.text
    sun = app.get("/astro/natal/me/").json()["planets"]["sun"]["sign"]
    assert f"Sun in {sun}" in reading.json()["mentor_text"] and reading.json()["chart_status"] == "ok"
