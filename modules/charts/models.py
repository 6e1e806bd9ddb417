from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.utils import timezone

from modules.charts.rules import DEFAULT_HOUSE_SYSTEM, HOUSE_SYSTEMS

MAX_UTC_OFFSET_SECONDS = 15 * 3600  # the tz database's extremes are −12 and +14 hours; local mean time ±12


class Country(models.Model):
    """GeoNames countries (CC BY 4.0), for recognising the country a birth city was given with."""

    code = models.CharField(max_length=2, primary_key=True)  # ISO 3166-1 alpha-2
    iso3 = models.CharField(max_length=3)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Place(models.Model):
    """A GeoNames city (CC BY 4.0), imported by `manage.py charts_import_places`. The id is GeoNames' own."""

    id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    ascii_name = models.CharField(max_length=200)
    country_code = models.CharField(max_length=2)
    admin1_code = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.BigIntegerField()
    timezone = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="place_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__gte=-180, longitude__lte=180), name="place_longitude_range"),
            models.CheckConstraint(condition=Q(population__gte=0), name="place_population_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.country_code}"


class PlaceName(models.Model):
    """Every name of a place (its name, ASCII name and alternate names in any script) as a search key
    (transliteration.search_key): exact and prefix matches use the B-tree index, similar ones the trigram index.
    Country and population are repeated here so that a search reads one table."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names")
    key = models.CharField(max_length=200)
    primary = models.BooleanField()  # the place's own name or ASCII name (not an alternate)
    country_code = models.CharField(max_length=2)
    population = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "key"], name="placename_unique_key")]
        indexes = [
            # Covering: a prefix search ranked by population is an index-only scan.
            models.Index(
                OpClass("key", name="text_pattern_ops"),
                name="placename_key_prefix",
                include=["population", "place", "primary", "country_code"],
            ),
            GinIndex(OpClass("key", name="gin_trgm_ops"), name="placename_key_trgm"),
        ]

    def __str__(self) -> str:
        return self.key


class ChartSettings(models.Model):
    """A person's chart choices: the house system, and for their current birth time the fold of an ambiguous
    local time or a manual UTC offset. `birth_key` identifies the birth data (date, time, place, zone) those two
    were chosen for: when the personal map changes they no longer apply."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    house_system = models.CharField(
        max_length=16, choices=[(s, s) for s in HOUSE_SYSTEMS], default=DEFAULT_HOUSE_SYSTEM
    )
    fold = models.SmallIntegerField(null=True, blank=True)
    utc_offset_seconds = models.IntegerField(null=True, blank=True)
    birth_key = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "chart settings"
        constraints = [
            models.CheckConstraint(condition=Q(house_system__in=HOUSE_SYSTEMS), name="chartsettings_house_system"),
            models.CheckConstraint(condition=Q(fold__isnull=True) | Q(fold__in=(0, 1)), name="chartsettings_fold"),
            models.CheckConstraint(
                condition=Q(utc_offset_seconds__isnull=True)
                | Q(utc_offset_seconds__gte=-MAX_UTC_OFFSET_SECONDS, utc_offset_seconds__lte=MAX_UTC_OFFSET_SECONDS),
                name="chartsettings_utc_offset_range",
            ),
        ]

    def __str__(self) -> str:
        return f"chart settings of user {self.user_id}"


class NatalChartRow(models.Model):
    """The natal chart last computed for a user, kept while its input hash is current. The row is the user's:
    two people with the same birth data have two rows, and a chart is only ever read by its user id."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    input_hash = models.CharField(max_length=64)
    chart = models.JSONField()
    svg = models.TextField(blank=True)  # the chart wheel for the same input hash, rendered on first request
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "charts_natalchart"

    def __str__(self) -> str:
        return f"natal chart of user {self.user_id}"
