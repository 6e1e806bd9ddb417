"""Safety around the mentor: crisis signals in what the person writes, and checks of what the mentor answers.

- Input: `crisis_detected()` matches the patterns of every `safety_patterns/crisis-<language>.txt` (whatever the
  session's language). A match means the model is not asked at all: the person gets `crisis_reply()`, the
  persona's supportive text with the configured help resources (`MENTOR_CRISIS_RESOURCES`).
- Output: `check_output()` runs before a reply is saved. Unsafe content (`unsafe-output.txt`) is replaced by the
  supportive reply; a reply that repeats the mentor's own instructions (any 8 consecutive words of a persona's
  system prompt) is replaced by the persona's `withheld_reply`. Control characters are removed.
  `StreamGuard` applies the same checks incrementally while a reply streams, so a stream stops at the first
  offending token.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

from modules.mentor.personas import persona, personas

PATTERN_DIR = Path(__file__).resolve().parent / "safety_patterns"
LEAK_WINDOW = 8  # words
MAX_REPLY_CHARS = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_SPACES = re.compile(r"\s+")
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "ё": "е"})

SAFE = ""
CRISIS = "crisis"
OUTPUT_BLOCKED = "output_blocked"
PROMPT_LEAK = "prompt_leak"


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip()


def _load(pattern: str) -> re.Pattern:
    sources = []
    for path in sorted(PATTERN_DIR.glob(pattern)):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                re.compile(line)  # a broken line fails loudly, naming itself
                sources.append(f"(?:{line})")
    return re.compile("|".join(sources), re.IGNORECASE)


@cache
def crisis_patterns() -> re.Pattern:
    return _load("crisis-*.txt")


@cache
def unsafe_output_patterns() -> re.Pattern:
    return _load("unsafe-output.txt")


def crisis_detected(text: str) -> bool:
    return crisis_patterns().search(normalize(text)) is not None


def _resources() -> list[tuple[str, str]]:
    return [tuple(entry.split("|", 1)) for entry in settings.MENTOR_CRISIS_RESOURCES]  # type: ignore[misc]


def crisis_reply(language: str) -> str:
    texts = persona(language).safety
    lines = "\n".join(texts["resource_line"].format(label=label, url=url) for label, url in _resources())
    return texts["crisis_reply"].format(resources=lines)


def _words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


@cache
def _instruction_shingles() -> frozenset[tuple[str, ...]]:
    shingles: set[tuple[str, ...]] = set()
    for each in personas():
        for line in [*each.system_template.splitlines(), *each.memory["summarise"].splitlines(), each.context_intro]:
            words = _words(re.sub(r"\{[a-z_]+\}", " ", line))
            shingles.update(tuple(words[i : i + LEAK_WINDOW]) for i in range(len(words) - LEAK_WINDOW + 1))
    return frozenset(shingles)


def leaks_instructions(text: str) -> bool:
    words = _words(text)
    shingles = _instruction_shingles()
    return any(tuple(words[i : i + LEAK_WINDOW]) in shingles for i in range(len(words) - LEAK_WINDOW + 1))


def clean(text: str) -> str:
    return _CONTROL.sub("", text)[:MAX_REPLY_CHARS].strip()


@dataclass(frozen=True)
class Checked:
    text: str
    safety: str  # "" when the reply passed


def replacement(verdict: str, *, language: str) -> Checked:
    """What is saved instead of a reply that failed a check."""
    if verdict == OUTPUT_BLOCKED:
        return Checked(crisis_reply(language), OUTPUT_BLOCKED)
    return Checked(persona(language).safety["withheld_reply"], PROMPT_LEAK)


def check_output(text: str, *, language: str) -> Checked:
    """The reply as it may be saved and shown."""
    text = clean(text)
    if unsafe_output_patterns().search(normalize(text)):
        return replacement(OUTPUT_BLOCKED, language=language)
    if leaks_instructions(text):
        return replacement(PROMPT_LEAK, language=language)
    return Checked(text, SAFE)


class StreamGuard:
    """The output checks applied to a growing reply; each `feed()` only looks at the text a new match could use: a
    pattern match ending in the new delta starts at most `_output_span()` characters before it, and an instruction
    window ending there holds the delta's words and the 7 before them."""

    TAIL_CHARS = 300  # longer than any 8-word window of the personas

    def __init__(self) -> None:
        self.text = ""
        self.verdict = SAFE

    def feed(self, delta: str) -> bool:
        """Add `delta`; False (and `verdict` set) when the reply may not continue."""
        self.text += delta
        tail = self.text[-(len(delta) + self.TAIL_CHARS) :]
        if len(tail) < len(self.text) and " " in tail:
            tail = tail[tail.index(" ") + 1 :]  # start on a word boundary
        recent = self.text[-(len(delta) + _output_span()) :]
        if len(recent) < len(self.text) and " " in recent:
            recent = recent[recent.index(" ") + 1 :]  # a cut word must not look like a word start to `\b`
        if unsafe_output_patterns().search(normalize(recent)):
            self.verdict = OUTPUT_BLOCKED
        elif _leak_at_end(_words(tail), new_words=len(_words(delta)) + 1):
            self.verdict = PROMPT_LEAK
        return self.verdict == SAFE


@cache
def _output_span() -> int:
    """How far back (raw characters) a streaming check must look for an unsafe-output match: twice the longest
    text a pattern can match (normalising collapses runs of spaces), or TAIL_CHARS when a pattern is unbounded."""
    try:
        longest = re._parser.parse(unsafe_output_patterns().pattern).getwidth()[1]  # sre computes the longest match
    except Exception:  # regex internals changed: fall back to the safe, slower span
        return StreamGuard.TAIL_CHARS
    return StreamGuard.TAIL_CHARS if longest >= StreamGuard.TAIL_CHARS // 2 else 2 * longest + 16


def _leak_at_end(words: list[str], *, new_words: int) -> bool:
    """Whether one of the instruction windows ending in the last `new_words` words is in the instructions."""
    shingles = _instruction_shingles()
    first = max(0, len(words) - LEAK_WINDOW - new_words + 1)
    return any(tuple(words[i : i + LEAK_WINDOW]) in shingles for i in range(first, len(words) - LEAK_WINDOW + 1))
