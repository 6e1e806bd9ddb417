"""Typed data of the profiles module: the contracts other modules read, and the views its endpoints show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class PersonalProfileData:
    user_id: int
    first_name: str
    last_name: str
    birth_date: dt.date | None
    birth_time: dt.time | None
    birth_timezone: str
    birth_country: str
    birth_city: str
    birth_lat: Decimal | None
    birth_lon: Decimal | None

    @property
    def birth_place(self) -> str:
        return ", ".join(part for part in (self.birth_city, self.birth_country) if part)

    @property
    def is_complete(self) -> bool:
        """Onboarding is done when we know who the person is and when and where they were born.

        What the mobile app's onboarding sends (names, birth date and time, country and city) makes it true; birth
        time is optional (many people do not know it), and a city without a country, or coordinates alone, are
        enough of a place.
        """
        return bool(
            self.first_name and self.last_name and self.birth_date and (self.birth_city or self.birth_lat is not None)
        )


@dataclass(frozen=True)
class CompatibilityProfileData:
    user_id: int
    gender: str | None
    orientation: str | None
    relationship_goal: str | None
    values: tuple[str, ...]
    preferred_lifestyle: tuple[str, ...]
    attachment_style: str | None
    love_language: tuple[str, ...]


@dataclass(frozen=True)
class PersonalProfileView(PersonalProfileData):
    """The personal map as its owner sees it (/me/profile/): the profile and the account's avatar."""

    photo_path: str


@dataclass(frozen=True)
class CompatibilityProfileView(CompatibilityProfileData):
    """The compatibility profile as its owner sees it (/profile/me/), with the language we answer them in."""

    language: str


@dataclass(frozen=True)
class CompatibilityOptions:
    """The known values of every compatibility field (/profile/options/); see vocabulary.py."""

    genders: tuple[str, ...]
    orientations: tuple[str, ...]
    relationship_goals: tuple[str, ...]
    values: tuple[str, ...]
    preferred_lifestyles: tuple[str, ...]
    attachment_styles: tuple[str, ...]
    love_languages: tuple[str, ...]
    languages: tuple[str, ...]
    aliases: dict[str, dict[str, str]]
    max_values: int
    max_preferred_lifestyle: int
    max_love_language: int
