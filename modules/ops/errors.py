"""Error codes of health and readiness."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "not_ready": "A dependency is down (database, migrations, worker, realtime listener): see the checks.",
    }
)
