"""Public interface of notifications: what other modules call to notify people.

    notify(recipient_id=post.author_id, type="like", actor_id=user_id, target_type="post", target_id=post.id)

Call `notify()` inside the transaction that makes the change (a like, a follow, a comment): the notification
and its realtime event (`notification:new` on the recipient's user topic) commit or roll back with it, and the
push is enqueued only after the commit. Rules applied for you: never the actor's own action; nothing from
actors the recipient muted or is blocked with (either way); nothing for a type the recipient turned off; likes
on one target grouped while unread; an identical unread follow or mention is not repeated.

Text that quotes someone's content (a post, a comment, a message) must say whose it is: the target of a like or
mention, `data["comment_id"]` of a comment or reply, `data["message_id"]` of a message. When that content is
deleted or removed by staff, call `content_removed(kind="post"|"comment"|"message", ids=[…])` in the same
transaction: the notifications keep who did what and show nothing of the content any more.
"""

from modules.notifications.models import NOTIFICATION_TYPES
from modules.notifications.services import content_removed, devices_forget_session, devices_forget_user, notify
from modules.notifications.text import extract_mentions

__all__ = [
    "NOTIFICATION_TYPES",
    "content_removed",
    "devices_forget_session",
    "devices_forget_user",
    "extract_mentions",
    "notify",
]
