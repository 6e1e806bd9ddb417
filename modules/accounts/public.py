"""Public interface of the accounts module: the only names other modules may import."""

from modules.accounts.auth import bearer_auth, current_principal, principal_from_access_token
from modules.accounts.contracts import (
    Account,
    AccountSettings,
    AuthResult,
    Principal,
    QuietHours,
    UserSummary,
)
from modules.accounts.schemas import (
    AccountOut,
    AccountSettingsOut,
    AccountSettingsPatch,
    DmPolicyValue,
    LanguageCode,
    PrivacyLevel,
    QuietHoursSchema,
)
from modules.accounts.selectors import (
    account_exists,
    account_get,
    account_id_by_email,
    accounts_get,
    active_user_exists,
    user_id_by_handle,
    user_summaries,
    users_count,
    users_directory,
)
from modules.accounts.services import (
    ClientInfo,
    account_set_photo,
    account_update,
    staff_user_ensure,
    user_register,
)

__all__ = [
    "Account",
    "AccountOut",
    "AccountSettings",
    "AccountSettingsOut",
    "AccountSettingsPatch",
    "AuthResult",
    "ClientInfo",
    "DmPolicyValue",
    "LanguageCode",
    "Principal",
    "PrivacyLevel",
    "QuietHours",
    "QuietHoursSchema",
    "UserSummary",
    "account_exists",
    "account_get",
    "account_id_by_email",
    "account_set_photo",
    "account_update",
    "accounts_get",
    "active_user_exists",
    "bearer_auth",
    "current_principal",
    "principal_from_access_token",
    "staff_user_ensure",
    "user_id_by_handle",
    "user_register",
    "user_summaries",
    "users_count",
    "users_directory",
]
