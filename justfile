# SelfLink ops recipes. `just --list` shows them all; every recipe says what it does as it runs.
# Bootstrap first (creates .venv with `just` inside): python3 scripts/bootstrap.py

set dotenv-load := true

venv := justfile_directory() / ".venv"
python := venv / "bin" / "python"
export PATH := venv / "bin" + ":" + env_var("PATH")

# List the recipes
default:
    @just --list --unsorted

# Create .venv and install the locked dependencies (idempotent), then apply migrations
setup:
    python3 scripts/bootstrap.py
    @echo "[setup] applying migrations"
    {{python}} manage.py migrate --no-input
    @echo "[setup] done: run 'just dev' to start everything"

# Run the whole stack: database, migrations, demo data, daphne (PORT, default 8000; one process, WEB_CONCURRENCY=2 for the production model), worker, scheduler
dev:
    {{python}} scripts/dev.py

# Run the test suite (embedded PostgreSQL unless DATABASE_URL is set); extra args go to pytest
test *args:
    @echo "[test] running pytest {{args}}"
    {{python}} -m pytest {{args}}

# Lint: ruff (code style and bugs) and import-linter (module boundaries)
lint:
    @echo "[lint] ruff check"
    {{python}} -m ruff check .
    @echo "[lint] ruff format --check"
    {{python}} -m ruff format --check .
    @echo "[lint] import-linter contracts"
    {{venv}}/bin/lint-imports
    @echo "[lint] all clean"

# Apply database migrations
migrate:
    @echo "[migrate] applying migrations"
    {{python}} manage.py migrate --no-input

# Create a staff superuser interactively
superuser:
    @echo "[superuser] creating a staff account (it can sign in to /admin/)"
    {{python}} manage.py createsuperuser

# Health of the api (PORT), database, migrations and worker; non-zero exit when something is down
status:
    {{python}} manage.py status --port ${PORT:-8000}

# Run a Dramatiq worker (the scheduler only enqueues; workers execute)
worker:
    @echo "[worker] starting a Dramatiq worker on the configured broker"
    {{python}} manage.py rundramatiq --processes 1 --threads 4 --worker-shutdown-timeout 30000

# Run the periodic scheduler (one is elected leader per database; others stand by)
scheduler:
    @echo "[scheduler] starting the periodic job scheduler"
    {{python}} manage.py run_scheduler

# Write the OpenAPI schema to docs/openapi.json (a test fails when it is out of date)
openapi:
    {{python}} scripts/export_openapi.py docs/openapi.json

# Generate the typed TypeScript client into clients/ts/ (ignored by git)
client-ts:
    {{python}} scripts/client_ts.py generate

# Open a Django shell
shell:
    {{python}} manage.py shell

# Seed idempotent demo data (people, profiles, follows)
seed:
    {{python}} manage.py seed_demo

# Load-test issue 12's endpoints (users/me, the feeds, posts, messages, logins) at 32 connections on the image's server command (--workers auto, DEBUG off), seeded with 2,000 users / 100,000 follows / 20,000 posts / 50,000 likes
bench *args:
    python3 scripts/bootstrap.py --bench
    {{python}} -m scripts.bench.api {{args}}

# Load-test the feeds and POST /posts/ on 10,000 seeded users, 200,000 posts and 1,000,000 likes (DEBUG off)
bench-feed *args:
    python3 scripts/bootstrap.py --bench
    {{python}} -m scripts.bench.feed {{args}}

# Realtime delivery: 1,000 WebSocket clients on the image's server command (one daphne per CPU), messages posted over REST at 200/s for 60 s
bench-realtime *args:
    python3 scripts/bootstrap.py --bench
    {{python}} -m scripts.bench.realtime {{args}}

# AI mentor: 100 concurrent SSE reply streams from a fake LLM provider on one daphne, while /api/v1/health/ is polled
bench-mentor *args:
    python3 scripts/bootstrap.py --bench
    {{python}} -m scripts.bench.mentor {{args}}

# Charts: natal chart compute p50/p95 on one core, place search p95 on the GeoNames index, RSS the engine adds to daphne
bench-charts *args:
    {{python}} -m scripts.bench.charts {{args}}

# Compute a month's contributor-rewards snapshot (a new provisional revision when its inputs changed)
rewards-snapshot period *args:
    {{python}} manage.py rewards_snapshot {{period}} {{args}}

# Time the monthly rewards run (snapshot, export, verification) on 1,000,000 events for 10,000 contributors
bench-rewards *args:
    {{python}} -m scripts.bench.rewards {{args}}

# Embedded PostgreSQL: start, stop or show it (used automatically when DATABASE_URL is unset)
db command="status":
    {{python}} -m selflink.embedded_postgres {{command}}

# Validate deploy/compose.yaml with the Compose v2 binary (no Docker engine needed)
# (the PyPI wrapper script always exits 0, so the recipe calls the binary it wraps)
compose-check:
    @echo "[compose-check] docker compose config (deploy/compose.yaml)"
    @"$({{python}} -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')" --project-directory deploy -f deploy/compose.yaml --env-file deploy/.env.example config --quiet
    @echo "[compose-check] deploy/compose.yaml is valid"

# Regenerate the lock files in requirements/ from pyproject.toml (needs network)
lock:
    @echo "[lock] resolving with uv (kept in .local/tools, outside the project venv) for Python >= 3.11"
    test -x .local/tools/bin/uv || (python3 -m venv .local/tools && .local/tools/bin/pip install --quiet uv)
    .local/tools/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes -o requirements/base.lock
    .local/tools/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --extra dev -o requirements/dev.lock
    .local/tools/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --extra bench -o requirements/bench.lock
    @echo "[lock] wrote requirements/base.lock, dev.lock and bench.lock"
