"""Latin letters for Georgian and Cyrillic text: for numerology (whose tables are Latin) and for place search keys
(so that "Тбилиси", "თბილისი" and "Tbilisi" meet, and because PostgreSQL's trigram index only sees the letters its
locale classifies, which for a C-locale database means ASCII).

The tables (published by `GET /matrix/rules/`):

* Georgian: the national romanisation system of Georgia (2002), used on Georgian passports and by the UN; the
  aspirated and ejective pairs fold into one Latin letter (თ, ტ → t; ფ, პ → p; ქ, კ → k; ჩ, ჭ → ch; ც, წ → ts).
* Cyrillic: ICAO Doc 9303 (machine-readable travel documents; Russian passports since 2014), with the Ukrainian
  and Belarusian letters of the same table. The soft sign is dropped; ъ → ie.

Other letters are kept as they are (after removing accents: é → e); `latin_letters` reports what stays non-Latin.
"""

from __future__ import annotations

import re
import unicodedata

GEORGIAN = {
    "ა": "a",
    "ბ": "b",
    "გ": "g",
    "დ": "d",
    "ე": "e",
    "ვ": "v",
    "ზ": "z",
    "თ": "t",
    "ი": "i",
    "კ": "k",
    "ლ": "l",
    "მ": "m",
    "ნ": "n",
    "ო": "o",
    "პ": "p",
    "ჟ": "zh",
    "რ": "r",
    "ს": "s",
    "ტ": "t",
    "უ": "u",
    "ფ": "p",
    "ქ": "k",
    "ღ": "gh",
    "ყ": "q",
    "შ": "sh",
    "ჩ": "ch",
    "ც": "ts",
    "ძ": "dz",
    "წ": "ts",
    "ჭ": "ch",
    "ხ": "kh",
    "ჯ": "j",
    "ჰ": "h",
}
CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ie",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    # Ukrainian and Belarusian letters of the same table
    "є": "ie",
    "і": "i",
    "ї": "i",
    "ґ": "g",
    "ў": "u",
}
_TABLE = {**GEORGIAN, **CYRILLIC}
# Decomposing would turn й into и + breve and lose the table's own entry: these are mapped before accents go.
_BEFORE_DECOMPOSITION = {"й": "i", "ё": "e", "ї": "i", "ў": "u"}
_NOT_WORD = re.compile(r"[\W_]+")


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def to_latin(text: str) -> str:
    """Lower-case text with Georgian and Cyrillic letters transliterated and accents removed."""
    text = text.casefold()  # also maps Georgian Mtavruli capitals to Mkhedruli
    text = "".join(_BEFORE_DECOMPOSITION.get(ch, ch) for ch in text)
    text = _strip_marks(text)
    return "".join(_TABLE.get(ch, ch) for ch in text)


def search_key(text: str) -> str:
    """The form names are compared in: Latin where we can, lower-case, words separated by one space."""
    return " ".join(_NOT_WORD.sub(" ", to_latin(text)).split())


def latin_letters(text: str) -> tuple[str, tuple[str, ...]]:
    """The A–Z letters of a name after transliteration, and the letters that had no Latin form (sorted, once)."""
    latin = to_latin(text)
    kept = "".join(ch for ch in latin if "a" <= ch <= "z").upper()
    unsupported = sorted({ch for ch in latin if ch.isalpha() and not "a" <= ch <= "z"})
    return kept, tuple(unsupported)
