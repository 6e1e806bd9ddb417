"""`python -m modules.ops.serve [--workers N|auto] [daphne options] selflink.asgi:application`: the web server.

Run the server this way everywhere (deploy/, `just dev`, the tests' live servers, the benchmarks):
`tests/ops/test_access_log.py` checks that nothing starts plain `daphne`. Two things on top of daphne's own command
line (every daphne option works the same):

* **An access log that never shows a query string** (`modules.ops.webserver`): query strings carry user content
  and credentials, so each entry shows the path alone.
* **Several processes on one port** (`modules.ops.supervisor`). One daphne process uses about one core. With
  `--workers N` this process binds the listening sockets once and supervises N daphne processes that all accept
  on them. `--workers auto` is `WEB_CONCURRENCY` when set, else one per CPU available to the process (the image's
  default); without `--workers`, `WEB_CONCURRENCY` when set, else 1. One worker is daphne itself, in this process,
  with no supervisor. Realtime works per process (each has its own LISTEN connection), so nothing else changes.

Exit codes: 0 after SIGTERM/SIGINT, 2 for a bad command line, 1 when a socket cannot be bound, 3 when a worker
cannot load the application.
"""

from __future__ import annotations

import os
import sys

from modules.ops.supervisor import (
    BOOT_ERROR,
    SUPERVISED,
    ServeError,
    Supervisor,
    die_with_supervisor,
    listeners_from,
    workers_count,
    workers_option,
)


def main(argv: list[str]) -> int:
    if argv and argv[0].startswith(f"{SUPERVISED}="):  # a worker, on the sockets its supervisor bound
        die_with_supervisor(int(argv[0].split("=", 1)[1]))
        from modules.ops.webserver import run

        return run(argv[1:], boot_error=BOOT_ERROR)
    try:
        option, daphne_args = workers_option(argv)
        count, why = workers_count(option, os.environ)
        if count == 1:
            from modules.ops.webserver import run  # no supervisor: daphne binds the port itself

            return run(daphne_args)
        listeners, rest = listeners_from(daphne_args)
        return Supervisor(count, listeners, rest, why=why).run()
    except ServeError as exc:
        sys.stderr.write(f"serve: error: {exc}\n")
        return exc.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
