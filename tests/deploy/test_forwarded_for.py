"""A client that reaches daphne directly cannot choose its own address: daphne run exactly as the production image
runs it (the Dockerfile's CMD) keys the login rate limit on the connecting address, whatever X-Forwarded-For says.
With `--proxy-headers` (the image's old command) every forged header was a fresh rate-limit key."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import httpx
import pytest

from tests.factories import UserFactory
from tests.live import free_port, server_env, start_process, wait_for_http

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

DOCKERFILE = Path(__file__).resolve().parents[2] / "deploy" / "Dockerfile"


def image_command() -> list[str]:
    match = re.search(r"^CMD (\[.*\])$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    assert match, "the Dockerfile has no exec-form CMD"
    return json.loads(match.group(1))


def test_forged_forwarded_for_does_not_escape_the_login_rate_limit(django_db_blocker, tmp_path):
    command = image_command()
    # `python -m modules.ops.serve …` (daphne with a quiet access log): this interpreter, a free local port.
    assert command[:3] == ["python", "-m", "modules.ops.serve"], command
    launcher, args = [sys.executable, *command[1:3]], command[3:]
    port = free_port()
    args[args.index("-b") + 1], args[args.index("-p") + 1] = "127.0.0.1", str(port)
    with django_db_blocker.unblock():
        process = start_process(
            "daphne-image-cmd",
            [*launcher, *args],
            server_env(RATE_LOGIN_PER_IP="2/5m", RATE_LOGIN_PER_ACCOUNT="100/15m", TRUSTED_PROXIES=""),
            tmp_path,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(process, f"{url}/api/v1/health/")
        UserFactory(email="ana@example.org")
        statuses = []
        with httpx.Client(timeout=10) as client:
            for n in range(3):
                response = client.post(
                    f"{url}/api/v1/auth/login/",
                    json={"email": "ana@example.org", "password": f"wrong guess {n}"},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                )
                statuses.append(response.status_code)
        assert statuses == [401, 401, 429], statuses
    finally:
        process.stop()
