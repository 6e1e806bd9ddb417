"""Public interface of the ops module (health and readiness, for other modules' checks)."""

from modules.ops.selectors import Check, Readiness, readiness

__all__ = ["Check", "Readiness", "readiness"]
