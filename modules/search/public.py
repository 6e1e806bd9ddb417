"""Public interface of the search module: nothing yet (no other module calls search; it only serves its API)."""

__all__: list[str] = []
