from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from modules.core.public import ValidationFailed
from modules.profiles.contracts import CompatibilityProfileData, PersonalProfileData
from modules.profiles.models import CompatibilityProfile, PersonalProfile
from modules.profiles.selectors import compatibility_data_from_row, personal_data_from_row

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


def personal_profile_update(*, user_id: int, changes: dict[str, Any]) -> PersonalProfileData:
    """Apply already-validated changes; `None` clears a field."""
    unknown = set(changes) - PERSONAL_FIELDS
    if unknown:
        raise ValueError(f"not personal profile fields: {sorted(unknown)}")
    with transaction.atomic():
        profile, _ = PersonalProfile.objects.select_for_update().get_or_create(user_id=user_id)
        for field, value in changes.items():
            text_field = field in {"first_name", "last_name", "birth_timezone", "birth_country", "birth_city"}
            setattr(profile, field, (value or "").strip() if text_field else value)
        if (profile.birth_lat is None) != (profile.birth_lon is None):
            raise ValidationFailed.for_field(
                "birth_lat" if profile.birth_lat is None else "birth_lon",
                "Give both birth latitude and longitude, or neither.",
                code="incomplete_coordinates",
            )
        profile.updated_at = timezone.now()
        profile.save()
    return personal_data_from_row(profile)


def compatibility_profile_update(*, user_id: int, changes: dict[str, Any]) -> CompatibilityProfileData:
    unknown = set(changes) - COMPATIBILITY_FIELDS
    if unknown:
        raise ValueError(f"not compatibility profile fields: {sorted(unknown)}")
    with transaction.atomic():
        profile, _ = CompatibilityProfile.objects.select_for_update().get_or_create(user_id=user_id)
        for field, value in changes.items():
            if isinstance(getattr(profile, field), list):
                setattr(profile, field, list(value or []))
            else:
                setattr(profile, field, value or "")
        profile.updated_at = timezone.now()
        profile.save()
    return compatibility_data_from_row(profile)
