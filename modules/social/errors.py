"""Error codes of the social graph (follows, blocks, mutes) and the people API."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "blocked": "One of you blocked the other, so this is not possible (following, messaging …).",
        "private_account": "This account is private: only its followers see this.",
        "follow_requests_limited": "Too many follow requests (in all, or to this account after a decline or a "
        "cancel): wait the number of seconds in `Retry-After`.",
    }
)
