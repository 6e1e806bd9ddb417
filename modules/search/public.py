"""Public interface of the search module: the backend other modules may query."""

from modules.search.backends import SearchBackend, backend

__all__ = ["SearchBackend", "backend"]
