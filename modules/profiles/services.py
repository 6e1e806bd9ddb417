from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from modules.accounts.public import account_get, account_set_photo, account_update
from modules.core.public import ValidationFailed
from modules.profiles import vocabulary as vocab
from modules.profiles.contracts import CompatibilityProfileView, PersonalProfileData, PersonalProfileView
from modules.profiles.models import CompatibilityProfile, PersonalProfile
from modules.profiles.selectors import (
    compatibility_view_from_row,
    personal_data_from_row,
    personal_profile_view,
    personal_view_from_row,
)

PERSONAL_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "birth_date",
        "birth_time",
        "birth_timezone",
        "birth_country",
        "birth_city",
        "birth_lat",
        "birth_lon",
    }
)
# The API's names of the personal map's fields → the columns (the API also accepts the column names).
PERSONAL_API_NAMES = {
    "birth_place_city": "birth_city",
    "birth_place_country": "birth_country",
    "birth_latitude": "birth_lat",
    "birth_longitude": "birth_lon",
}
COMPATIBILITY_FIELDS = frozenset(
    {
        "gender",
        "orientation",
        "relationship_goal",
        "values",
        "preferred_lifestyle",
        "attachment_style",
        "love_language",
    }
)


def personal_profile_update(
    *, user_id: int, changes: dict[str, Any], avatar: UploadedFile | None = None
) -> PersonalProfileView:
    """Apply already-validated changes; `None` clears a field. Keys are the API's names or the columns'.

    With `avatar`, the account's photo is replaced in the same transaction, first: a rejected image leaves the
    whole update without effect.
    """
    changes = {PERSONAL_API_NAMES.get(field, field): value for field, value in changes.items()}
    unknown = set(changes) - PERSONAL_FIELDS
    if unknown:
        raise ValueError(f"not personal profile fields: {sorted(unknown)}")
    with transaction.atomic():
        account = account_set_photo(user_id=user_id, upload=avatar) if avatar else account_get(user_id=user_id)
        profile, _ = PersonalProfile.objects.select_for_update().get_or_create(user_id=user_id)
        for field, value in changes.items():
            text_field = field in {"first_name", "last_name", "birth_timezone", "birth_country", "birth_city"}
            setattr(profile, field, (value or "").strip() if text_field else value)
        if (profile.birth_lat is None) != (profile.birth_lon is None):
            raise ValidationFailed.for_field(
                "birth_latitude" if profile.birth_lat is None else "birth_longitude",
                "Give both birth latitude and longitude, or neither.",
                code="incomplete_coordinates",
            )
        profile.updated_at = timezone.now()
        profile.save()
    return personal_view_from_row(profile, photo_path=account.photo_path)


def personal_avatar_delete(*, user_id: int) -> PersonalProfileView:
    """Remove the account's photo (the personal map's avatar); the file goes after the change commits."""
    account_set_photo(user_id=user_id, upload=None)
    return personal_profile_view(user_id=user_id)


def personal_birth_place_set(*, user_id: int, text: str | None) -> PersonalProfileData:
    """Set the birth place from one line of text (`birth_place` of /users/me/), "City, Country" as it is shown.

    The line as it is shown now changes nothing (clients send it back unchanged). Otherwise the text after the last
    comma is the country and the rest the city; text without a comma is a city in no stated country. Empty text
    clears the place. A changed place also clears the birth coordinates and time zone, which described the old one.
    """
    text = " ".join((text or "").split())
    with transaction.atomic():
        profile, _ = PersonalProfile.objects.select_for_update().get_or_create(user_id=user_id)
        if text == personal_data_from_row(profile).birth_place:
            return personal_data_from_row(profile)
        city, _, country = text.rpartition(",") if "," in text else (text, ",", "")
        city, country = city.strip(" ,"), country.strip(" ,")
        if len(city) > PersonalProfile._meta.get_field("birth_city").max_length:
            raise ValidationFailed.for_field("birth_place", "The city is too long (120 characters at most).")
        if len(country) > PersonalProfile._meta.get_field("birth_country").max_length:
            raise ValidationFailed.for_field("birth_place", "The country is too long (80 characters at most).")
        if (city, country) != (profile.birth_city, profile.birth_country):
            profile.birth_city, profile.birth_country = city, country
            profile.birth_lat = profile.birth_lon = None
            profile.birth_timezone = ""
            profile.updated_at = timezone.now()
            profile.save()
    return personal_data_from_row(profile)


def compatibility_profile_update(*, user_id: int, changes: dict[str, Any]) -> CompatibilityProfileView:
    """Apply already-validated changes; `None` clears a value. Former spellings of the words are stored as the word
    they stand for; `language` sets the account's answer language."""
    changes = dict(changes)
    language = changes.pop("language", None)
    unknown = set(changes) - COMPATIBILITY_FIELDS
    if unknown:
        raise ValueError(f"not compatibility profile fields: {sorted(unknown)}")
    with transaction.atomic():
        profile, _ = CompatibilityProfile.objects.select_for_update().get_or_create(user_id=user_id)
        for field, value in changes.items():
            if isinstance(getattr(profile, field), list):
                setattr(profile, field, [vocab.canonical(field, word) for word in value or []])
            else:
                setattr(profile, field, vocab.canonical(field, value) if value else "")
        profile.updated_at = timezone.now()
        profile.save()
        if language is not None:
            account = account_update(user_id=user_id, settings_changes={"language": language})
        else:
            account = account_get(user_id=user_id)
    return compatibility_view_from_row(profile, language=account.settings.language)
