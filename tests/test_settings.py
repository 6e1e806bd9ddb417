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
# read by scripts/dev.py, the embedded database and the server command (modules.ops.serve)
EXTRA_VARIABLES = {"HOST", "PORT", "SELFLINK_LOCAL_DIR", "WEB_CONCURRENCY"}


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


# --- HSTS and Content-Security-Policy (issue 10) ---------------------------------------------------------


def _production(**extra: str) -> subprocess.CompletedProcess:
    code = "import selflink.settings as s; print(s.SECURE_HSTS_SECONDS)"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "SELFLINK_ENV": "production",
        "SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "selflink.example",
        "DATABASE_URL": "postgres://u:p@db/selflink",
        **extra,
    }
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_production_sends_hsts_for_a_year_by_default_and_it_can_be_turned_off():
    default = _production()
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "31536000"
    off = _production(SECURE_HSTS_SECONDS="0")
    assert off.stdout.strip() == "0"


@pytest.mark.django_db
def test_hsts_is_sent_on_https_requests_only(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's address: the reverse proxy that terminated TLS
    over_tls = client.get("/api/v1/health/", headers={"X-Forwarded-Proto": "https"})
    assert over_tls["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/api/v1/health/")  # a plain-HTTP trial never pins browsers to HTTPS
    assert "Strict-Transport-Security" not in plain


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def _same_origin(url: str | None) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


def _assets_allowed_by_policy(html: str) -> None:
    """What the page loads is what its policy allows: scripts only from our origin (or JSON data blocks), no
    inline scripts or handlers, stylesheets from our origin."""
    from html.parser import HTMLParser

    problems: list[str] = []

    class Check(HTMLParser):
        in_inline_script = False

        def handle_starttag(self, tag, attrs):
            attributes = dict(attrs)
            problems.extend(f"{tag} has inline handler {name}" for name in attributes if name.startswith("on"))
            if tag == "script":
                src = attributes.get("src")
                if src is None and attributes.get("type") != "application/json":
                    self.in_inline_script = True
                elif src is not None and not _same_origin(src):
                    problems.append(f"script from {src}")
            if tag == "link" and attributes.get("rel") == "stylesheet" and not _same_origin(attributes.get("href")):
                problems.append(f"stylesheet from {attributes.get('href')}")

        def handle_data(self, data):
            if self.in_inline_script and data.strip():
                problems.append(f"inline script: {data.strip()[:60]}")

        def handle_endtag(self, tag):
            if tag == "script":
                self.in_inline_script = False

    Check().feed(html)
    assert problems == []


@pytest.mark.django_db
def test_the_api_docs_have_a_strict_policy_their_page_complies_with(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no inline or eval'd code, no other host
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["connect-src"] == ["'self'"]
    _assets_allowed_by_policy(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/admin/accounts/user/", "/admin/posts/post/"])
def test_the_admin_has_a_policy_its_pages_comply_with(client, path):
    from tests.factories import StaffFactory

    if path != "/admin/login/":
        client.force_login(StaffFactory())
    response = client.get(path)
    assert response.status_code == 200, path
    policy = _directives(response["Content-Security-Policy"])
    # unfold's Alpine.js builds its handlers with the AsyncFunction constructor: eval, but never inline scripts.
    assert policy["script-src"] == ["'self'", "'unsafe-eval'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    _assets_allowed_by_policy(response.content.decode())


@pytest.mark.django_db
def test_json_api_responses_carry_no_page_policy(client):
    assert "Content-Security-Policy" not in client.get("/api/v1/health/")


def test_media_from_s3_or_a_cdn_is_allowed_in_the_admin(settings):
    from selflink import security_headers

    settings.STORAGE_BACKEND = "s3"
    settings.AWS_S3_CUSTOM_DOMAIN = "media.selflink.example"
    security_headers.admin_policy.cache_clear()
    try:
        policy = _directives(security_headers.admin_policy())
        assert "https://media.selflink.example" in policy["img-src"]
        assert "https://media.selflink.example" in policy["media-src"]
    finally:
        security_headers.admin_policy.cache_clear()
