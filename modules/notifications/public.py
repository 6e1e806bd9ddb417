"""Public interface of notifications: what other modules call to notify people.

    notify(recipient_id=post.author_id, type="like", actor_id=user_id, target_type="post", target_id=post.id)

Call `notify()` inside the transaction that makes the change (a like, a follow, a comment): the notification
and its realtime event (`notification:new` on the recipient's user topic) commit or roll back with it, and the
push is enqueued only after the commit. Rules applied for you: never the actor's own action; nothing from
actors the recipient muted or is blocked with (either way); nothing for a type the recipient turned off; likes
on one target grouped while unread; an identical unread follow or mention is not repeated.

When one thing concerns several people (a message to a group, a post mentioning them), call
`notify_many(recipient_ids=[…], …)` once: the same rules for each, in a number of statements that does not grow
with the number of recipients.

Text that quotes someone's content (a post, a comment, a message) must say whose it is: the target of a like or
mention, `data["comment_id"]` of a comment or reply, `data["message_id"]` of a message. When that content is
deleted or removed by staff, call `content_removed(kind="post"|"comment"|"message", ids=[…])` in the same
transaction: the notifications keep who did what and show nothing of the content any more.

Mutes and blocks belong to social, which sits above this module: it registers the checks from its
`AppConfig.ready` (`register_silence_check`, `register_block_check`), so this module never imports it.
"""

from modules.notifications.hooks import register_block_check, register_silence_check
from modules.notifications.services import content_removed, notify, notify_many
from modules.notifications.text import extract_mentions

__all__ = [
    "content_removed",
    "extract_mentions",
    "notify",
    "notify_many",
    "register_block_check",
    "register_silence_check",
]
