"""Numerology (rules version `rules.RULES_VERSION`, published by `GET /matrix/rules/`), a pure function of the
personal map's birth date and name.

* Life path: the sum of every digit of the birth date written YYYYMMDD (1978-11-29 → 1+9+7+8+1+1+2+9 = 38),
  reduced by summing its digits until one digit remains or the sum is a master number 11, 22 or 33 (38 → 11).
* Expression: the Pythagorean values (A=1 … I=9, J=1 …) of every letter of first and last name, summed and reduced
  the same way. Soul urge: the vowels A E I O U only. Personality: the consonants (Y included).
* Names in Georgian or Cyrillic letters are transliterated first (transliteration.py); letters with no Latin form
  count for nothing and are listed in `unsupported_letters`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from modules.charts.contracts import NumberResult, NumerologyProfile
from modules.charts.rules import MASTER_NUMBERS, NUMBER_NAMES, PYTHAGOREAN, RULES_VERSION, VOWELS
from modules.charts.transliteration import latin_letters


def reduce(total: int) -> int:
    while total > 9 and total not in MASTER_NUMBERS:
        total = sum(int(digit) for digit in str(total))
    return total


def _result(total: int) -> NumberResult:
    number = reduce(total)
    return NumberResult(number=number, name=NUMBER_NAMES[number], sum=total)


def life_path(birth_date: dt.date) -> NumberResult:
    return _result(sum(int(digit) for digit in birth_date.strftime("%Y%m%d")))


def _letters_result(letters: str) -> NumberResult | None:
    return _result(sum(PYTHAGOREAN[letter] for letter in letters)) if letters else None


def profile(*, birth_date: dt.date | None, first_name: str, last_name: str) -> NumerologyProfile:
    name = " ".join(part.strip() for part in (first_name, last_name) if part.strip())
    letters, unsupported = latin_letters(name)
    missing = tuple(field for field, value in (("birth_date", birth_date), ("name", letters)) if not value)
    digest = hashlib.sha256(
        json.dumps([RULES_VERSION, birth_date.isoformat() if birth_date else None, letters]).encode()
    ).hexdigest()
    return NumerologyProfile(
        life_path=life_path(birth_date) if birth_date else None,
        expression=_letters_result(letters),
        soul_urge=_letters_result("".join(ch for ch in letters if ch in VOWELS)),
        personality=_letters_result("".join(ch for ch in letters if ch not in VOWELS)),
        birth_date=birth_date,
        name=name,
        name_latin=letters,
        unsupported_letters=unsupported,
        missing=missing,
        rules_version=RULES_VERSION,
        input_hash=digest,
    )
