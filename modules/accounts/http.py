"""The accounts module's HTTP surface: what other modules' `api.py` and `schemas.py` may reuse.

Bearer authentication (sync and async), the caller of a request, and the account schemas that other endpoints
embed or accept (`/users/me/` answers an `AccountOut` and takes `AccountSettingsPatch`; notification
preferences show quiet hours). Services and selectors are in `public.py`.
"""

from modules.accounts.auth import async_bearer_auth, bearer_auth, current_principal, viewer_id
from modules.accounts.schemas import (
    AccountOut,
    AccountSettingsPatch,
    LanguageCode,
    LanguagePreference,
    LocaleTag,
    PrivacyLevel,
    QuietHoursIn,
    QuietHoursSchema,
)

__all__ = [
    "AccountOut",
    "AccountSettingsPatch",
    "LanguageCode",
    "LanguagePreference",
    "LocaleTag",
    "PrivacyLevel",
    "QuietHoursIn",
    "QuietHoursSchema",
    "async_bearer_auth",
    "bearer_auth",
    "current_principal",
    "viewer_id",
]
