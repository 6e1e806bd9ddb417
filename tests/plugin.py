"""Loaded by pytest before Django settings (see `addopts` in pyproject.toml).

Selects the test profile: embedded PostgreSQL (unless DATABASE_URL is set), the
stub Dramatiq broker for in-process tests, fast password hashing.
"""

import os

os.environ.setdefault("SELFLINK_ENV", "test")
os.environ.setdefault("DEBUG", "false")
