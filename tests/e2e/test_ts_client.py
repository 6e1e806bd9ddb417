"""The typed TypeScript client (`just client-ts`) generates, type-checks and works against a live daphne.

Runs scripts/client_ts.py exactly as a developer would: `generate` (npm ci of the pinned packages into
clients/ts/ and openapi-typescript over docs/openapi.json), `check` (tsc --noEmit --strict over the client
plus scripts/client_ts/e2e.ts) and `run` (e2e.ts under Node's type stripping, against `daphne_server`).
The first run downloads the npm packages into .local/npm-cache, hence the generous timeouts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from modules.accounts.models import User

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "client_ts.py"
E2E = ROOT / "scripts" / "client_ts" / "e2e.ts"
CATALOGS = ROOT / "scripts" / "client_ts" / "catalogs.ts"
SCHEMA_TS = ROOT / "clients" / "ts" / "src" / "schema.d.ts"
INDEX_TS = ROOT / "clients" / "ts" / "src" / "index.ts"

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1500)]


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def client_ts(
    step: str,
    *args: str,
    timeout: float,
    env: dict[str, str] | None = None,
    context: Callable[[], str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `scripts/client_ts.py ARGS`; on failure or timeout, fail with the step's stdout and stderr."""
    command = [sys.executable, str(SCRIPT), *args]
    started = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        outcome, stdout, stderr = f"timed out after {timeout}s", _text(error.stdout), _text(error.stderr)
    else:
        if result.returncode == 0:
            return result
        outcome, stdout, stderr = f"exited with {result.returncode}", result.stdout, result.stderr
    report = [
        f"{step} {outcome} ({time.monotonic() - started:.1f}s): {' '.join(command)}",
        f"--- stdout ---\n{stdout[-6000:]}",
        f"--- stderr ---\n{stderr[-6000:]}",
    ]
    if context is not None:
        report.append(context())
    pytest.fail("\n".join(report), pytrace=False)


@pytest.fixture(scope="module")
def generated_client() -> Path:
    """`just client-ts` once per module: pinned npm packages, clients/ts/src/{schema.d.ts,index.ts}."""
    result = client_ts("generate", "generate", timeout=1200)
    assert SCHEMA_TS.is_file(), result.stdout
    assert INDEX_TS.is_file(), result.stdout
    return SCHEMA_TS


def operation_ids(schema_ts: str) -> set[str]:
    """The keys of openapi-typescript's `export interface operations { ... }` (one per operationId)."""
    match = re.search(r"^export interface operations \{\n(.*?)^\}", schema_ts, flags=re.MULTILINE | re.DOTALL)
    assert match, "schema.d.ts has no `export interface operations` block"
    return set(re.findall(r"^ {4}([A-Za-z_$][\w$]*): \{$", match.group(1), flags=re.MULTILINE))


def test_generated_types_have_the_operation_ids(generated_client: Path):
    text = generated_client.read_text()
    ids = operation_ids(text)
    assert {"authLogin", "authRefresh", "usersMe", "usersFollow"} <= ids, sorted(ids)
    assert '"/api/v1/users/{user_id}/follow/": {' in text
    assert "export function createSelfLinkClient(baseUrl: string, getToken?: TokenSource)" in INDEX_TS.read_text()


def test_the_client_types_the_event_catalog_and_the_error_codes(generated_client: Path):
    """catalogs.ts narrows `RealtimeFrame` by `type` and assigns `ErrorCode`s; its `@ts-expect-error` lines
    (an invented code, a field another event has) make tsc fail if the types were loose."""
    text = generated_client.read_text()
    assert re.search(r'ErrorCode: "[a-z_]+" \|', text), "ErrorCode is not a union of literals"
    assert 'type: "message:status"' in text
    check = client_ts("type-check catalogs.ts", "check", str(CATALOGS), timeout=600)
    assert "tsc passed" in check.stdout


def test_ts_client_compiles_and_works_against_live_daphne(generated_client: Path, daphne_server, transactional_db):
    check = client_ts("type-check (tsc --noEmit --strict)", "check", str(E2E), timeout=600)
    assert "tsc passed" in check.stdout

    env = {**os.environ, "SELFLINK_API": daphne_server.url}
    result = client_ts(
        "e2e.ts against daphne",
        "run",
        str(E2E),
        timeout=180,
        env=env,
        context=lambda: f"--- daphne log (tail) ---\n{daphne_server.log()[-4000:]}",
    )
    summary = result.stdout.strip().splitlines()
    assert summary, f"e2e.ts printed nothing; stderr:\n{result.stderr}"
    assert summary[-1].startswith("e2e ok"), result.stdout + result.stderr
    print(summary[-1])  # shown with -s / -rP

    # The other process wrote to this test database: both accounts are there, committed.
    ids = [int(found) for found in re.findall(r"#(\d+)", summary[-1])[:2]]
    assert len(ids) == 2, summary[-1]
    assert User.objects.filter(id__in=ids, email__startswith="e2e-").count() == 2
