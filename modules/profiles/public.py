"""Public interface of the profiles module."""

from modules.profiles.selectors import compatibility_profile_get, personal_profile_get
from modules.profiles.services import compatibility_profile_update, personal_birth_place_set, personal_profile_update

__all__ = [
    "compatibility_profile_get",
    "compatibility_profile_update",
    "personal_birth_place_set",
    "personal_profile_get",
    "personal_profile_update",
]
