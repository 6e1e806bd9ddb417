"""Public interface of the messaging module (notifications and realtime use these)."""

from modules.messaging.presenters import message_out
from modules.messaging.schemas import MessageOut, ThreadOut
from modules.messaging.selectors import (
    MessageView,
    ThreadView,
    active_member_ids,
    can_follow_thread,
    message_views,
    unread_count,
)
from modules.messaging.services import direct_thread_get_or_create, group_create, message_send

__all__ = [
    "MessageOut",
    "MessageView",
    "ThreadOut",
    "ThreadView",
    "active_member_ids",
    "can_follow_thread",
    "direct_thread_get_or_create",
    "group_create",
    "message_out",
    "message_send",
    "message_views",
    "unread_count",
]
