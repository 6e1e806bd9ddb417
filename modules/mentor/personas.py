"""The mentor's persona per language, read from `personas/<language>.toml` (see en.toml for the structure)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from modules.mentor.contracts import LANGUAGES, MODES, TONES

PERSONA_DIR = Path(__file__).resolve().parent / "personas"
CONTEXT_LABELS = (
    "name",
    "intention",
    "bio",
    "values",
    "love_languages",
    "relationship_goal",
    "attachment_style",
    "goals",
    "journal",
    "memory",
    "birth",
    "chart",
    "match",
)
LINES = (
    "name_suffix",
    "keywords",
    "question",
    "empty",
    "goal",
    "no_goal",
    "journal",
    "memory",
    "natal_birth",
    "natal_no_birth",
    "natal_limits",
    "natal_unresolved",
    "natal_chart",
    "natal_angles",
    "natal_no_time",
    "natal_aspects",
    "natal_reading",
    "natal_rising",
    "soulmatch_profile",
    "soulmatch_no_profile",
    "soulmatch_limits",
)
FACTS = (
    "birth_date",
    "birth_time",
    "birth_place",
    "birth_timezone",
    "no_birth",
    "no_time",
    "chart",
    "chart_unresolved",
    "match",
)
CHART = ("signs_in", "themes", "placement", "placement_house", "retrograde", "aspect", "bodies", "aspects")


@dataclass(frozen=True)
class Persona:
    language: str
    language_name: str
    system_template: str
    context_intro: str
    context_labels: dict[str, str]
    modes: dict[str, str]
    tones: dict[str, str]
    offline: dict
    safety: dict[str, str]
    memory: dict[str, str]
    facts: dict[str, str]
    chart: dict  # names of signs, bodies and aspects, and the sign themes (see `[chart]` in en.toml)

    def system(self, *, mode: str, tone: str) -> str:
        return self.system_template.format(mode=self.modes[mode], tone=self.tones[tone])

    def line(self, line: str, /, **values: str) -> str:
        return self.offline["lines"][line].format(**values)


@cache
def persona(language: str) -> Persona:
    if language not in LANGUAGES:
        raise ValueError(f"no persona for language {language!r}")
    data = tomllib.loads((PERSONA_DIR / f"{language}.toml").read_text(encoding="utf-8"))
    loaded = Persona(
        language=language,
        language_name=data["language_name"],
        system_template=data["system"],
        context_intro=data["context_intro"],
        context_labels=data["context_labels"],
        modes=data["modes"],
        tones=data["tones"],
        offline=data["offline"],
        safety=data["safety"],
        memory=data["memory"],
        facts=data["facts"],
        chart=data["chart"],
    )
    missing = [m for m in MODES if m not in loaded.modes or m not in loaded.offline["openers"]]
    missing += [t for t in TONES if t not in loaded.tones or t not in loaded.offline["tones"]]
    missing += [m for m in MODES if m not in loaded.offline["prompts"]]
    missing += [key for key in FACTS if key not in loaded.facts]
    missing += [key for key in LINES if key not in loaded.offline["lines"]]
    missing += [key for key in CONTEXT_LABELS if key not in loaded.context_labels]
    missing += [key for key in CHART if key not in loaded.chart]
    missing += [] if "natal_request" in loaded.offline else ["natal_request"]
    if len(loaded.chart.get("signs_in", ())) != 12 or len(loaded.chart.get("themes", ())) != 12:
        missing.append("twelve signs_in and themes")
    if missing:
        raise ValueError(f"persona {language!r} lacks {missing}")
    return loaded


def personas() -> list[Persona]:
    return [persona(language) for language in LANGUAGES]
