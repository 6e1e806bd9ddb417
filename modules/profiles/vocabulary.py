"""The known values of the compatibility profile, and how many of each list a profile may hold.

These lists are public (GET /profile/options/) so clients and matching rules use the same words.
"""

GENDERS = ("woman", "man", "non_binary", "other", "prefer_not_to_say")
ORIENTATIONS = (
    "heterosexual",
    "homosexual",
    "bisexual",
    "pansexual",
    "asexual",
    "other",
    "prefer_not_to_say",
)
RELATIONSHIP_GOALS = ("friendship", "casual", "long_term", "marriage", "not_sure")
ATTACHMENT_STYLES = ("secure", "anxious", "avoidant", "fearful_avoidant", "unknown")
VALUES = (
    "ambition",
    "community",
    "creativity",
    "faith",
    "family",
    "freedom",
    "growth",
    "health",
    "honesty",
    "humor",
    "kindness",
    "knowledge",
    "loyalty",
    "nature",
    "spirituality",
    "stability",
    "adventure",
    "career",
)
LIFESTYLES = (
    "active",
    "artistic",
    "digital_nomad",
    "early_bird",
    "fitness",
    "foodie",
    "homebody",
    "minimalist",
    "night_owl",
    "quiet",
    "rural",
    "social",
    "traveler",
    "urban",
)
LOVE_LANGUAGES = (
    "words_of_affirmation",
    "acts_of_service",
    "receiving_gifts",
    "quality_time",
    "physical_touch",
)

MAX_VALUES = 10
MAX_LIFESTYLES = 8
MAX_LOVE_LANGUAGES = 5
