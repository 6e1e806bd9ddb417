"""Typed access to environment variables, validated in one pass.

Settings read every variable through an `Env` instance; each read records the
variable (so `.env.example` can be checked against what the code really reads)
and any problem. `Env.check()` then raises one error listing every problem at
once, so a misconfigured deployment fails at start with a clear message instead
of at the first request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DURATION = re.compile(r"^(?P<count>\d+)\s*/\s*(?P<amount>\d*)(?P<unit>[smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    """`count` events per `seconds`, written like `5/15m`, `20/m` or `100/h`."""

    count: int
    seconds: int


@dataclass
class Env:
    source: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    errors: list[str] = field(default_factory=list)
    read: set[str] = field(default_factory=set)

    def _raw(self, name: str) -> str | None:
        self.read.add(name)
        value = self.source.get(name)
        return None if value is None else value.strip()

    def _parse(self, name: str, default: T, parse: Callable[[str], T], expected: str) -> T:
        raw = self._raw(name)
        if raw is None or raw == "":
            return default
        try:
            return parse(raw)
        except (TypeError, ValueError):
            self.errors.append(f"{name}={raw!r} is not valid: expected {expected}")
            return default

    def str(self, name: str, default: str = "") -> str:
        raw = self._raw(name)
        return default if raw is None or raw == "" else raw

    def optional(self, name: str) -> str | None:
        raw = self._raw(name)
        return raw or None

    def bool(self, name: str, default: bool) -> bool:
        def parse(raw: str) -> bool:
            lowered = raw.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError(raw)

        return self._parse(name, default, parse, "true or false")

    def int(self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self._parse(name, default, int, "an integer")
        if minimum is not None and value < minimum:
            self.errors.append(f"{name}={value} is too small: minimum is {minimum}")
        if maximum is not None and value > maximum:
            self.errors.append(f"{name}={value} is too large: maximum is {maximum}")
        return value

    def list(self, name: str, default: list[str]) -> list[str]:
        raw = self._raw(name)
        if raw is None or raw == "":
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        def parse(raw: str) -> str:
            if raw.lower() not in choices:
                raise ValueError(raw)
            return raw.lower()

        return self._parse(name, default, parse, "one of " + ", ".join(choices))

    def rate(self, name: str, default: str) -> Rate:
        def parse(raw: str) -> Rate:
            match = _DURATION.match(raw.replace(" ", ""))
            if not match:
                raise ValueError(raw)
            amount = int(match["amount"] or 1)
            return Rate(count=int(match["count"]), seconds=amount * _UNIT_SECONDS[match["unit"]])

        fallback = parse(default)
        return self._parse(name, fallback, parse, "a rate like 5/15m, 20/m or 100/h")

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            self.errors.append(message)

    def check(self) -> None:
        if self.errors:
            problems = "\n".join(f"  - {problem}" for problem in self.errors)
            raise ImproperlyConfigured(f"SelfLink configuration is invalid:\n{problems}")
