"""`PATCH /users/me/` with `settings.<name>: null` is a 422 naming the field, never a 409 (issue 10)."""

from __future__ import annotations

import pytest

from modules.accounts.services import account_update
from modules.core.public import ValidationFailed

pytestmark = pytest.mark.django_db

VALUED = ["privacy", "dm_policy", "language", "push_enabled", "email_enabled", "digest_enabled"]


@pytest.mark.parametrize("name", VALUED)
def test_null_setting_is_a_422_naming_the_field(api, name):
    before = api.get("/users/me/").json()["settings"]
    response = api.patch("/users/me/", {"settings": {name: None}})
    assert response.status == 422, response
    body = response.json()
    assert body["code"] == "validation_error"
    assert list(body["errors"]) == [f"settings.{name}"]
    assert api.get("/users/me/").json()["settings"] == before  # nothing changed


@pytest.mark.parametrize("name", VALUED)
def test_the_service_refuses_null_with_the_field_name_too(user, name):
    """Other modules call `account_update` directly (notifications' preferences, profiles' language): a None
    there used to become an IntegrityError reported as a 409 `conflict`."""
    with pytest.raises(ValidationFailed) as caught:
        account_update(user_id=user.id, settings_changes={name: None})
    assert caught.value.status == 422
    assert list(caught.value.errors) == [f"settings.{name}"]


def test_quiet_hours_null_still_switches_them_off(api):
    api.patch("/users/me/", {"settings": {"quiet_hours": {"start": "22:00", "end": "07:00"}}})
    response = api.patch("/users/me/", {"settings": {"quiet_hours": None}})
    assert response.status == 200 and response.json()["settings"]["quiet_hours"] is None


def test_an_unknown_setting_is_a_programming_error_not_silently_dropped(user):
    with pytest.raises(ValueError, match="unknown account setting"):
        account_update(user_id=user.id, settings_changes={"theme": "dark"})
