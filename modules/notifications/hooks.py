"""What notifications needs to know about the social graph, registered by social when it loads.

social sits above notifications (a follow notifies), yet nothing may reach people from someone they muted or are
blocked with, and blocked people are left out of what a notification shows. social registers both checks from
its `AppConfig.ready`, so notifications never imports social: the inversion realtime uses for topic authorizers
(`register_topic_authorizer`) and accounts for ended sessions (`register_sessions_ended_listener`). Without a
social graph installed, nobody is silenced and nobody is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

# `check(actor_id=…, recipient_ids=…)`: which of `recipient_ids` must hear nothing from `actor_id` (they muted
# the actor, or one of them blocked the other); one query for every recipient.
SilenceCheck = Callable[..., set[int]]
# `check(user_id=…)`: everyone blocked either way with `user_id` (left out of the actors they are shown).
BlockCheck = Callable[..., set[int]]


def _nobody(**_: object) -> set[int]:
    return set()


_silence_check: SilenceCheck = _nobody
_block_check: BlockCheck = _nobody


def register_silence_check(check: SilenceCheck) -> None:
    global _silence_check
    _silence_check = check


def register_block_check(check: BlockCheck) -> None:
    global _block_check
    _block_check = check


def silenced_recipients(*, actor_id: int, recipient_ids: Collection[int]) -> set[int]:
    return _silence_check(actor_id=actor_id, recipient_ids=recipient_ids) if recipient_ids else set()


def blocked_either_way_ids(*, user_id: int) -> set[int]:
    return _block_check(user_id=user_id)
