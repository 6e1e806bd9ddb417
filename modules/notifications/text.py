"""Words: @mentions found in text, and the one-line summary of a notification ("Ana and 3 others liked …")."""

from __future__ import annotations

import re
from collections.abc import Sequence

# A handle is 3–30 of [a-z0-9_] (case-insensitive in text). Not inside a word or an e-mail address
# (`ana@example.com`), and not a prefix of something longer than a handle can be.
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})(?![\w@])")

EXCERPT_LENGTH = 140

_TARGET_NOUNS = {
    "post": "post",
    "comment": "comment",
    "thread": "conversation",
    "message": "message",
    "reward_event": "contribution",
    "payout": "payout",
}

_VERBS = {
    "follow": "started following you",
    "follow_request": "asked to follow you",
    "follow_accept": "accepted your follow request",
    "like": "liked your {target}",
    "comment": "commented on your {target}",
    "reply": "replied to your {target}",
    "mention": "mentioned you",
    "message": "sent you a message",
    "reward": "sent you a reward",
    "security": "security notice",
}


def extract_mentions(text: str) -> set[str]:
    """`"hi @Ana and @bob_1"` → `{"ana", "bob_1"}` (lower-cased handles; whether they exist is the caller's
    business: look them up with accounts' `user_id_by_handle`)."""
    return {match.lower() for match in _MENTION.findall(text or "")}


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _who(names: Sequence[str], actor_count: int) -> str:
    if not names:
        return "Someone" if actor_count <= 1 else f"{actor_count} people"
    if actor_count <= 1:
        return names[0]
    if actor_count == 2 and len(names) >= 2:
        return f"{names[0]} and {names[1]}"
    others = actor_count - 1
    return f"{names[0]} and {others} other{'s' if others > 1 else ''}"


def summary(*, type: str, names: Sequence[str], actor_count: int, target_type: str, text: str) -> str:
    """The line shown in the list and in a push: rendered when read, so renamed accounts show their new name."""
    if type == "reward" and not names:
        return text or "You received a reward."
    if type == "security":
        return text or "Security notice about your account."
    noun = _TARGET_NOUNS.get(target_type, target_type.replace("_", " ") or "post")
    line = f"{_who(names, actor_count)} {_VERBS[type].format(target=noun)}"
    return f"{line}: {text}" if text else line
