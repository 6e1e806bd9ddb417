"""Who may follow which topic. Modules that own topics register an authorizer when they load.

A user always gets `user:<their id>`. Other topics (`post:12`, `thread:9`, …) are allowed only when the module
that owns the prefix says the user may see that object; unknown prefixes are refused. Registering from the
owning module (in its AppConfig.ready) keeps realtime from depending on every module that publishes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOPIC = re.compile(r"^(?P<prefix>[a-z_]+):(?P<id>[1-9][0-9]{0,15})$")
_authorizers: dict[str, Callable[[int, int], bool]] = {}


def register_topic_authorizer(prefix: str, authorizer: Callable[[int, int], bool]) -> None:
    """`authorizer(user_id, object_id) -> bool`: may this user follow `<prefix>:<object_id>`?"""
    _authorizers[prefix] = authorizer


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


def authorize(user_id: int, topic: str) -> bool:
    match = _TOPIC.match(topic)
    if not match:
        return False
    if match["prefix"] == "user":
        return int(match["id"]) == user_id
    authorizer = _authorizers.get(match["prefix"])
    return bool(authorizer and authorizer(user_id, int(match["id"])))
