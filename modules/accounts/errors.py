"""Error codes of accounts (sign-up, sign-in, tokens, account settings)."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "email_taken": "An account with this e-mail address already exists.",
        "invalid_email": "Not a valid e-mail address.",
        "handle_taken": "Another account has this handle.",
        "handle_reserved": "This handle is reserved (system or brand names).",
        "invalid_handle": "Handles are 3–30 characters: lowercase letters, digits and underscores.",
        "weak_password": "The password is too short, too common or too similar to the account's details.",
        "invalid_credentials": "Wrong e-mail or password (the same answer for both, on purpose).",
        "invalid_password": "The current password given to confirm a change is wrong.",
        "password_unchanged": "The new password is the same as the current one.",
        "token_expired": "The access token has expired: refresh it (`authRefresh`) and retry.",
        "token_invalid": "The access token is malformed, forged or of the wrong type: sign in again.",
        "session_revoked": "The session behind this token ended (sign-out, password change, revoked device, "
        "deactivated account): sign in again.",
        "refresh_token_expired": "The refresh token has expired: sign in again.",
        "refresh_token_invalid": "The refresh token is unknown or was revoked: sign in again.",
        "sign_in_busy": "Too many passwords are being checked on this server at this moment (a memory bound): retry "
        "after `Retry-After` seconds.",
        "refresh_token_reused": "An already-used refresh token was presented (it may have been copied): its whole "
        "session was revoked. Sign in again.",
    }
)
