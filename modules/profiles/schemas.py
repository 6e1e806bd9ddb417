from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, ValidationInfo, field_validator

from modules.accounts.http import LanguageCode, LanguagePreference
from modules.core.http import InputSchema, LocalTime
from modules.media.http import schema_media_url
from modules.profiles import vocabulary as vocab
from modules.profiles.contracts import PersonalProfileView


def _vocabulary(field: str, words: tuple[str, ...]):
    """What a request may send for `field` (the words and their former spellings, stored as the word)."""
    accepted = Literal[(*words, *vocab.ALIASES[field])]  # type: ignore[valid-type]
    return Annotated[accepted, AfterValidator(lambda word: vocab.canonical(field, word))]


Gender = Literal[vocab.GENDERS]  # type: ignore[valid-type]
Orientation = Literal[vocab.ORIENTATIONS]  # type: ignore[valid-type]
RelationshipGoal = Literal[vocab.RELATIONSHIP_GOALS]  # type: ignore[valid-type]
AttachmentStyle = Literal[vocab.ATTACHMENT_STYLES]  # type: ignore[valid-type]
Value = Literal[vocab.VALUES]  # type: ignore[valid-type]
Lifestyle = Literal[vocab.LIFESTYLES]  # type: ignore[valid-type]
LoveLanguage = Literal[vocab.LOVE_LANGUAGES]  # type: ignore[valid-type]

GenderIn = _vocabulary("gender", vocab.GENDERS)
OrientationIn = _vocabulary("orientation", vocab.ORIENTATIONS)
RelationshipGoalIn = _vocabulary("relationship_goal", vocab.RELATIONSHIP_GOALS)
AttachmentStyleIn = _vocabulary("attachment_style", vocab.ATTACHMENT_STYLES)
ValueIn = _vocabulary("values", vocab.VALUES)
LifestyleIn = _vocabulary("preferred_lifestyle", vocab.LIFESTYLES)
LoveLanguageIn = _vocabulary("love_language", vocab.LOVE_LANGUAGES)

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


Latitude = Annotated[Decimal, Field(ge=-90, le=90, max_digits=9, decimal_places=6)]
Longitude = Annotated[Decimal, Field(ge=-180, le=180, max_digits=9, decimal_places=6)]

# former name → the field's name now (both accepted; the former names are also still answered)
PERSONAL_FORMER_NAMES = {
    "birth_city": "birth_place_city",
    "birth_country": "birth_place_country",
    "birth_lat": "birth_latitude",
    "birth_lon": "birth_longitude",
}


class PersonalProfilePatch(InputSchema):
    """Send only the fields to change; `null` clears a field. JSON, or multipart with `avatar_image`."""

    first_name: str | None = Field(None, max_length=80)
    last_name: str | None = Field(None, max_length=80)
    birth_date: dt.date | None = Field(None, description="YYYY-MM-DD.")
    birth_time: LocalTime | None = Field(None, description="Local time of birth, HH:MM (or HH:MM:SS).")
    birth_timezone: str | None = Field(None, max_length=64, description="IANA time zone, e.g. `Asia/Tbilisi`.")
    birth_place_city: str | None = Field(None, max_length=120)
    birth_place_country: str | None = Field(None, max_length=80)
    birth_latitude: Latitude | None = None
    birth_longitude: Longitude | None = None
    birth_city: str | None = Field(None, max_length=120, description="Former name of `birth_place_city`.")
    birth_country: str | None = Field(None, max_length=80, description="Former name of `birth_place_country`.")
    birth_lat: Latitude | None = Field(None, description="Former name of `birth_latitude`.")
    birth_lon: Longitude | None = Field(None, description="Former name of `birth_longitude`.")

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

    @field_validator(*PERSONAL_FORMER_NAMES, mode="after")
    @classmethod
    def _former_name_agrees(cls, value: Any, info: ValidationInfo) -> Any:
        current = PERSONAL_FORMER_NAMES[info.field_name]
        other = info.data.get(current)
        if value is not None and other is not None and value != other:
            raise ValueError(f"{info.field_name} is the former name of {current}: send one of them (or both equal).")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields sent, under their current names (a former name counts as its field)."""
        sent = self.model_dump(exclude_unset=True)
        for former, current in PERSONAL_FORMER_NAMES.items():
            if former in sent:
                value = sent.pop(former)
                if sent.get(current) is None:
                    sent[current] = value
        return sent


# Read from a `PersonalProfileView`: the API's names of the columns are resolved below; the former names
# (`birth_city` …) are the columns' own.
class PersonalProfileOut(Schema):
    first_name: str
    last_name: str
    birth_date: dt.date | None
    birth_time: dt.time | None
    birth_timezone: str
    birth_place_city: str
    birth_place_country: str
    birth_place: str = Field(description="City and country, as one line (what `birth_place` on /users/me/ shows).")
    birth_latitude: float | None
    birth_longitude: float | None
    birth_city: str = Field(description="Former name of `birth_place_city` (same value).")
    birth_country: str = Field(description="Former name of `birth_place_country` (same value).")
    birth_lat: float | None = Field(description="Former name of `birth_latitude` (same value).")
    birth_lon: float | None = Field(description="Former name of `birth_longitude` (same value).")
    avatar_image: str | None = Field(description="Absolute URL of the avatar (shared with the user's `photo`).")
    is_complete: bool = Field(
        description="Onboarding is done: first and last name, birth date and birth place (a city, or coordinates) "
        "are known. Birth time is optional."
    )

    @staticmethod
    def resolve_birth_place_city(obj: PersonalProfileView) -> str:
        return obj.birth_city

    @staticmethod
    def resolve_birth_place_country(obj: PersonalProfileView) -> str:
        return obj.birth_country

    @staticmethod
    def resolve_birth_latitude(obj: PersonalProfileView) -> Decimal | None:
        return obj.birth_lat

    @staticmethod
    def resolve_birth_longitude(obj: PersonalProfileView) -> Decimal | None:
        return obj.birth_lon

    @staticmethod
    def resolve_avatar_image(obj: PersonalProfileView, context) -> str | None:
        return schema_media_url(obj, context)


def _unique(values: list[str] | None) -> list[str] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("List items must be unique.")
    return values


class CompatibilityProfilePatch(InputSchema):
    """Send only the fields to change; `null` clears a value. The former spellings of the words (`woman`,
    `heterosexual`, `words_of_affirmation` …, see `aliases` in /profile/options/) are accepted and stored as the
    word they stand for."""

    gender: GenderIn | None = None
    orientation: OrientationIn | None = None
    relationship_goal: RelationshipGoalIn | None = None
    values: list[ValueIn] | None = Field(None, max_length=vocab.MAX_VALUES)
    preferred_lifestyle: list[LifestyleIn] | None = Field(None, max_length=vocab.MAX_LIFESTYLES)
    attachment_style: AttachmentStyleIn | None = None
    love_language: list[LoveLanguageIn] | None = Field(None, max_length=vocab.MAX_LOVE_LANGUAGES)
    language: LanguagePreference | None = Field(
        None,
        description="The language we answer you in (your account's `settings.language`): `en`, `ru` or `ka`, or a "
        "tag in one of them (`ka-GE`). The mobile app sends its interface language here.",
    )

    @field_validator("values", "preferred_lifestyle", "love_language")
    @classmethod
    def _no_duplicates(cls, value: list[str] | None) -> list[str] | None:
        return _unique(value)

    @field_validator("language", mode="before")
    @classmethod
    def _language_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("The language cannot be cleared: leave it out to keep it.")
        return value


# Read from a `CompatibilityProfileView`.
class CompatibilityProfileOut(Schema):
    gender: Gender | None
    orientation: Orientation | None
    relationship_goal: RelationshipGoal | None
    values: list[Value]
    preferred_lifestyle: list[Lifestyle]
    attachment_style: AttachmentStyle | None
    love_language: list[LoveLanguage]
    language: LanguageCode = Field(description="The language we answer you in (`settings.language` of /users/me/).")


# Read from `CompatibilityOptions`.
class CompatibilityOptionsOut(Schema):
    genders: list[str]
    orientations: list[str]
    relationship_goals: list[str]
    values: list[str]
    preferred_lifestyles: list[str]
    attachment_styles: list[str]
    love_languages: list[str]
    languages: list[str] = Field(description="The languages we answer in (the `language` field).")
    aliases: dict[str, dict[str, str]] = Field(
        description="Per field, former spellings still accepted in requests → the word each is stored and answered "
        "as (e.g. `gender`: `woman` → `female`)."
    )
    max_values: int
    max_preferred_lifestyle: int
    max_love_language: int
