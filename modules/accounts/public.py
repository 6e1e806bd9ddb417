"""Public interface of the accounts module: the only names other modules may import (besides `http.py`, the HTTP
surface for other modules' endpoints)."""

from modules.accounts.auth import principal_from_access_token
from modules.accounts.contracts import AccountSettings, Principal, SessionsEnded, UserSummary
from modules.accounts.hooks import register_privacy_changed_listener, register_sessions_ended_listener
from modules.accounts.locales import SERVED_LANGUAGES
from modules.accounts.selectors import (
    account_exists,
    account_get,
    account_id_by_email,
    accounts_get,
    active_handle,
    active_user_exists,
    dm_policy_of,
    inactive_user_ids,
    is_private_account,
    live_session_ids,
    open_session_ids,
    user_id_by_handle,
    user_ids_by_handles,
    user_summaries,
    users_count,
    users_directory,
    users_search,
)
from modules.accounts.services import (
    ClientInfo,
    account_set_photo,
    account_update,
    staff_user_ensure,
    user_register,
)
from modules.accounts.signin import sign_in_failures_alert

__all__ = [
    "SERVED_LANGUAGES",
    "AccountSettings",
    "ClientInfo",
    "Principal",
    "SessionsEnded",
    "UserSummary",
    "account_exists",
    "account_get",
    "account_id_by_email",
    "account_set_photo",
    "account_update",
    "accounts_get",
    "active_handle",
    "active_user_exists",
    "dm_policy_of",
    "inactive_user_ids",
    "is_private_account",
    "live_session_ids",
    "open_session_ids",
    "principal_from_access_token",
    "register_privacy_changed_listener",
    "register_sessions_ended_listener",
    "sign_in_failures_alert",
    "staff_user_ensure",
    "user_id_by_handle",
    "user_ids_by_handles",
    "user_register",
    "user_summaries",
    "users_count",
    "users_directory",
    "users_search",
]
