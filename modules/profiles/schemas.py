from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from functools import cache
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

from modules.core.public import InputSchema, LocalTime
from modules.profiles import vocabulary as vocab

Gender = Literal[vocab.GENDERS]  # type: ignore[valid-type]
Orientation = Literal[vocab.ORIENTATIONS]  # type: ignore[valid-type]
RelationshipGoal = Literal[vocab.RELATIONSHIP_GOALS]  # type: ignore[valid-type]
AttachmentStyle = Literal[vocab.ATTACHMENT_STYLES]  # type: ignore[valid-type]
Value = Literal[vocab.VALUES]  # type: ignore[valid-type]
Lifestyle = Literal[vocab.LIFESTYLES]  # type: ignore[valid-type]
LoveLanguage = Literal[vocab.LOVE_LANGUAGES]  # type: ignore[valid-type]

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class PersonalProfilePatch(InputSchema):
    """Send only the fields to change; `null` clears a field."""

    first_name: str | None = Field(None, max_length=80)
    last_name: str | None = Field(None, max_length=80)
    birth_date: dt.date | None = None
    birth_time: LocalTime | None = None
    birth_timezone: str | None = Field(None, max_length=64, description="IANA time zone, e.g. `Asia/Tbilisi`.")
    birth_country: str | None = Field(None, max_length=80)
    birth_city: str | None = Field(None, max_length=120)
    birth_lat: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    birth_lon: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and not (EARLIEST_BIRTH_DATE <= value <= dt.datetime.now(dt.UTC).date()):
            raise ValueError(f"Birth date must be between {EARLIEST_BIRTH_DATE} and today.")
        return value

    @field_validator("birth_timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value and value not in _known_timezones():
            raise ValueError("Unknown time zone; use an IANA name such as Europe/Berlin.")
        return value


class PersonalProfileOut(Schema):
    first_name: str
    last_name: str
    birth_date: dt.date | None
    birth_time: dt.time | None
    birth_timezone: str
    birth_country: str
    birth_city: str
    birth_place: str = Field(description="City and country, as one line.")
    birth_lat: float | None
    birth_lon: float | None
    avatar_image: str | None = Field(description="Absolute URL of the avatar (shared with the user's `photo`).")
    is_complete: bool = Field(description="Name, birth date and birth place are known (gates onboarding).")


def _unique(values: list[str] | None) -> list[str] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("List items must be unique.")
    return values


class CompatibilityProfilePatch(InputSchema):
    gender: Gender | None = None
    orientation: Orientation | None = None
    relationship_goal: RelationshipGoal | None = None
    values: list[Value] | None = Field(None, max_length=vocab.MAX_VALUES)
    preferred_lifestyle: list[Lifestyle] | None = Field(None, max_length=vocab.MAX_LIFESTYLES)
    attachment_style: AttachmentStyle | None = None
    love_language: list[LoveLanguage] | None = Field(None, max_length=vocab.MAX_LOVE_LANGUAGES)

    @field_validator("values", "preferred_lifestyle", "love_language")
    @classmethod
    def _no_duplicates(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value)


class CompatibilityProfileOut(Schema):
    gender: Gender | None
    orientation: Orientation | None
    relationship_goal: RelationshipGoal | None
    values: list[Value]
    preferred_lifestyle: list[Lifestyle]
    attachment_style: AttachmentStyle | None
    love_language: list[LoveLanguage]


class CompatibilityOptionsOut(Schema):
    genders: list[str]
    orientations: list[str]
    relationship_goals: list[str]
    values: list[str]
    preferred_lifestyles: list[str]
    attachment_styles: list[str]
    love_languages: list[str]
    max_values: int
    max_preferred_lifestyle: int
    max_love_language: int
