"""`python -m scripts.profile_requests --smoke` still measures every endpoint of issue 12 end to end: its own
database, migrations and seed, every request through the ASGI entry with DEBUG off, the expected status for each,
and a number of CPU milliseconds and statements per endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.profile_requests import SCENARIOS

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def developer_env() -> dict[str, str]:
    """A developer's shell: no test profile and no DATABASE_URL, so the tool takes the embedded PostgreSQL."""
    dropped = ("SELFLINK_ENV", "DEBUG", "DATABASE_URL")
    return {k: v for k, v in os.environ.items() if k not in dropped and not k.startswith(("PYTEST", "DJANGO_"))}


def test_the_smoke_run_measures_every_endpoint(tmp_path: Path):
    output = tmp_path / "profile.json"
    command = [sys.executable, "-m", "scripts.profile_requests", "--smoke", "--json", str(output)]
    result = subprocess.run(
        command, cwd=ROOT, env=developer_env(), capture_output=True, text=True, timeout=540, check=False
    )
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, tail
    rows = json.loads(output.read_text())["results"]
    assert set(rows) == set(SCENARIOS)
    for name, row in rows.items():
        assert row["cpu_ms_mean"] > 0 and row["statements_min"] >= 2, (name, row)
    assert rows["messages_send"]["statements_max"] <= 16  # see tests/messaging/test_send_statements.py
