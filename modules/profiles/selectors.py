from __future__ import annotations

from typing import Any

from modules.accounts.public import SERVED_LANGUAGES, account_get
from modules.profiles import vocabulary as vocab
from modules.profiles.contracts import (
    CompatibilityOptions,
    CompatibilityProfileData,
    CompatibilityProfileView,
    PersonalProfileData,
    PersonalProfileView,
)
from modules.profiles.models import CompatibilityProfile, PersonalProfile


def _personal_fields(profile: PersonalProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "birth_date": profile.birth_date,
        "birth_time": profile.birth_time,
        "birth_timezone": profile.birth_timezone,
        "birth_country": profile.birth_country,
        "birth_city": profile.birth_city,
        "birth_lat": profile.birth_lat,
        "birth_lon": profile.birth_lon,
    }


def personal_data_from_row(profile: PersonalProfile) -> PersonalProfileData:
    return PersonalProfileData(**_personal_fields(profile))


def personal_view_from_row(profile: PersonalProfile, *, photo_path: str) -> PersonalProfileView:
    return PersonalProfileView(**_personal_fields(profile), photo_path=photo_path)


def _personal_row(user_id: int) -> PersonalProfile:
    """The stored profile, or an unsaved one with the defaults (every field empty) when there is none yet."""
    return PersonalProfile.objects.filter(user_id=user_id).first() or PersonalProfile(user_id=user_id)


def personal_profile_get(*, user_id: int) -> PersonalProfileData:
    return personal_data_from_row(_personal_row(user_id))


def personal_profile_view(*, user_id: int) -> PersonalProfileView:
    return personal_view_from_row(_personal_row(user_id), photo_path=account_get(user_id=user_id).photo_path)


def _compatibility_fields(profile: CompatibilityProfile) -> dict[str, Any]:
    return {
        "user_id": profile.user_id,
        "gender": profile.gender or None,
        "orientation": profile.orientation or None,
        "relationship_goal": profile.relationship_goal or None,
        "values": tuple(profile.values),
        "preferred_lifestyle": tuple(profile.preferred_lifestyle),
        "attachment_style": profile.attachment_style or None,
        "love_language": tuple(profile.love_language),
    }


def compatibility_data_from_row(profile: CompatibilityProfile) -> CompatibilityProfileData:
    return CompatibilityProfileData(**_compatibility_fields(profile))


def compatibility_view_from_row(profile: CompatibilityProfile, *, language: str) -> CompatibilityProfileView:
    return CompatibilityProfileView(**_compatibility_fields(profile), language=language)


def _compatibility_row(user_id: int) -> CompatibilityProfile:
    """The stored profile, or an unsaved one with the defaults (all unknown, empty lists) when there is none."""
    return CompatibilityProfile.objects.filter(user_id=user_id).first() or CompatibilityProfile(user_id=user_id)


def compatibility_profile_get(*, user_id: int) -> CompatibilityProfileData:
    """The stored profile, or the defaults (all unknown, empty lists) when the user has not filled it in."""
    return compatibility_data_from_row(_compatibility_row(user_id))


def compatibility_profile_view(*, user_id: int) -> CompatibilityProfileView:
    language = account_get(user_id=user_id).settings.language
    return compatibility_view_from_row(_compatibility_row(user_id), language=language)


def compatibility_options() -> CompatibilityOptions:
    return CompatibilityOptions(
        genders=vocab.GENDERS,
        orientations=vocab.ORIENTATIONS,
        relationship_goals=vocab.RELATIONSHIP_GOALS,
        values=vocab.VALUES,
        preferred_lifestyles=vocab.LIFESTYLES,
        attachment_styles=vocab.ATTACHMENT_STYLES,
        love_languages=vocab.LOVE_LANGUAGES,
        languages=SERVED_LANGUAGES,
        aliases=vocab.ALIASES,
        max_values=vocab.MAX_VALUES,
        max_preferred_lifestyle=vocab.MAX_LIFESTYLES,
        max_love_language=vocab.MAX_LOVE_LANGUAGES,
    )
