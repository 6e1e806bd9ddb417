"""The published rules of the charts module: what is computed and with which constants (`GET /astro/rules/`).

Everything a chart or a numerology profile depends on besides its inputs lives here, under a version: change a
constant and bump `RULES_VERSION`, and every stored chart recomputes on its next read (the version is part of the
input hash).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RULES_VERSION = 1

SIGNS = (
    "Aries",
    "Taurus",
    "Gemini",
    "Cancer",
    "Leo",
    "Virgo",
    "Libra",
    "Scorpio",
    "Sagittarius",
    "Capricorn",
    "Aquarius",
    "Pisces",
)
ELEMENTS = ("fire", "earth", "air", "water")  # Aries fire, Taurus earth, … in this order around the zodiac

# The ten bodies, in the order the mobile app lists them (its `BASE_PLANET_ORDER`), keyed as it reads them.
PLANETS = ("sun", "moon", "mercury", "venus", "mars", "jupiter", "saturn", "uranus", "neptune", "pluto")
# The lunar nodes are points, not planets: they are listed apart so that a client counting `planets` by element
# (the app's element balance) counts bodies only.
POINTS = ("mean_node", "true_node")
ANGLES = ("asc", "mc", "dsc", "ic")

HOUSE_SYSTEMS = ("placidus", "koch", "porphyry", "equal", "whole_sign")
DEFAULT_HOUSE_SYSTEM = "placidus"
# Placidus and Koch divide the diurnal arcs of points that, inside the polar circles, never rise or never set:
# there they are undefined, and Porphyry (which divides the ecliptic between the angles) is used instead.
POLAR_FALLBACK = "porphyry"
SEMI_ARC_SYSTEMS = frozenset({"placidus", "koch"})


@dataclass(frozen=True)
class AspectRule:
    name: str
    angle: float
    orb: float  # natal orb, degrees
    transit_orb: float  # orb of a transiting body to a natal point


ASPECTS = (
    AspectRule("conjunction", 0.0, 8.0, 3.0),
    AspectRule("sextile", 60.0, 5.0, 2.0),
    AspectRule("square", 90.0, 7.0, 3.0),
    AspectRule("trine", 120.0, 7.0, 3.0),
    AspectRule("opposition", 180.0, 8.0, 3.0),
)
# Natal aspects involving the Sun or the Moon get this much more orb (the luminaries' traditional "moiety").
LUMINARY_BONUS = 2.0
# Aspects to the Ascendant or the Midheaven never get more than this orb: the angles move a degree every few
# minutes, so a wide orb to them claims more precision than a birth time has.
ANGLE_MAX_ORB = 5.0
# Which points aspects are looked for between (natal charts); the nodes are shown but not aspected.
ASPECT_POINTS = (*PLANETS, "asc", "mc")
# With an unknown birth time the Moon may be anywhere within ~13° of its noon position: its aspects are left out.
UNKNOWN_TIME_EXCLUDED = frozenset({"moon"})

# Numerology (`GET /matrix/rules/`).
MASTER_NUMBERS = (11, 22, 33)
LIFE_PATH_METHOD = "sum of every digit of the birth date written YYYYMMDD, reduced digit by digit until one digit "
LIFE_PATH_METHOD += "remains or the sum is a master number (11, 22, 33)"
# The Pythagorean table: A=1 … I=9, J=1 … R=9, S=1 … Z=8.
PYTHAGOREAN = {letter: (index % 9) + 1 for index, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
VOWELS = frozenset("AEIOU")  # Y counts as a consonant (one fixed rule rather than a guess about pronunciation)
NUMBER_NAMES = {
    1: "Initiator",
    2: "Diplomat",
    3: "Creator",
    4: "Builder",
    5: "Explorer",
    6: "Nurturer",
    7: "Seeker",
    8: "Leader",
    9: "Humanitarian",
    11: "Visionary",
    22: "Architect",
    33: "Guide",
}


def normalize(longitude: float) -> float:
    """A longitude in [0, 360): also for values a hair below 360 that would round to it."""
    value = math.fmod(longitude, 360.0)
    if value < 0:
        value += 360.0
    return 0.0 if value >= 360.0 else value


def sign_index(longitude: float) -> int:
    """0 for Aries … 11 for Pisces: 29.9999° is Aries, 30.0° is Taurus."""
    return min(int(normalize(longitude) // 30.0), 11)


def sign_of(longitude: float) -> str:
    return SIGNS[sign_index(longitude)]


def degree_in_sign(longitude: float) -> float:
    return normalize(longitude) - 30.0 * sign_index(longitude)


def element_of(sign: str) -> str:
    return ELEMENTS[SIGNS.index(sign) % 4]


def separation(a: float, b: float) -> float:
    """Signed shortest arc from b to a, in (-180, 180]."""
    delta = normalize(a - b)
    return delta - 360.0 if delta > 180.0 else delta


def natal_orb(aspect: AspectRule, first: str, second: str) -> float:
    orb = aspect.orb
    if {first, second} & {"sun", "moon"}:
        orb += LUMINARY_BONUS
    if {first, second} & {"asc", "mc"}:
        orb = min(orb, ANGLE_MAX_ORB)
    return orb
