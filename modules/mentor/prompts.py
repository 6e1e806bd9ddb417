"""Building what the model is asked.

1. A system message with the persona for the language, with the mode's and the tone's instructions.
2. A system message with the compact user context (profile facts, goals, recent journal, memory; in the natal
   mode the birth data and the natal chart computed from it, or why there is none; in the soulmatch mode that no
   compatibility score or other person's profile is known), each value cut to a length and the whole to
   `CONTEXT_MAX_CHARS`, introduced as data, not instructions.
3. The latest messages of the session that fit in `MENTOR_HISTORY_MAX_CHARS` (newest kept first), as user and
   assistant messages.
4. The person's message, as a user message. Text the person wrote never goes into a system message except as
   quoted profile data in (2).
"""

from __future__ import annotations

from collections.abc import Sequence

from modules.charts.public import NatalSummary
from modules.mentor.contracts import ChatMessage, Prompt, UserContext
from modules.mentor.personas import Persona, persona

CONTEXT_MAX_CHARS = 2600
VALUE_MAX_CHARS = 240
CHART_MAX_CHARS = 900  # ten placements, the angles and the closest aspects
CHART_ASPECTS = 5  # the tightest ones are named
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


SIGNS = ("aries", "taurus", "gemini", "cancer", "leo", "virgo", "libra", "scorpio", "sagittarius", "capricorn",
         "aquarius", "pisces")  # fmt: skip


def sign_in(sign: str, voice: Persona) -> str:
    """ "in Gemini" in the persona's language (charts name signs in English: Aries … Pisces)."""
    return voice.chart["signs_in"][SIGNS.index(sign.lower())]


def sign_themes(sign: str, voice: Persona) -> str:
    return voice.chart["themes"][SIGNS.index(sign.lower())]


def chart_placements(chart: NatalSummary, voice: Persona) -> str:
    """ "Sun in Gemini (house 4), Moon in Capricorn (house 11), …" from the chart's own placements only."""
    names = voice.chart["bodies"]
    parts = []
    for body, sign, _degree, house, retrograde in chart.planets:
        template = voice.chart["placement_house"] if house else voice.chart["placement"]
        text = template.format(body=names[body], sign_in=sign_in(sign, voice), house=house)
        parts.append(text + (voice.chart["retrograde"] if retrograde else ""))
    return ", ".join(parts)


def chart_aspects(chart: NatalSummary, voice: Persona, limit: int = CHART_ASPECTS) -> str:
    names, aspects = voice.chart["bodies"], voice.chart["aspects"]
    return ", ".join(
        voice.chart["aspect"].format(p1=names[p1], aspect=aspects[aspect], p2=names[p2], orb=f"{orb:.1f}")
        for p1, aspect, p2, orb in chart.aspects[:limit]
    )


def chart_text(chart: NatalSummary | None, voice: Persona) -> str:
    """The natal chart as one context value: the placements, the angles and the closest aspects, or why there is
    no chart (never anything the chart does not say)."""
    if chart is None or chart.status == "missing":
        return voice.facts["chart"]
    if chart.status != "ok":
        return voice.facts["chart_unresolved"]
    lines = [voice.line("natal_chart", placements=chart_placements(chart, voice))]
    angles = {name: sign for name, sign, _ in chart.angles}
    if angles:
        lines.append(voice.line("natal_angles", asc=sign_in(angles["asc"], voice), mc=sign_in(angles["mc"], voice)))
    else:
        lines.append(voice.line("natal_no_time"))
    if chart.aspects:
        lines.append(voice.line("natal_aspects", aspects=chart_aspects(chart, voice)))
    return " ".join(lines)


def context_text(context: UserContext, language: str, mode: str = "default") -> str:
    """The person's facts for the model. Birth data and the natal chart only in the natal mode (they are sent to
    the provider only when the person asks about their chart); in the soulmatch mode, also what SelfLink cannot
    know yet, so the model has it as a fact next to the data rather than inventing it."""
    voice = persona(language)
    labels = voice.context_labels
    lines = []

    def add(label: str, value: str) -> None:
        if value:
            lines.append(f"- {labels[label]}: {_cut(value)}")

    add("name", context.name)
    if mode == "natal":
        add("birth", birth_text(context, voice) or voice.facts["no_birth"])
        lines.append(f"- {labels['chart']}: {_cut(chart_text(context.chart, voice), CHART_MAX_CHARS)}")
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
