"""Locales as BCP 47 tags (and the answer language they imply), and the public account key."""

import re

import pytest
from django.db import IntegrityError, transaction

from modules.accounts.locales import normalize_locale, served_language
from modules.accounts.models import ACCOUNT_KEY_PATTERN, User, new_account_key
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("tag", "normalized"),
    [
        ("en-US", "en-US"),
        ("ru-RU", "ru-RU"),
        ("ka-GE", "ka-GE"),
        ("en", "en"),
        ("en-us", "en-US"),
        ("EN-us", "en-US"),
        ("en_US", "en-US"),  # Android / Java spelling
        ("zh-hant-tw", "zh-Hant-TW"),
        ("sr-Latn-RS", "sr-Latn-RS"),
        ("es-419", "es-419"),
        ("de-CH-1996", "de-CH-1996"),
        ("en-US-POSIX", "en-US-posix"),
        ("ja-JP-u-ca-japanese", "ja-JP-u-ca-japanese"),
        ("th-TH-u-nu-thai", "th-TH-u-nu-thai"),
        ("zh-yue-HK", "zh-yue-HK"),
        ("x-private", "x-private"),
        (" ka-GE ", "ka-GE"),
    ],
)
def test_well_formed_tags_are_accepted_and_normalised(tag, normalized):
    assert normalize_locale(tag) == normalized


@pytest.mark.parametrize(
    "tag", ["", "e", "en-", "en--US", "en US", "en-US,en;q=0.9", "123", "en-US!", "toolonglanguage", "a" * 65]
)
def test_malformed_tags_are_refused(tag):
    with pytest.raises(ValueError, match="BCP 47"):
        normalize_locale(tag)


@pytest.mark.parametrize(
    ("tag", "language"),
    [("en-US", "en"), ("en-GB", "en"), ("ru-RU", "ru"), ("ru", "ru"), ("ka-GE", "ka"), ("de-DE", None), ("kab", None)],
)
def test_served_language_is_the_primary_subtag_when_we_serve_it(tag, language):
    assert served_language(tag) == language


def test_account_keys_are_random_well_formed_and_not_the_id():
    keys = {new_account_key() for _ in range(1000)}
    assert len(keys) == 1000
    assert all(re.match(ACCOUNT_KEY_PATTERN, key) for key in keys)


@pytest.mark.django_db
def test_every_account_gets_a_unique_key_the_database_enforces():
    first, second = UserFactory(), UserFactory()
    assert first.account_key != second.account_key
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(id=second.id).update(account_key=first.account_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(id=second.id).update(account_key="user:1")


@pytest.mark.django_db
def test_the_database_refuses_a_malformed_locale_and_an_unserved_language():
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(id=user.id).update(locale="en US")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(id=user.id).update(language="de")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("locale", "stored", "language"), [("ka-GE", "ka-GE", "ka"), ("ru", "ru", "ru"), ("de_DE", "de-DE", "en")]
)
def test_register_stores_the_tag_and_answers_in_its_language(anon, locale, stored, language):
    response = anon.post(
        "/auth/register/", {"email": "ana@example.com", "password": "a long enough secret 42", "locale": locale}
    )
    assert response.status == 201, response
    user = response.json()["user"]
    assert user["locale"] == stored and user["settings"]["language"] == language
    assert re.match(ACCOUNT_KEY_PATTERN, user["account_key"])
    assert user["account_key"] == User.objects.get(id=user["id"]).account_key


@pytest.mark.django_db
def test_an_account_is_found_by_its_key_while_active():
    from modules.accounts.selectors import user_id_by_account_key

    user = UserFactory()
    assert user_id_by_account_key(account_key=f" {user.account_key} ") == user.id
    assert user_id_by_account_key(account_key=new_account_key()) is None
    User.objects.filter(id=user.id).update(is_active=False)
    assert user_id_by_account_key(account_key=user.account_key) is None
