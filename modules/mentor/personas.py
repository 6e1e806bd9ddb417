"""The mentor's persona per language, read from `personas/<language>.toml` (see en.toml for the structure)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from modules.mentor.contracts import LANGUAGES, MODES, TONES

PERSONA_DIR = Path(__file__).resolve().parent / "personas"


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
    )
    missing = [m for m in MODES if m not in loaded.modes or m not in loaded.offline["openers"]]
    missing += [t for t in TONES if t not in loaded.tones or t not in loaded.offline["tones"]]
    if missing:
        raise ValueError(f"persona {language!r} lacks {missing}")
    return loaded


def personas() -> list[Persona]:
    return [persona(language) for language in LANGUAGES]
