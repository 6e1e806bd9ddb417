"""Error codes of notifications, preferences and push devices."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "empty_quiet_hours": "Quiet hours need different start and end times.",
        "invalid_token": "Not a push token of the given platform.",
        "platform_unavailable": "This server cannot deliver to that push platform (no FCM credentials): register "
        "an Expo push token.",
        "device_token_in_use": "This push token is registered by another account that is still signed in on that "
        "device; it moves to you once that account signs out there.",
        "platform_unsupported": "Tokens of that platform are not accepted (APNs): register an Expo or FCM token.",
    }
)
