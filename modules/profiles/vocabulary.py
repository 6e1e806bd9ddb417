"""The known values of the compatibility profile, and how many of each list a profile may hold.

These lists are public (GET /profile/options/) so clients and matching rules use the same words. The words are
the mobile app's (its Edit Profile chips send and show exactly these), followed by the words only we offer.
`ALIASES` are the spellings this API used before: still accepted in requests, stored and answered as the word
they stand for, never returned.
"""

GENDERS = ("male", "female", "non_binary", "other", "prefer_not_to_say")
ORIENTATIONS = ("hetero", "homo", "bi", "pan", "asexual", "other", "prefer_not_to_say")
RELATIONSHIP_GOALS = ("casual", "long_term", "marriage", "unsure", "friendship")
# "mixed" is the app's name for the fearful-avoidant style (anxious and avoidant at once).
ATTACHMENT_STYLES = ("secure", "anxious", "avoidant", "mixed", "unknown")
VALUES = (
    "growth",
    "freedom",
    "connection",
    "security",
    "adventure",
    "family",
    "career",
    "ambition",
    "community",
    "creativity",
    "faith",
    "health",
    "honesty",
    "humor",
    "kindness",
    "knowledge",
    "loyalty",
    "nature",
    "spirituality",
    "stability",
)
LIFESTYLES = (
    "remote_work",
    "travel",
    "fitness",
    "nightlife",
    "early_riser",
    "spirituality",
    "active",
    "artistic",
    "digital_nomad",
    "foodie",
    "homebody",
    "minimalist",
    "night_owl",
    "quiet",
    "rural",
    "social",
    "urban",
)
LOVE_LANGUAGES = ("words", "quality_time", "acts", "gifts", "touch")

# field → {former spelling: the word it stands for}
ALIASES: dict[str, dict[str, str]] = {
    "gender": {"woman": "female", "man": "male"},
    "orientation": {"heterosexual": "hetero", "homosexual": "homo", "bisexual": "bi", "pansexual": "pan"},
    "relationship_goal": {"not_sure": "unsure"},
    "attachment_style": {"fearful_avoidant": "mixed"},
    "values": {},
    "preferred_lifestyle": {"early_bird": "early_riser", "traveler": "travel"},
    "love_language": {
        "words_of_affirmation": "words",
        "acts_of_service": "acts",
        "receiving_gifts": "gifts",
        "physical_touch": "touch",
    },
}
KNOWN: dict[str, tuple[str, ...]] = {
    "gender": GENDERS,
    "orientation": ORIENTATIONS,
    "relationship_goal": RELATIONSHIP_GOALS,
    "attachment_style": ATTACHMENT_STYLES,
    "values": VALUES,
    "preferred_lifestyle": LIFESTYLES,
    "love_language": LOVE_LANGUAGES,
}

MAX_VALUES = 10
MAX_LIFESTYLES = 8
MAX_LOVE_LANGUAGES = 5


def canonical(field: str, word: str) -> str:
    """The word `word` stands for in `field` (itself when it is not a former spelling)."""
    return ALIASES[field].get(word, word)
