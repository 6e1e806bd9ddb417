"""Error codes of profiles (the personal map and the compatibility profile)."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "incomplete_coordinates": "Birth latitude and longitude come together: give both or neither.",
    }
)
