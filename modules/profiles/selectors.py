from __future__ import annotations

from collections.abc import Iterable

from modules.profiles.contracts import CompatibilityProfileData, PersonalProfileData
from modules.profiles.models import CompatibilityProfile, PersonalProfile


def personal_data_from_row(profile: PersonalProfile) -> PersonalProfileData:
    return PersonalProfileData(
        user_id=profile.user_id,
        first_name=profile.first_name,
        last_name=profile.last_name,
        birth_date=profile.birth_date,
        birth_time=profile.birth_time,
        birth_timezone=profile.birth_timezone,
        birth_country=profile.birth_country,
        birth_city=profile.birth_city,
        birth_lat=profile.birth_lat,
        birth_lon=profile.birth_lon,
    )


def _empty_personal(user_id: int) -> PersonalProfileData:
    return PersonalProfileData(
        user_id=user_id,
        first_name="",
        last_name="",
        birth_date=None,
        birth_time=None,
        birth_timezone="",
        birth_country="",
        birth_city="",
        birth_lat=None,
        birth_lon=None,
    )


def personal_profile_get(*, user_id: int) -> PersonalProfileData:
    profile = PersonalProfile.objects.filter(user_id=user_id).first()
    return personal_data_from_row(profile) if profile else _empty_personal(user_id)


def personal_profiles_get(*, user_ids: Iterable[int]) -> dict[int, PersonalProfileData]:
    ids = set(user_ids)
    found = {p.user_id: personal_data_from_row(p) for p in PersonalProfile.objects.filter(user_id__in=ids)}
    return {user_id: found.get(user_id) or _empty_personal(user_id) for user_id in ids}


def compatibility_data_from_row(profile: CompatibilityProfile) -> CompatibilityProfileData:
    return CompatibilityProfileData(
        user_id=profile.user_id,
        gender=profile.gender or None,
        orientation=profile.orientation or None,
        relationship_goal=profile.relationship_goal or None,
        values=tuple(profile.values),
        preferred_lifestyle=tuple(profile.preferred_lifestyle),
        attachment_style=profile.attachment_style or None,
        love_language=tuple(profile.love_language),
    )


def compatibility_profile_get(*, user_id: int) -> CompatibilityProfileData:
    """The stored profile, or the defaults (all unknown, empty lists) when the user has not filled it in."""
    profile = CompatibilityProfile.objects.filter(user_id=user_id).first()
    return compatibility_data_from_row(profile or CompatibilityProfile(user_id=user_id))
