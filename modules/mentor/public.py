"""Public interface of the mentor: what other modules may use.

Nothing else needs the mentor today; the names here are for data-rights tooling and future modules (e.g. natal or
compatibility readings that ask the mentor for a text).
"""

from modules.mentor.contracts import LANGUAGES, MODES, TONES, UserContext
from modules.mentor.services import history_delete, memory_clear

__all__ = ["LANGUAGES", "MODES", "TONES", "UserContext", "history_delete", "memory_clear"]
