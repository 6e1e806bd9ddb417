"""Django settings for SelfLink, read from environment variables.

Every variable is listed, with its default, in `.env.example` and in the README.
`SELFLINK_ENV` selects the profile: `development` (default), `test` or
`production`. Production refuses insecure values (default secret key, DEBUG on,
missing DATABASE_URL or ALLOWED_HOSTS) and lists every problem at once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from pathlib import Path

import dj_database_url

from selflink.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

SELFLINK_ENV = env.choice("SELFLINK_ENV", "development", ("development", "test", "production"))
IS_PRODUCTION = SELFLINK_ENV == "production"
IS_TEST = SELFLINK_ENV == "test"

_INSECURE_KEY = "django-insecure-selflink-development-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", _INSECURE_KEY)
DEBUG = env.bool("DEBUG", SELFLINK_ENV == "development")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", [] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])
# Used to build absolute media URLs outside a request (jobs, notifications); requests use their own host.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
# Proxies (addresses or networks) whose X-Forwarded-For/-Proto/-Host the app believes: the reverse proxy in
# front of daphne. Default none: whoever connects is the client (see TrustedProxyMiddleware).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        env.errors.append(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network")

if IS_PRODUCTION:
    env.require(SECRET_KEY != _INSECURE_KEY, "SECRET_KEY must be set to a unique secret in production")
    env.require("change-me" not in SECRET_KEY, "SECRET_KEY is still the placeholder from .env.example")
    env.require(len(SECRET_KEY) >= 32, "SECRET_KEY must be at least 32 characters long in production")
    env.require(not DEBUG, "DEBUG must be off in production")
    env.require(bool(ALLOWED_HOSTS), "ALLOWED_HOSTS must list the public host names in production")

# --- applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    "daphne",
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "ninja",
    "storages",
    "django_dramatiq",
    "modules.core",
    "modules.accounts",
    "modules.media",
    "modules.profiles",
    "modules.social",
    "modules.ops",
    "modules.rewards",
    "modules.posts",
    "modules.search",
    "modules.realtime",
    "modules.notifications",
    "modules.messaging",
    "modules.mentor",
    "modules.charts",
]

MIDDLEWARE = [
    # First: everything after it (the HTTPS redirect, rate-limit keys, absolute URLs) sees the real client.
    "modules.core.middleware.TrustedProxyMiddleware",
    # Django's middleware comes adapted from modules/core/middleware_django.py (subclasses, same settings): hooks
    # that only set headers run without a thread hop under ASGI ("inline"), and sessions, CSRF, authentication from
    # the session and messages, which only the admin and the docs page use, are skipped for the bearer API
    # (/api/v…) ("browser only"). About 15 thread hops per API request become none (issue 12).
    "modules.core.middleware_django.SecurityMiddleware",  # inline
    # Before anything that reads the database (sessions, auth): while it is down, 503 at once.
    "modules.core.middleware.DatabaseGateMiddleware",
    # Every middleware here is async-capable: under daphne a sync-only one would cost a thread hop per request.
    "servestatic.middleware.ServeStaticMiddleware",
    "modules.core.middleware.ApiErrorShapeMiddleware",
    "modules.core.middleware_django.SessionMiddleware",  # browser only
    "modules.core.middleware_django.CommonMiddleware",  # inline
    "modules.core.middleware_django.CsrfViewMiddleware",  # browser only
    "modules.core.middleware_django.AuthenticationMiddleware",  # browser only
    "modules.core.middleware_django.MessageMiddleware",  # browser only
    "modules.core.middleware_django.XFrameOptionsMiddleware",  # inline
    # Content-Security-Policy of the pages we render: the admin and the API docs (selflink/security_headers.py).
    "selflink.security_headers.ContentSecurityPolicyMiddleware",  # inline
]
# Django's deploy checks for these three look for its exact class paths, not our subclasses above;
# modules/core/checks.py checks for them (or any subclass) instead (core.E001–E003).
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]

ROOT_URLCONF = "selflink.urls"
ASGI_APPLICATION = "selflink.asgi.application"
WSGI_APPLICATION = "selflink.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "selflink" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------------

DATABASE_URL = env.optional("DATABASE_URL")
if IS_PRODUCTION:
    env.require(bool(DATABASE_URL), "DATABASE_URL must point at the production PostgreSQL")
    env.require("change-me" not in (DATABASE_URL or ""), "the database password is still the placeholder")
EMBEDDED_DATABASE = DATABASE_URL is None and not IS_PRODUCTION
if EMBEDDED_DATABASE:
    # A private PostgreSQL under .local/, started on demand and stopped when the last user exits.
    from selflink.embedded_postgres import server as _embedded_postgres

    DATABASE_URL = _embedded_postgres.acquire()

DATABASE_POOL_MAX = env.int("DATABASE_POOL_MAX", 0 if IS_TEST else 20, minimum=0, maximum=500)
# Health checks: a connection is tested before use (with the pool: on checkout), so one that a database
# restart closed is replaced instead of failing a request.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or "postgres://invalid/invalid", conn_max_age=0, conn_health_checks=True
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    env.errors.append("DATABASE_URL must be a PostgreSQL URL (postgres:// or postgresql://): SelfLink needs Postgres")
# How long a request waits for a pooled connection, and for a new connection to open: short, so an outage is
# a quick 503 (modules/core/database.py) rather than requests piling up.
DATABASE_POOL_TIMEOUT_SECONDS = env.int("DATABASE_POOL_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
DATABASE_CONNECT_TIMEOUT_SECONDS = env.int("DATABASE_CONNECT_TIMEOUT_SECONDS", 3, minimum=1, maximum=60)
DATABASES["default"]["OPTIONS"] = {
    "application_name": env.str("DATABASE_APPLICATION_NAME", "selflink"),
    "connect_timeout": DATABASE_CONNECT_TIMEOUT_SECONDS,
    **(
        {"pool": {"min_size": 1, "max_size": DATABASE_POOL_MAX, "timeout": DATABASE_POOL_TIMEOUT_SECONDS}}
        if DATABASE_POOL_MAX
        else {}
    ),
}
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", "test_selflink")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth ---------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
# Argon2id at OWASP's m=19 MiB, t=2, p=1 (Django's default costs 100 MiB a hash); older Argon2 hashes still verify
# and are re-hashed at the next sign-in. See modules/accounts/hashers.py.
PASSWORD_HASHERS = ["modules.accounts.hashers.SelfLinkArgon2PasswordHasher"]
if IS_TEST:
    # Argon2 with production cost makes a test suite of hundreds of logins needlessly slow.
    PASSWORD_HASHERS = ["modules.accounts.hashers.FastArgon2PasswordHasher"]


def _cpus_per_web_process() -> int:
    """This process's share of the CPUs it may run on: the web processes of one supervisor split them
    (`modules.ops.serve` tells its workers how many they are in WEB_CONCURRENCY)."""
    try:
        processes = max(1, int(os.environ.get("WEB_CONCURRENCY") or 1))
    except ValueError:
        processes = 1
    return max(1, len(os.sched_getaffinity(0)) // processes)


# Password hashes in flight per process (each holds 19 MiB), computed on as many threads of their own, and how long a
# sign-in waits for one before a 503. Hashing memory per process: this × 19 MiB in use, about as much kept by the
# hashing threads between sign-ins (modules/accounts/hashers.py). Argon2 is CPU-bound, so by default one hashing
# thread per CPU the process has: more would hold memory without signing anyone in sooner (issue 12: 32 concurrent
# sign-ins on 2 workers × 4 threads peaked at 510 MiB, at 381 MiB with 1 thread each, at the same 56 req/s).
PASSWORD_HASH_CONCURRENCY = env.int("PASSWORD_HASH_CONCURRENCY", _cpus_per_web_process(), minimum=1, maximum=64)
PASSWORD_HASH_WAIT_SECONDS = env.int("PASSWORD_HASH_WAIT_SECONDS", 5, minimum=0, maximum=60)
# Staff sign in at /admin/login/ (its form has no `next` field): land on the admin, not Django's /accounts/profile/.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "handle", "name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Access tokens are short-lived JWTs; refresh tokens are opaque, stored hashed and rotated.
JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", hashlib.sha256(f"jwt:{SECRET_KEY}".encode()).hexdigest())
JWT_ISSUER = env.str("JWT_ISSUER", "selflink")
JWT_ACCESS_TTL_SECONDS = env.int("JWT_ACCESS_TTL_SECONDS", 15 * 60, minimum=30, maximum=24 * 3600)
REFRESH_TOKEN_TTL_SECONDS = env.int("REFRESH_TOKEN_TTL_SECONDS", 14 * 86400, minimum=300)
# Brute-force protection, counted in Postgres: per client IP and per account.
RATE_LOGIN_PER_IP = env.rate("RATE_LOGIN_PER_IP", "20/5m")
RATE_LOGIN_PER_ACCOUNT = env.rate("RATE_LOGIN_PER_ACCOUNT", "5/15m")
RATE_REGISTER_PER_IP = env.rate("RATE_REGISTER_PER_IP", "10/h")
RATE_REFRESH_PER_IP = env.rate("RATE_REFRESH_PER_IP", "120/m")
RATE_POSTS_PER_USER = env.rate("RATE_POSTS_PER_USER", "30/m")
RATE_COMMENTS_PER_USER = env.rate("RATE_COMMENTS_PER_USER", "60/m")
RATE_THREADS_PER_USER = env.rate("RATE_THREADS_PER_USER", "20/m")
RATE_MESSAGES_PER_USER = env.rate("RATE_MESSAGES_PER_USER", "60/m")
RATE_FOLLOW_REQUESTS_PER_USER = env.rate("RATE_FOLLOW_REQUESTS_PER_USER", "50/h")
RATE_FOLLOW_REQUESTS_PER_PAIR = env.rate("RATE_FOLLOW_REQUESTS_PER_PAIR", "3/d")
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", True)

# --- media and static files ---------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(BASE_DIR / ".local" / "static")))
SERVESTATIC_USE_FINDERS = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # outside production, static files come from the apps

STORAGE_BACKEND = env.choice("STORAGE_BACKEND", "local", ("local", "s3"))
MEDIA_URL = env.str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(BASE_DIR / ".local" / "media")))
# In development daphne serves MEDIA_ROOT itself; in deploy/ the reverse proxy does.
SERVE_MEDIA = env.bool("SERVE_MEDIA", not IS_PRODUCTION)
MEDIA_MAX_IMAGE_BYTES = env.int("MEDIA_MAX_IMAGE_BYTES", 10 * 1024 * 1024, minimum=1024)
MEDIA_MAX_IMAGE_PIXELS = env.int("MEDIA_MAX_IMAGE_PIXELS", 40_000_000, minimum=10_000)
MEDIA_MAX_VIDEO_BYTES = env.int("MEDIA_MAX_VIDEO_BYTES", 50 * 1024 * 1024, minimum=1024)
# Decompression bombs (modules/media/images.py): checked from the headers before anything is decoded.
MEDIA_MAX_IMAGE_FRAMES = env.int("MEDIA_MAX_IMAGE_FRAMES", 300, minimum=1)
MEDIA_MAX_IMAGE_TOTAL_PIXELS = env.int("MEDIA_MAX_IMAGE_TOTAL_PIXELS", 100_000_000, minimum=10_000)
MEDIA_MAX_DECODE_BYTES = env.int("MEDIA_MAX_DECODE_BYTES", 256 * 1024 * 1024, minimum=1024 * 1024)
# Image decoding runs on a pool of this many threads per process; a request waits this long for a free one
# before it gets 503 `media_busy` with Retry-After.
MEDIA_DECODE_WORKERS = env.int("MEDIA_DECODE_WORKERS", 2, minimum=1, maximum=64)
MEDIA_DECODE_WAIT_SECONDS = env.int("MEDIA_DECODE_WAIT_SECONDS", 10, minimum=0, maximum=300)
# Private media (DM attachments, followers-only posts, private accounts) get signed URLs valid this long.
MEDIA_PRIVATE_URL_TTL_SECONDS = env.int("MEDIA_PRIVATE_URL_TTL_SECONDS", 3600, minimum=60, maximum=7 * 24 * 3600)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

if STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env.str("S3_BUCKET")
    AWS_S3_ENDPOINT_URL = env.optional("S3_ENDPOINT_URL")
    AWS_S3_REGION_NAME = env.optional("S3_REGION")
    AWS_ACCESS_KEY_ID = env.optional("S3_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = env.optional("S3_SECRET_ACCESS_KEY")
    AWS_S3_ADDRESSING_STYLE = "path" if env.bool("S3_PATH_STYLE", True) else "virtual"
    AWS_S3_SIGNATURE_VERSION = "s3v4"  # presigned URLs that every S3-compatible store accepts
    AWS_QUERYSTRING_AUTH = env.bool("S3_PRESIGNED_URLS", False)
    AWS_QUERYSTRING_EXPIRE = env.int("S3_PRESIGNED_TTL_SECONDS", 3600, minimum=60)
    AWS_S3_CUSTOM_DOMAIN = env.optional("S3_PUBLIC_DOMAIN")
    AWS_DEFAULT_ACL = None
    AWS_S3_FILE_OVERWRITE = False
    env.require(bool(AWS_STORAGE_BUCKET_NAME), "S3_BUCKET is required when STORAGE_BACKEND=s3")
    _media_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"location": "media"}}
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": MEDIA_URL},
    }

STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- background jobs ----------------------------------------------------------------------------

# Postgres is the default broker (the `dramatiq` schema in the main database); Redis or RabbitMQ
# are optional and need their client library installed (`pip install redis` / `pika`).
DRAMATIQ_BROKER_KIND = env.choice(
    "DRAMATIQ_BROKER", "stub" if IS_TEST else "postgres", ("postgres", "redis", "rabbitmq", "stub")
)
_dramatiq_middleware = [
    # First: after a database restart a job waits here for the pools to be checked, before its time limit starts.
    "modules.ops.worker.DatabaseRecovery",
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "django_dramatiq.middleware.DbConnectionsMiddleware",
]
if DRAMATIQ_BROKER_KIND == "postgres":
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq_postgres.PostgresBroker",
        "OPTIONS": {"url": env.str("DRAMATIQ_BROKER_URL", DATABASE_URL or ""), "results": False},
        "MIDDLEWARE": _dramatiq_middleware,
    }
elif DRAMATIQ_BROKER_KIND == "redis":
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.redis.RedisBroker",
        "OPTIONS": {"url": env.str("DRAMATIQ_BROKER_URL")},
        "MIDDLEWARE": _dramatiq_middleware,
    }
elif DRAMATIQ_BROKER_KIND == "rabbitmq":
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.rabbitmq.RabbitmqBroker",
        "OPTIONS": {"url": env.str("DRAMATIQ_BROKER_URL")},
        "MIDDLEWARE": _dramatiq_middleware,
    }
else:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.stub.StubBroker",
        "OPTIONS": {},
        "MIDDLEWARE": _dramatiq_middleware,
    }
DRAMATIQ_TASKS_DATABASE = "default"
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]

WORKER_HEARTBEAT_INTERVAL_SECONDS = env.int("WORKER_HEARTBEAT_INTERVAL_SECONDS", 15, minimum=1)
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 60, minimum=2)

# --- realtime (Postgres LISTEN/NOTIFY, see docs/ARCHITECTURE.md) -----------------------------------

# The listener needs a direct (or session-mode pooled) connection: LISTEN does not survive transaction pooling.
REALTIME_DATABASE_URL = env.str("REALTIME_DATABASE_URL", DATABASE_URL or "")
REALTIME_RETENTION_HOURS = env.int("REALTIME_RETENTION_HOURS", 24, minimum=1)
REALTIME_QUEUE_SIZE = env.int("REALTIME_QUEUE_SIZE", 500, minimum=10)
REALTIME_POLL_SECONDS = env.int("REALTIME_POLL_SECONDS", 2, minimum=1, maximum=60)
# How often each process re-checks the sign-in sessions of its open connections (one query per process), so a
# session ended without the `session:revoked` announcement (SQL, a deleted user) still closes its connections.
REALTIME_SESSION_CHECK_SECONDS = env.int("REALTIME_SESSION_CHECK_SECONDS", 5, minimum=1, maximum=60)

# --- notifications and push ---------------------------------------------------------------------

# Read notifications older than this are deleted by a nightly job (unread ones are kept).
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", 90, minimum=1)
# Master switch of push delivery (in-app notifications and realtime events are unaffected).
PUSH_ENABLED = env.bool("PUSH_ENABLED", True)
PUSH_TIMEOUT_SECONDS = env.int("PUSH_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)
PUSH_MAX_ATTEMPTS = env.int("PUSH_MAX_ATTEMPTS", 3, minimum=1, maximum=10)
PUSH_RETRY_BACKOFF_MS = env.int("PUSH_RETRY_BACKOFF_MS", 500, minimum=0, maximum=60_000)
EXPO_PUSH_URL = env.str("EXPO_PUSH_URL", "https://exp.host/--/api/v2/push/send")
EXPO_RECEIPTS_URL = env.str("EXPO_RECEIPTS_URL", "https://exp.host/--/api/v2/push/getReceipts")
# Only needed when "enhanced push security" is on for the Expo project. Never logged.
EXPO_ACCESS_TOKEN = env.str("EXPO_ACCESS_TOKEN", "")
# FCM HTTP v1 for native Android tokens: a Google service-account JSON file (secret). Unset: `fcm` is refused.
FCM_SERVICE_ACCOUNT_FILE = env.str("FCM_SERVICE_ACCOUNT_FILE", "")
FCM_PROJECT_ID = env.str("FCM_PROJECT_ID", "")  # default: the service account's project_id
FCM_SEND_URL = env.str("FCM_SEND_URL", "https://fcm.googleapis.com/v1/projects/{project_id}/messages:send")
FCM_TOKEN_URL = env.str("FCM_TOKEN_URL", "")  # default: the service account's token_uri
_PUSH_URLS = {
    "EXPO_PUSH_URL": EXPO_PUSH_URL,
    "EXPO_RECEIPTS_URL": EXPO_RECEIPTS_URL,
    "FCM_SEND_URL": FCM_SEND_URL,
    "FCM_TOKEN_URL": FCM_TOKEN_URL,
}
for _name, _url in _PUSH_URLS.items():
    env.require(_url == "" or _url.startswith(("https://", "http://")), f"{_name} must be an http(s) URL")
    env.require(not IS_PRODUCTION or _url == "" or _url.startswith("https://"), f"{_name} must use https")
env.require(
    not FCM_SERVICE_ACCOUNT_FILE or Path(FCM_SERVICE_ACCOUNT_FILE).is_file(),
    "FCM_SERVICE_ACCOUNT_FILE does not name a readable file",
)

# --- AI mentor (docs/ARCHITECTURE.md#ai-mentor) -----------------------------------------------------

# offline: deterministic replies composed from the person's own context (no LLM, works on a fresh machine);
# openai: any OpenAI-compatible Chat Completions server (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, OpenRouter …).
MENTOR_PROVIDER = env.choice("MENTOR_PROVIDER", "offline", ("offline", "openai"))
MENTOR_BASE_URL = env.str("MENTOR_BASE_URL", "https://api.openai.com/v1").rstrip("/")
MENTOR_API_KEY = env.str("MENTOR_API_KEY", "")  # the platform key (secret, never logged); empty for keyless servers
MENTOR_MODEL = env.str("MENTOR_MODEL", "gpt-4o-mini")
MENTOR_CONNECT_TIMEOUT_SECONDS = env.int("MENTOR_CONNECT_TIMEOUT_SECONDS", 5, minimum=1, maximum=60)
MENTOR_FIRST_TOKEN_TIMEOUT_SECONDS = env.int("MENTOR_FIRST_TOKEN_TIMEOUT_SECONDS", 20, minimum=1, maximum=300)
MENTOR_IDLE_TIMEOUT_SECONDS = env.int("MENTOR_IDLE_TIMEOUT_SECONDS", 15, minimum=1, maximum=300)
MENTOR_TIMEOUT_SECONDS = env.int("MENTOR_TIMEOUT_SECONDS", 90, minimum=1, maximum=900)  # a whole reply
MENTOR_MAX_TOKENS = env.int("MENTOR_MAX_TOKENS", 800, minimum=16, maximum=32_000)
MENTOR_MAX_RETRIES = env.int("MENTOR_MAX_RETRIES", 1, minimum=0, maximum=5)
# Bring your own key (X-LLM-Key): the base URLs and models a request may choose; the first ones are the defaults.
# No base URL: personal keys are refused.
MENTOR_BYO_BASE_URLS = [url.rstrip("/") for url in env.list("MENTOR_BYO_BASE_URLS", ["https://api.openai.com/v1"])]
MENTOR_BYO_MODELS = env.list("MENTOR_BYO_MODELS", ["gpt-4o-mini", "gpt-4.1-mini", "gpt-4.1"])
RATE_MENTOR_PER_USER = env.rate("RATE_MENTOR_PER_USER", "20/m")
# Messages per person and UTC day answered with the platform's provider (replies with a personal key are not counted).
MENTOR_DAILY_QUOTA = env.int("MENTOR_DAILY_QUOTA", 200, minimum=1)
MENTOR_MAX_INPUT_CHARS = env.int("MENTOR_MAX_INPUT_CHARS", 4000, minimum=100, maximum=20_000)
MENTOR_HISTORY_MAX_CHARS = env.int("MENTOR_HISTORY_MAX_CHARS", 6000, minimum=0, maximum=200_000)
MENTOR_RETENTION_DAYS = env.int("MENTOR_RETENTION_DAYS", 365, minimum=1)
# Shown with the supportive reply to crisis signals: "label|https://…" entries, comma-separated.
MENTOR_CRISIS_RESOURCES = env.list(
    "MENTOR_CRISIS_RESOURCES", ["Find A Helpline (free and confidential helplines worldwide)|https://findahelpline.com"]
)
for _name, _urls in (("MENTOR_BASE_URL", [MENTOR_BASE_URL]), ("MENTOR_BYO_BASE_URLS", MENTOR_BYO_BASE_URLS)):
    env.require(all(u.startswith(("https://", "http://")) for u in _urls), f"{_name} must be http(s) URLs")
# Personal keys travel to these servers: only over TLS in production.
env.require(
    not IS_PRODUCTION or all(u.startswith("https://") for u in MENTOR_BYO_BASE_URLS),
    "MENTOR_BYO_BASE_URLS must use https in production",
)
env.require(
    all(
        "|" in entry and entry.split("|", 1)[1].startswith(("https://", "http://")) for entry in MENTOR_CRISIS_RESOURCES
    ),
    "MENTOR_CRISIS_RESOURCES entries must look like label|https://…",
)
env.require(MENTOR_PROVIDER != "openai" or bool(MENTOR_MODEL), "MENTOR_MODEL is required with MENTOR_PROVIDER=openai")

# --- charts: astrology and numerology (docs/CHARTS.md) ---------------------------------------------

# Chart computations (POST /astro/natal/, GET /astro/transits/) per account; reading a stored chart is free.
RATE_CHARTS_PER_USER = env.rate("RATE_CHARTS_PER_USER", "30/m")
# Which GeoNames dataset `manage.py charts_import_places` imports: cities with at least this many inhabitants.
CHARTS_PLACES_MIN_POPULATION = env.int("CHARTS_PLACES_MIN_POPULATION", 1000, minimum=500, maximum=15000)
env.require(
    CHARTS_PLACES_MIN_POPULATION in (500, 1000, 5000, 15000),
    "CHARTS_PLACES_MIN_POPULATION must be one of 500, 1000, 5000, 15000 (the GeoNames datasets)",
)

# --- contributor rewards ------------------------------------------------------------------------

# HMAC secret of the GitHub webhook; without it the webhook refuses every delivery. Never logged.
GITHUB_WEBHOOK_SECRET = env.str("GITHUB_WEBHOOK_SECRET", "")
# Only these repositories ("owner/name", comma-separated) earn rewards; empty means any repository.
REWARDS_GITHUB_REPOSITORIES = [r.lower() for r in env.list("REWARDS_GITHUB_REPOSITORIES", [])]
REWARDS_POOL_PERCENT = env.int("REWARDS_POOL_PERCENT", 50, minimum=0, maximum=100)
REWARDS_MIN_PAYOUT_CENTS = env.int("REWARDS_MIN_PAYOUT_CENTS", 1000, minimum=0)
REWARDS_CURRENCY = env.str("REWARDS_CURRENCY", "USD").upper()
REWARDS_DISPUTE_WINDOW_DAYS = env.int("REWARDS_DISPUTE_WINDOW_DAYS", 7, minimum=0, maximum=90)
# Which issues a merged pull request really closed comes from GitHub's GraphQL API (the webhook does not say, and a
# "fixes #N" in a description proves nothing). The token only reads the rewarded repositories (a fine-grained token
# without permissions reads public ones); without it, scored issues are never completed automatically.
REWARDS_GITHUB_GRAPHQL_URL = env.str("REWARDS_GITHUB_GRAPHQL_URL", "https://api.github.com/graphql")
REWARDS_GITHUB_TOKEN = env.str("REWARDS_GITHUB_TOKEN", "")  # secret, never logged
env.require(
    REWARDS_GITHUB_GRAPHQL_URL.startswith(("https://", "http://")), "REWARDS_GITHUB_GRAPHQL_URL must be an http(s) URL"
)
env.require(
    not IS_PRODUCTION or REWARDS_GITHUB_GRAPHQL_URL.startswith("https://"),
    "REWARDS_GITHUB_GRAPHQL_URL must use https in production (the token travels with each request)",
)
env.require(len(REWARDS_CURRENCY) == 3 and REWARDS_CURRENCY.isalpha(), "REWARDS_CURRENCY must be an ISO code like USD")

# --- API behaviour ------------------------------------------------------------------------------

API_PAGE_SIZE_DEFAULT = 20
API_PAGE_SIZE_MAX = 100
NINJA_PAGINATION_MAX_LIMIT = API_PAGE_SIZE_MAX

# --- internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("ka", "ქართული")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- security headers (production sits behind the reverse proxy in deploy/) ---------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", True)
    # One year. Django sends the header only on HTTPS requests (X-Forwarded-Proto from the proxy), so a plain-HTTP
    # trial never receives it; SECURE_HSTS_SECONDS=0 turns it off (e.g. before every host name has a certificate).
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 365 * 86400, minimum=0)

# --- admin (django-unfold) ----------------------------------------------------------------------

UNFOLD = {
    "SITE_TITLE": "SelfLink admin",
    "SITE_HEADER": "SelfLink",
    "SITE_SYMBOL": "hub",
    "SHOW_HISTORY": True,
    "DASHBOARD_CALLBACK": "modules.ops.dashboard.dashboard_callback",
}

# --- logging ------------------------------------------------------------------------------------

LOG_LEVEL = env.choice("LOG_LEVEL", "INFO", ("debug", "info", "warning", "error")).upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # django-ninja's HttpBearer logs a whole non-Bearer Authorization header (a password, for Basic) on `django`.
    # Query strings carry user content and tokens (`?message=`, `?q=`, `/ws?token=`): cut from every line. The access
    # log is daphne's, run through `modules.ops.serve` (paths only). docs/SECURITY.md.
    "filters": {
        "no_credentials": {"()": "modules.accounts.logfilters.DropAuthorizationHeaderRecords"},
        "no_query_strings": {"()": "modules.ops.logs.RedactQueryStrings"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_query_strings"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Request bodies and headers (tokens, passwords, LLM keys) are never logged.
        "django": {"filters": ["no_credentials"]},
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        "dramatiq": {"level": "WARNING" if IS_TEST else "INFO"},
        "apscheduler": {"level": "WARNING"},
        # The LLM client logs request options at debug level; keys and conversations stay out of the logs.
        "openai": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

env.check()
ENV_VARIABLES_READ = frozenset(env.read)
