"""Public interface of notifications: what other modules call to notify people.

    notify(recipient_id=post.author_id, type="like", actor_id=user_id, target_type="post", target_id=post.id)

Call `notify()` inside the transaction that makes the change (a like, a follow, a comment): the notification
and its realtime event (`notification:new` on the recipient's user topic) commit or roll back with it, and the
push is enqueued only after the commit. Rules applied for you: never the actor's own action; nothing from
actors the recipient muted or is blocked with (either way); nothing for a type the recipient turned off; likes
on one target grouped while unread; an identical unread follow or mention is not repeated.
"""

from modules.notifications.models import NOTIFICATION_TYPES
from modules.notifications.services import devices_forget_session, devices_forget_user, notify
from modules.notifications.text import extract_mentions

__all__ = ["NOTIFICATION_TYPES", "devices_forget_session", "devices_forget_user", "extract_mentions", "notify"]
