"""Settings are read from the environment and validated at start."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from selflink.env import Env, Rate

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (ROOT / "selflink" / "settings.py").read_text()
EXTRA_VARIABLES = {"HOST", "PORT", "SELFLINK_LOCAL_DIR"}  # read by scripts/dev.py and the embedded database


def variables_in_settings() -> set[str]:
    return set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', SETTINGS_SOURCE)) | EXTRA_VARIABLES


def variables_in(path: Path) -> set[str]:
    return set(re.findall(r"^([A-Z0-9_]+)=", path.read_text(), flags=re.MULTILINE))


def test_env_example_lists_exactly_the_variables_the_code_reads():
    assert variables_in(ROOT / ".env.example") == variables_in_settings()


def test_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(name for name in variables_in_settings() if f"`{name}`" not in readme)
    assert not missing, f"README's configuration table lacks: {missing}"


def import_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SELFLINK", "DEBUG", "SECRET", "ALLOWED"))}
    code = "import selflink.settings as s; print('ok', s.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_insecure_defaults():
    result = import_settings(SELFLINK_ENV="production", DEBUG="true", DATABASE_URL="postgres://u:p@db/selflink")
    assert result.returncode != 0
    for expected in ("SECRET_KEY must be set", "DEBUG must be off", "ALLOWED_HOSTS must list"):
        assert expected in result.stderr


def test_production_requires_a_database_url():
    result = import_settings(SELFLINK_ENV="production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="selflink.example")
    assert result.returncode != 0
    assert "DATABASE_URL must point" in result.stderr


def test_production_accepts_a_complete_configuration():
    result = import_settings(
        SELFLINK_ENV="production",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="selflink.example",
        DATABASE_URL="postgres://u:p@db:5432/selflink",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok False"


def test_sqlite_is_refused():
    result = import_settings(DATABASE_URL="sqlite:///tmp/x.db")
    assert result.returncode != 0
    assert "must be a PostgreSQL URL" in result.stderr


def test_every_problem_is_listed_at_once():
    env = Env(source={"DEBUG": "maybe", "JWT_ACCESS_TTL_SECONDS": "5", "RATE_LOGIN_PER_IP": "lots"})
    env.bool("DEBUG", False)
    env.int("JWT_ACCESS_TTL_SECONDS", 900, minimum=30)
    env.rate("RATE_LOGIN_PER_IP", "20/5m")
    with pytest.raises(ImproperlyConfigured) as excinfo:
        env.check()
    message = str(excinfo.value)
    assert "DEBUG='maybe'" in message and "too small" in message and "RATE_LOGIN_PER_IP" in message


@pytest.mark.parametrize(
    ("raw", "rate"),
    [("5/15m", Rate(5, 900)), ("20/m", Rate(20, 60)), ("100/h", Rate(100, 3600)), ("3/2d", Rate(3, 172800))],
)
def test_rate_syntax(raw, rate):
    assert Env(source={"R": raw}).rate("R", "1/s") == rate
