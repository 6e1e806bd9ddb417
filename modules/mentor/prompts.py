"""Building what the model is asked.

1. A system message with the persona for the language, with the mode's and the tone's instructions.
2. A system message with the compact user context (profile facts, goals, recent journal, memory; in the natal
   mode the birth data and that no chart is calculated, in the soulmatch mode that no compatibility score or
   other person's profile is known), each value cut to a length and the whole to `CONTEXT_MAX_CHARS`, introduced
   as data, not instructions.
3. The latest messages of the session that fit in `MENTOR_HISTORY_MAX_CHARS` (newest kept first), as user and
   assistant messages.
4. The person's message, as a user message. Text the person wrote never goes into a system message except as
   quoted profile data in (2).
"""

from __future__ import annotations

from collections.abc import Sequence

from modules.mentor.contracts import ChatMessage, Prompt, UserContext
from modules.mentor.personas import Persona, persona

CONTEXT_MAX_CHARS = 2000
VALUE_MAX_CHARS = 240
HISTORY_MAX_MESSAGES = 40


def _cut(text: str, limit: int = VALUE_MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def birth_text(context: UserContext, voice: Persona) -> str:
    """The personal map's birth data as one line, or empty without a birth date (nothing to read a chart from)."""
    if not context.birth_date:
        return ""
    facts = voice.facts
    parts = [facts["birth_date"].format(value=context.birth_date)]
    parts.append(facts["birth_time"].format(value=context.birth_time) if context.birth_time else facts["no_time"])
    if context.birth_place:
        parts.append(facts["birth_place"].format(value=context.birth_place))
    if context.birth_timezone:
        parts.append(facts["birth_timezone"].format(value=context.birth_timezone))
    return ", ".join(parts)


def context_text(context: UserContext, language: str, mode: str = "default") -> str:
    """The person's facts for the model. Birth data only in the natal mode (it is sent to the provider only when
    the person asks about their chart); in the natal and soulmatch modes, also what SelfLink cannot know yet, so
    the model has it as a fact next to the data rather than inventing it."""
    voice = persona(language)
    labels = voice.context_labels
    lines = []

    def add(label: str, value: str) -> None:
        if value:
            lines.append(f"- {labels[label]}: {_cut(value)}")

    add("name", context.name)
    if mode == "natal":
        add("birth", birth_text(context, voice) or voice.facts["no_birth"])
        add("chart", voice.facts["chart"])
    if mode == "soulmatch":
        add("match", voice.facts["match"])
    add("intention", context.intention)
    add("bio", context.bio)
    add("values", ", ".join(context.values))
    add("love_languages", ", ".join(context.love_languages))
    add("relationship_goal", context.relationship_goal)
    add("attachment_style", context.attachment_style)
    if context.goals:
        lines.append(f"- {labels['goals']}:")
        lines += [f"  - {_cut(goal, 200)}" for goal in context.goals]
    if context.journal:
        lines.append(f"- {labels['journal']}:")
        lines += [f"  - {_cut(entry, 200)}" for entry in context.journal]
    add("memory", _cut(context.memory, 800))
    if not lines:
        return ""
    text = "\n".join([voice.context_intro, *lines])
    return text if len(text) <= CONTEXT_MAX_CHARS else text[: CONTEXT_MAX_CHARS - 1] + "…"


def bounded_history(history: Sequence[tuple[str, str]], max_chars: int) -> list[tuple[str, str]]:
    """The newest (role, content) pairs, oldest first, whose contents fit in `max_chars` together."""
    kept: list[tuple[str, str]] = []
    used = 0
    for role, content in reversed(history[-HISTORY_MAX_MESSAGES:]):
        if used + len(content) > max_chars:
            break
        kept.append((role, content))
        used += len(content)
    kept.reverse()
    # A conversation the model sees starts with the person speaking.
    while kept and kept[0][0] != "user":
        kept.pop(0)
    return kept


def prompt_build(
    *,
    context: UserContext,
    mode: str,
    language: str,
    tone: str,
    history: Sequence[tuple[str, str]],
    message: str,
    history_max_chars: int,
) -> Prompt:
    voice = persona(language)
    messages = [ChatMessage("system", voice.system(mode=mode, tone=tone))]
    facts = context_text(context, language, mode)
    if facts:
        messages.append(ChatMessage("system", facts))
    kept = bounded_history(history, history_max_chars)
    messages += [ChatMessage(role, content) for role, content in kept]
    messages.append(ChatMessage("user", message))
    return Prompt(
        messages=tuple(messages),
        user_text=message,
        mode=mode,
        language=language,
        tone=tone,
        context=context,
        history_messages=len(kept),
    )
