"""Coordinates → IANA time zone, offline, with timezonefinder (MIT; its boundary data, timezone-boundary-builder
from OpenStreetMap, is ODbL-1.0 and attributed in README and docs/CHARTS.md).

The lookup instance is created on first use (its import costs ~10 MB) and shared by the process's threads: it
only reads its memory-mapped data files.
"""

from __future__ import annotations

import threading
from typing import Any

_finder: Any = None
_lock = threading.Lock()


def _instance() -> Any:
    global _finder  # one finder per process, created on first use
    if _finder is None:
        with _lock:
            if _finder is None:
                from timezonefinder import TimezoneFinder

                _finder = TimezoneFinder()
    return _finder


def zone_at(*, latitude: float, longitude: float) -> str | None:
    """The zone whose boundary contains the point; at sea, the nautical `Etc/GMT±N` zone; None only where the
    data has nothing (it covers the whole globe, so in practice never)."""
    return _instance().timezone_at(lng=longitude, lat=latitude)
