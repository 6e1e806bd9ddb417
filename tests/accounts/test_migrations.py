"""Migration 0004 gives every existing account its own key and keeps existing locales."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from modules.accounts.models import ACCOUNT_KEY_PATTERN, User

BEFORE = [("accounts", "0003_user_inactive_index")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_accounts_get_distinct_keys():
    old = _migrate(BEFORE)
    try:
        OldUser = old.get_model("accounts", "User")
        for n in range(5):
            OldUser.objects.create(email=f"old{n}@example.org", handle=f"old_user_{n}", password="!", locale="ka")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    users = list(User.objects.filter(handle__startswith="old_user_"))
    assert len(users) == 5
    assert len({u.account_key for u in users}) == 5
    assert all(re.match(ACCOUNT_KEY_PATTERN, u.account_key) for u in users)
    assert {u.locale for u in users} == {"ka"}


def test_going_back_keeps_the_served_language_of_each_locale():
    for handle, locale in (("back_ka", "ka-GE"), ("back_zh", "zh-Hant-TW"), ("back_ru", "ru")):
        User.objects.create(email=f"{handle}@example.org", handle=handle, locale=locale)
    old = _migrate(BEFORE)
    try:
        OldUser = old.get_model("accounts", "User")
        locales = dict(OldUser.objects.filter(handle__startswith="back_").values_list("handle", "locale"))
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert locales == {"back_ka": "ka", "back_zh": "en", "back_ru": "ru"}
