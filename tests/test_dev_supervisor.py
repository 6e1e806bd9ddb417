"""`just dev` keeps the API up when the worker or the scheduler dies: they are restarted with backoff; only
daphne's death stops everything (scripts/dev.py)."""

import importlib.util
import os
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "dev.py"
spec = importlib.util.spec_from_file_location("selflink_dev", SCRIPT)
dev = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = dev  # dataclasses look their module up
spec.loader.exec_module(dev)

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}
DIES = [sys.executable, "-c", "import sys; sys.exit(3)"]
LIVES = [sys.executable, "-c", "import time; time.sleep(60)"]


def run_until(children, condition, timeout: float = 20) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = dev.supervise_once(children, env=ENV)
        if code is not None or condition():
            return code
        time.sleep(0.05)
    raise AssertionError("the condition was never met")


def test_a_dying_worker_is_restarted_with_growing_backoff_and_the_api_stays():
    api = dev.Child("daphne", LIVES)
    worker = dev.Child("worker", DIES, restart=True, first_backoff=0.1, max_backoff=0.4)
    children = [api, worker]
    try:
        for child in children:
            child.start(env=ENV)
        assert run_until(children, lambda: worker.starts >= 4) is None
        assert api.process.poll() is None and api.starts == 1
        assert worker.backoff == 0.4  # 0.1, 0.2, 0.4, then capped
    finally:
        dev.stop_children(children)


def test_a_dying_daphne_stops_everything_with_its_code():
    api = dev.Child("daphne", DIES)
    worker = dev.Child("worker", LIVES, restart=True)
    children = [api, worker]
    try:
        for child in children:
            child.start(env=ENV)
        assert run_until(children, lambda: False) == 3
    finally:
        dev.stop_children(children)
    assert worker.process.poll() is not None
