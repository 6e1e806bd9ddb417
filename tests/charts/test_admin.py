"""Staff see the place index and that charts exist, never a chart's placements or birth data."""

import pytest
from django.test import Client
from django.urls import reverse

from modules.charts.models import NatalChartRow, Place
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def test_pages_render_without_the_chart(staff_client, depp, geonames):
    assert depp.get("/astro/natal/me/chart.svg").status == 200
    row = NatalChartRow.objects.get(user=depp.user)
    changelist = staff_client.get(reverse("admin:charts_natalchartrow_changelist"))
    assert changelist.status_code == 200
    page = changelist.content.decode()
    assert row.input_hash in page
    for private in ("Gemini", "Aquarius", "Owensboro", "1963"):
        assert private not in page
    detail = staff_client.get(reverse("admin:charts_natalchartrow_change", args=[row.pk])).content.decode()
    assert "Gemini" not in detail and "Owensboro" not in detail
    places = staff_client.get(reverse("admin:charts_place_changelist"), {"q": "Tbilisi"})
    assert places.status_code == 200 and "Tbilisi" in places.content.decode()
    tbilisi = Place.objects.get(name="Tbilisi")
    assert staff_client.post(reverse("admin:charts_place_delete", args=[tbilisi.pk])).status_code == 403
