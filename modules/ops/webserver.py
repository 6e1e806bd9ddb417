"""daphne as `modules.ops.serve` runs it in every process that serves requests: daphne's own command line, with an
access log that never shows a query string.

daphne's access log writes each request's full URI, and query strings carry user content
(`/mentor/stream/?message=…`, `?q=` searches) and credentials (`/ws?token=…`). Here each entry shows the path alone.

Imported by the serving processes only (one daphne, or each worker of the supervisor): daphne and Twisted weigh
about 40 MB, which the supervisor does without.
"""

from __future__ import annotations

import sys
import traceback
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
    boot_error: int | None = None  # a supervised worker's exit code when the application cannot be imported

    def load_asgi_app(self, asgi_app_path: str):
        if self.boot_error is None:
            return super().load_asgi_app(asgi_app_path)
        try:
            return super().load_asgi_app(asgi_app_path)
        except Exception:  # settings refused, an import error: tell the supervisor not to restart in a loop
            traceback.print_exc()
            sys.stderr.flush()
            raise SystemExit(self.boot_error) from None


def run(argv: list[str], *, boot_error: int | None = None) -> int:
    """daphne with these arguments, in this process, until it stops."""
    cli = CommandLineInterface()
    cli.boot_error = boot_error
    cli.run(argv)
    return 0
