"""Contract tests run against one live daphne (DEBUG off) serving the test database; data is committed."""

from __future__ import annotations

import pytest

from tests.contract.app import App

pytestmark = [pytest.mark.integration]


@pytest.fixture
def server(daphne_server, transactional_db):
    return daphne_server.url


@pytest.fixture
def sign_up(server):
    """A new user of the app, signed up through the app's own register call."""

    def make(**kwargs) -> App:
        return App.sign_up(server, **kwargs)

    return make


@pytest.fixture
def places(server):
    """The GeoNames sample of the charts tests imported into the live server's database (committed)."""
    from modules.charts import services
    from tests.charts.conftest import geonames_sample

    records, countries = geonames_sample()
    services.places_import(places=records, countries=countries)
