"""The offline mentor: deterministic replies composed from the person's own context and the persona's phrasing.

It needs no model and no network, so the mentor works on a fresh machine, and the same request always gets the
same reply. A reply is built from, in order: an opener for the mode (with the person's name), in the natal mode
the birth data and a reading of the natal chart computed from it (or why there is none), in the soulmatch mode
the compatibility profile and what SelfLink cannot know yet, the
keywords of the message and the question it asks, a link to one of their goals (the one sharing most words with
the message), the themes of their recent journal entries, a remark when an earlier conversation is remembered, the
tone's line and a closing question for the mode. Choices between phrasings depend on a hash of the message, never
on chance.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from modules.charts.public import NatalSummary
from modules.mentor.contracts import Prompt
from modules.mentor.personas import Persona, persona
from modules.mentor.prompts import birth_text, chart_aspects, chart_placements, sign_in, sign_themes

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE = re.compile(r"[^.!?\n…]+[.!?…]*")
# The SoulMatch screen of the mobile app appends whom a question is about; it names the match, it is not what the
# person said, so the offline mentor does not pick keywords from it.
_APP_CONTEXT = re.compile(r"\s*\n\s*Context: This question is about .*\(user \d+\)\.\s*$")
MIN_WORD = 3
MAX_QUESTION_CHARS = 160


def _pick(options: list[str], seed: str, salt: str) -> str:
    digest = hashlib.sha256(f"{salt}|{seed}".encode()).digest()
    return options[int.from_bytes(digest[:4], "big") % len(options)]


def keywords(text: str, stopwords: set[str], limit: int = 3) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if len(w) >= MIN_WORD and w not in stopwords]
    counts = Counter(words)
    first_seen = {word: index for index, word in reversed(list(enumerate(words)))}
    ranked = sorted(counts, key=lambda w: (-counts[w], -len(w) if counts[w] == 1 else 0, first_seen[w]))
    return ranked[:limit]


def first_question(text: str) -> str | None:
    for sentence in _SENTENCE.findall(text):
        sentence = sentence.strip()
        if sentence.endswith("?") and len(sentence) > 3:
            if len(sentence) > MAX_QUESTION_CHARS:
                sentence = sentence[: MAX_QUESTION_CHARS - 2].rsplit(" ", 1)[0].rstrip(" ,;:") + "…?"
            return sentence
    return None


def _join(items: list[str], word_and: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word_and} {items[-1]}"


def _quote(text: str, voice: Persona) -> str:
    return f"{voice.offline['quote_open']}{text}{voice.offline['quote_close']}"


def _best_goal(goals: tuple[str, ...], message_words: set[str]) -> str:
    def overlap(goal: str) -> int:
        return len(set(_WORD.findall(goal.lower())) & message_words)

    return max(goals, key=lambda goal: (overlap(goal), -goals.index(goal)))


def _natal_reading(chart: NatalSummary, voice: Persona) -> list[str]:
    """The chart's own placements, then a reading of the Sun, the Moon and the Ascendant by their signs' themes
    (rules of thumb every astrology text shares, published in the persona files), then the closest aspects."""
    lines = [voice.line("natal_chart", placements=chart_placements(chart, voice))]
    signs = {body: sign for body, sign, *_ in chart.planets}
    angles = {name: sign for name, sign, _ in chart.angles}
    lines.append(
        voice.line(
            "natal_reading",
            sun=sign_in(signs["sun"], voice),
            sun_themes=sign_themes(signs["sun"], voice),
            moon=sign_in(signs["moon"], voice),
            moon_themes=sign_themes(signs["moon"], voice),
        )
    )
    if angles:
        lines.append(
            voice.line("natal_rising", asc=sign_in(angles["asc"], voice), asc_themes=sign_themes(angles["asc"], voice))
        )
    else:
        lines.append(voice.line("natal_no_time"))
    if chart.aspects:
        lines.append(voice.line("natal_aspects", aspects=chart_aspects(chart, voice, limit=3)))
    return lines


def _mode_facts(prompt: Prompt, voice: Persona) -> list[str]:
    """Natal and soulmatch: what the mentor knows (birth data and the chart computed from it, the compatibility
    profile) and, plainly, what SelfLink cannot know. Nothing is ever invented: placements come from the chart the
    charts module computed, never from a guess, and there are no compatibility scores."""
    context = prompt.context
    if prompt.mode == "natal":
        birth = birth_text(context, voice)
        facts = [voice.line("natal_birth", birth=birth) if birth else voice.line("natal_no_birth")]
        chart = context.chart
        if chart is not None and chart.status == "ok":
            return facts + _natal_reading(chart, voice)
        if chart is not None and chart.status == "unresolved":
            facts.append(voice.line("natal_unresolved"))
        return [*facts, voice.line("natal_limits")]
    if prompt.mode == "soulmatch":
        labels = voice.context_labels
        facts = [
            f"{labels[label]}: {value.replace('_', ' ')}"
            for label, value in (
                ("values", ", ".join(context.values)),
                ("love_languages", ", ".join(context.love_languages)),
                ("relationship_goal", context.relationship_goal),
                ("attachment_style", context.attachment_style),
            )
            if value
        ]
        known = voice.line("soulmatch_profile", facts="; ".join(facts)) if facts else voice.line("soulmatch_no_profile")
        return [known, voice.line("soulmatch_limits")]
    return []


def compose(prompt: Prompt) -> str:
    voice = persona(prompt.language)
    offline = voice.offline
    stopwords = set(offline["stopwords"])
    context = prompt.context
    text = _APP_CONTEXT.sub("", prompt.user_text).strip()
    seed = f"{prompt.mode}|{prompt.language}|{text}"
    name = context.name.split()[0] if context.name.strip() else ""
    name_suffix = voice.line("name_suffix", name=name) if name else ""

    parts = [_pick(offline["openers"][prompt.mode], seed, "opener").format(name_suffix=name_suffix)]
    parts += _mode_facts(prompt, voice)
    # The reading POST /mentor/natal/ asks for is the mentor's own request: nothing in it to reflect back.
    own_request = prompt.mode == "natal" and text == offline["natal_request"]
    question = None if own_request else first_question(text)
    found = [] if own_request else keywords(text.replace(question, " ") if question else text, stopwords)
    if found:
        parts.append(voice.line("keywords", keywords=_join(found, offline["and"])))
    if question:
        parts.append(voice.line("question", question=_quote(question, voice)))
    if not found and not question and not own_request:
        parts.append(voice.line("empty"))

    if context.goals:
        goal = _best_goal(context.goals, set(_WORD.findall(text.lower())))
        parts.append(voice.line("goal", goal=_quote(goal, voice)))
    elif prompt.mode == "goals":
        parts.append(voice.line("no_goal"))

    if context.journal and prompt.mode in ("daily", "reflection", "default"):
        themes = keywords(" ".join(context.journal), stopwords)
        if themes:
            parts.append(voice.line("journal", themes=_join(themes, offline["and"])))
    if context.memory and prompt.history_messages == 0:
        parts.append(voice.line("memory"))

    tone_line = offline["tones"].get(prompt.tone, "")
    if tone_line:
        parts.append(tone_line)
    parts.append(_pick(offline["prompts"][prompt.mode], seed, "prompt"))
    return " ".join(part.strip() for part in parts if part.strip())


def chunks(text: str) -> list[str]:
    """The reply as a stream of tokens: one word with the whitespace before it per chunk."""
    return re.findall(r"\s*\S+", text)
