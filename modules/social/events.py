"""Realtime events of the social graph: follow requests to private accounts.

Both people hear of a request and of its end, on their user topics (`user:<id>`), so the owner's list of requests
and the requester's button ("Requested" / "Follow" / "Following") stay current on every device. A request that
ends because one of them blocked the other is not announced: a block is never announced to the blocked person.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field

from modules.realtime.public import RealtimeEvent, realtime_event
from modules.social.http import UserCardOut


@realtime_event("follow_request:new")
class FollowRequestNewEvent(RealtimeEvent):
    """Someone asked to follow a private account: sent to the account's owner and to the requester's devices."""

    requester_id: int
    target_id: int = Field(description="The private account.")
    user: UserCardOut = Field(
        description="The other person as you see them: the requester for the owner, the account for the requester."
    )
    requested_at: dt.datetime


@realtime_event("follow_request:resolved")
class FollowRequestResolvedEvent(RealtimeEvent):
    """A pending follow request ended, sent to both people: `approved` (the requester now follows the account;
    also when the owner makes the account public), `declined` by the owner, or `cancelled` by the requester."""

    requester_id: int
    target_id: int
    status: Literal["approved", "declined", "cancelled"]
