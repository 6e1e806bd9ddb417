"""Public interface of the messaging module: nothing yet. No other module calls messaging; it reaches others
through their interfaces (and realtime through the `thread` topic authorizer registered in `apps.py`)."""

__all__: list[str] = []
