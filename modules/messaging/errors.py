"""Error codes of messaging (threads, messages, receipts, reactions, typing)."""

from modules.core.public import register_error_codes

register_error_codes(
    {
        "dm_not_allowed": "This person does not accept messages from you (their direct-message setting).",
        "recipient_inactive": "The account you are writing to is deactivated.",
        "self_thread": "A conversation needs someone other than you.",
        "no_participants": "A group needs at least one other person.",
        "empty_message": "A message needs text or an attachment.",
        "too_many_attachments": "More attachments than one message may carry.",
        "message_deleted": "The message was deleted.",
        "message_not_in_thread": "The message given is not in this thread.",
        "reply_to_other_thread": "A reply must quote a message of the same thread.",
        "not_sender": "Only the sender may delete this message.",
        "too_many_reactions": "You put the most different reactions allowed on this message.",
    }
)
