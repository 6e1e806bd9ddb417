"""The rolling memory summary: what the mentor remembers of earlier conversations.

Offline (and whenever the model cannot be asked), the summary is composed deterministically from the messages
since the person last cleared their memory (the newest `WINDOW`): how many, since when, recurring topics (the
most frequent keywords of the person's own messages), goals they mentioned and the gist of the latest message.
With an OpenAI-compatible platform provider the model rewrites the previous summary with the new messages.
Personal keys (X-LLM-Key) are never used here: this runs in a background job, which never sees one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from modules.mentor import offline, safety
from modules.mentor.contracts import ChatMessage, Prompt, UserContext
from modules.mentor.personas import persona, personas
from modules.mentor.providers import OfflineProvider, Provider, ProviderError

logger = logging.getLogger(__name__)

WINDOW = 200  # messages the offline summary looks at
MAX_SUMMARY_CHARS = 1500
EXCERPT_CHARS = 140
NEW_MESSAGES_MAX_CHARS = 8000


def _stopwords() -> set[str]:
    return {word for each in personas() for word in each.offline["stopwords"]}


def offline_summary(
    *, messages: Sequence[tuple[str, str, str]], sessions: int, goals: Sequence[str], language: str
) -> str:
    """`messages`: (role, content, ISO date) oldest first."""
    if not messages:
        return ""
    texts = persona(language).memory
    words_and = persona(language).offline["and"]
    mine = [content for role, content, _ in messages if role == "user"]
    parts = [texts["count"].format(messages=len(messages), sessions=sessions, since=messages[0][2])]
    topics = offline.keywords(" ".join(mine), _stopwords(), limit=5)
    if topics:
        parts.append(
            texts["topics"].format(
                topics=", ".join(topics[:-1]) + f" {words_and} {topics[-1]}" if len(topics) > 1 else topics[0]
            )
        )
    if goals:
        parts.append(texts["goals"].format(goals="; ".join(goals[:5])))
    if mine:
        latest = " ".join(mine[-1].split())
        excerpt = latest if len(latest) <= EXCERPT_CHARS else latest[: EXCERPT_CHARS - 1].rstrip() + "…"
        parts.append(texts["last"].format(excerpt=excerpt))
    return " ".join(parts)[:MAX_SUMMARY_CHARS]


def model_summary(
    *, provider: Provider, previous: str, new_messages: Sequence[tuple[str, str]], language: str, user_id: int
) -> str | None:
    """The model's rewrite of the summary, checked like any reply; None when it failed or was withheld."""
    texts = persona(language).memory
    lines, used = [], 0
    for role, content in reversed(new_messages):  # newest kept when too long
        line = f"{texts['person'] if role == 'user' else texts['mentor']}: {' '.join(content.split())}"
        if used + len(line) > NEW_MESSAGES_MAX_CHARS:
            break
        lines.append(line)
        used += len(line)
    lines.reverse()
    body = f"{texts['previous']}\n{previous or '—'}\n\n{texts['conversation']}\n" + "\n".join(lines)
    prompt = Prompt(
        messages=(ChatMessage("system", texts["summarise"]), ChatMessage("user", body)),
        user_text=body,
        mode="default",
        language=language,
        tone="calm",
        context=UserContext(user_id=user_id),
    )
    try:
        text = provider.complete(prompt)
    except ProviderError as error:
        logger.warning("memory summary by the model failed (%s); using the offline summary", error.code)
        return None
    checked = safety.check_output(text, language=language)
    if checked.safety:
        return None
    return checked.text[:MAX_SUMMARY_CHARS]


def is_model(provider: Provider) -> bool:
    return not isinstance(provider, OfflineProvider)
