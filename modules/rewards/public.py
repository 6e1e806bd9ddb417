"""Public interface of the rewards module (revenue comes in here once the payments module exists)."""

from modules.rewards.ledger import revenue_append
from modules.rewards.models import EntryKind

__all__ = ["EntryKind", "revenue_append"]
