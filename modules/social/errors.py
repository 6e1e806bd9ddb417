"""Error codes of the social graph (follows, blocks, mutes) and the people API."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "blocked": "One of you blocked the other, so this is not possible (following, messaging …).",
        "private_account": "This account is private: only its followers see this.",
    }
)
