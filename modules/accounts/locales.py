"""Locales as BCP 47 language tags, and the rule that maps them onto the languages we answer in.

A person's `locale` is the tag their device reports (`en-US`, `ru-RU`, `ka-GE`, `zh-Hant-TW`, `es-419`, …):
we accept every well-formed tag (RFC 5646 syntax; `_` is read as `-`, as some platforms write `en_US`), store it
in its conventional casing, and never refuse a tag because we do not serve its language.

The language we answer in (`settings.language`, one of `SERVED_LANGUAGES`) follows the tag's primary language
subtag when we serve it (`en-GB` → `en`, `ka-GE` → `ka`). A tag in a language we do not serve yet is kept as
it is and leaves the answer language unchanged (English for a new account): when that language is added, the
stored tags say who asked for it. A `settings.language` sent in the same request wins over the tag.
"""

from __future__ import annotations

import re

SERVED_LANGUAGES = ("en", "ru", "ka")
DEFAULT_LANGUAGE = "en"
MAX_LOCALE_LENGTH = 64

# RFC 5646 §2.1 `langtag` (language, extlang, script, region, variants, extensions, private use), plus
# whole private-use tags (`x-…`) and the irregular grandfathered ones (`i-…`). Compared case-insensitively.
_LANGTAG = re.compile(
    r"""^(?:
        (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})
        (?:-(?P<script>[a-z]{4}))?
        (?:-(?P<region>[a-z]{2}|[0-9]{3}))?
        (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*
        (?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*
        (?:-x(?:-[a-z0-9]{1,8})+)?
      | [xi](?:-[a-z0-9]{1,8})+
    )$""",
    re.VERBOSE,
)

# What the database accepts (a coarse guard; the exact grammar is checked here).
LOCALE_DB_PATTERN = r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"


def normalize_locale(value: str) -> str:
    """The tag in conventional casing (`en-US`, `zh-Hant-TW`, `sr-Latn-RS`); ValueError when not well formed."""
    tag = value.strip().replace("_", "-")
    if not tag or len(tag) > MAX_LOCALE_LENGTH or not _LANGTAG.match(tag.lower()):
        raise ValueError("Use a BCP 47 language tag such as en-US, ru-RU or ka-GE.")
    subtags = tag.lower().split("-")
    out = [subtags[0]]
    in_extension = subtags[0] in {"x", "i"}
    for subtag in subtags[1:]:
        if in_extension or len(subtag) == 1:
            in_extension = True  # after a singleton everything stays lower case
            out.append(subtag)
        elif len(subtag) == 2 or (len(subtag) == 3 and subtag.isdigit()):
            out.append(subtag.upper())  # region
        elif len(subtag) == 4 and subtag.isalpha():
            out.append(subtag.title())  # script
        else:
            out.append(subtag)
    return "-".join(out)


def served_language(tag: str) -> str | None:
    """The language we answer in for this tag, or None when we do not serve its language (yet)."""
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in SERVED_LANGUAGES else None
