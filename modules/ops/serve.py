"""`python -m modules.ops.serve [daphne options] selflink.asgi:application`: daphne, with an access log that never
shows a query string.

Every option of the `daphne` command works the same (this is daphne's own command line); only the access log
differs: daphne's writes each request's full URI, query string included, and query strings carry user content
(`/mentor/stream/?message=…`, `?q=` searches) and credentials (`/ws?token=…`). Here each entry shows the path
alone. Run the server this way everywhere (deploy/, `just dev`, the tests' live servers, the benchmarks):
`tests/ops/test_access_log.py` checks that nothing starts plain `daphne`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from daphne.cli import CommandLineInterface as DaphneCommandLine
from daphne.server import Server as DaphneServer

from modules.ops.logs import strip_query

ActionLogger = Callable[[str, str, dict[str, Any]], None]


def without_query_strings(action_logger: ActionLogger) -> ActionLogger:
    """Wrap daphne's access logger (called for every HTTP response and WebSocket step) so it sees paths only."""

    def log(protocol: str, action: str, details: dict[str, Any]) -> None:
        path = details.get("path")
        if isinstance(path, str) and "?" in path:
            details = {**details, "path": strip_query(path)}
        action_logger(protocol, action, details)

    return log


class Server(DaphneServer):
    def __init__(self, *args, action_logger: ActionLogger | None = None, **kwargs) -> None:
        super().__init__(*args, action_logger=without_query_strings(action_logger) if action_logger else None, **kwargs)


class CommandLineInterface(DaphneCommandLine):
    server_class = Server


if __name__ == "__main__":
    CommandLineInterface.entrypoint()
