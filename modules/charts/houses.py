"""Angles and house cusps from sidereal time, latitude and obliquity: plain spherical astronomy, no ephemeris.

Inputs: RAMC (the right ascension of the meridian = apparent sidereal time at Greenwich + east longitude), the
geographic latitude φ and the true obliquity ε, all in degrees. Formulas (Meeus, *Astronomical Algorithms*, ch. 13
and 14; the house systems as defined by their authors and implemented in every astrology program):

* MC: the ecliptic point on the meridian, λ = atan2(sin RAMC, cos RAMC · cos ε).
* ASC: the ecliptic point rising in the east, λ = atan2(cos RAMC, −(sin RAMC · cos ε + tan φ · sin ε)).
* Placidus: cusps 11 and 12 are the ecliptic points that have covered 1/3 and 2/3 of their diurnal semi-arc
  (DSA = 90° + AD, sin AD = tan φ · tan δ) since rising… measured from the meridian: RA = RAMC + DSA/3 and
  RA = RAMC + 2·DSA/3; cusps 2 and 3 likewise on the nocturnal semi-arc (RA = RAMC + 60° + 2·DSA/3 and
  RAMC + 120° + DSA/3). δ depends on the cusp itself, so each cusp is found by fixed-point iteration.
* Koch (birthplace houses): the MC's ascensional difference at the birthplace divided in three, each cusp the
  ascendant of a shifted RAMC.
* Porphyry: each quadrant between the angles divided into three equal arcs of ecliptic longitude.
* Equal: 30° from the Ascendant. Whole Sign: house 1 is the Ascendant's whole sign.

Placidus and Koch need every ecliptic point to rise and set; inside the polar circles (|φ| ≥ 90° − ε) some never
do, the systems are undefined there, and Porphyry is used instead (`system_used`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modules.charts.rules import POLAR_FALLBACK, SEMI_ARC_SYSTEMS, normalize

_RAD = math.pi / 180.0
_SECANT_STEPS = 50
_FIXED_POINT_STEPS = 5000
_TOLERANCE = 1e-9  # degrees of right ascension: far below what any birth time can resolve


@dataclass(frozen=True)
class Houses:
    cusps: tuple[float, ...]  # 12 longitudes, house 1 first
    asc: float
    mc: float
    system: str  # requested
    system_used: str

    @property
    def dsc(self) -> float:
        return normalize(self.asc + 180.0)

    @property
    def ic(self) -> float:
        return normalize(self.mc + 180.0)


def midheaven(ramc: float, obliquity: float) -> float:
    r = ramc * _RAD
    return normalize(math.degrees(math.atan2(math.sin(r), math.cos(r) * math.cos(obliquity * _RAD))))


def ascendant(ramc: float, latitude: float, obliquity: float) -> float:
    r, e, f = ramc * _RAD, obliquity * _RAD, latitude * _RAD
    return normalize(math.degrees(math.atan2(math.cos(r), -(math.sin(r) * math.cos(e) + math.tan(f) * math.sin(e)))))


def _longitude_of_right_ascension(ra: float, obliquity: float) -> float:
    """The ecliptic longitude of the ecliptic point with this right ascension."""
    r = ra * _RAD
    return normalize(math.degrees(math.atan2(math.sin(r), math.cos(r) * math.cos(obliquity * _RAD))))


def is_polar(latitude: float, obliquity: float) -> bool:
    return abs(latitude) >= 90.0 - obliquity


def _placidus_cusp(ramc: float, latitude: float, obliquity: float, offset: float, fraction: float) -> float | None:
    """RA = RAMC + offset + fraction · DSA(δ of the cusp), solved for RA; None when the point is circumpolar.

    The plain fixed-point iteration converges ever more slowly towards the polar circle (hundreds of steps at
    66°), so the root of g(RA) = F(RA) − RA is found with the secant method (under ten steps everywhere), and the
    fixed point is the fallback should the secant method ever stall.
    """
    tan_phi = math.tan(latitude * _RAD)
    sin_eps = math.sin(obliquity * _RAD)

    def target(ra: float) -> float | None:
        longitude = _longitude_of_right_ascension(ra, obliquity)
        x = tan_phi * math.tan(math.asin(sin_eps * math.sin(longitude * _RAD)))
        if abs(x) > 1.0:
            return None  # the point is circumpolar: no semi-arc to divide
        return ramc + offset + fraction * (90.0 + math.degrees(math.asin(x)))

    x0 = ramc + offset + fraction * 90.0
    f0 = target(x0)
    if f0 is None:
        return None
    x1, g0 = f0, f0 - x0
    for _ in range(_SECANT_STEPS):
        f1 = target(x1)
        if f1 is None:
            break
        g1 = f1 - x1
        if abs(g1) < _TOLERANCE:
            return _longitude_of_right_ascension(f1, obliquity)
        if g1 == g0:
            break
        x0, x1, g0 = x1, x1 - g1 * (x1 - x0) / (g1 - g0), g1
    ra = ramc + offset + fraction * 90.0
    for _ in range(_FIXED_POINT_STEPS):
        new = target(ra)
        if new is None:
            return None
        if abs(new - ra) < _TOLERANCE:
            return _longitude_of_right_ascension(new, obliquity)
        ra = new
    return None


def _placidus(ramc: float, latitude: float, obliquity: float) -> dict[int, float] | None:
    cusps = {}
    for house, offset, fraction in ((11, 0.0, 1 / 3), (12, 0.0, 2 / 3), (2, 60.0, 2 / 3), (3, 120.0, 1 / 3)):
        cusp = _placidus_cusp(ramc, latitude, obliquity, offset, fraction)
        if cusp is None:
            return None
        cusps[house] = cusp
    return cusps


def _koch(ramc: float, latitude: float, obliquity: float, mc: float) -> dict[int, float]:
    # The MC's declination δ, its ascensional difference at the birthplace AD = asin(tan φ · tan δ), in thirds:
    # the intermediate cusps are the ascendants of RAMC shifted by 30° steps and the thirds.
    sin_a = max(-1.0, min(1.0, math.sin(mc * _RAD) * math.sin(obliquity * _RAD) / math.cos(latitude * _RAD)))
    cos_a = math.sqrt(1.0 - sin_a * sin_a)
    c = math.atan(math.tan(latitude * _RAD) / cos_a)
    third = math.degrees(math.asin(math.sin(c) * sin_a)) / 3.0
    return {
        11: ascendant(ramc - 60.0 - 2 * third, latitude, obliquity),
        12: ascendant(ramc - 30.0 - third, latitude, obliquity),
        2: ascendant(ramc + 30.0 + third, latitude, obliquity),
        3: ascendant(ramc + 60.0 + 2 * third, latitude, obliquity),
    }


def _arc(start: float, end: float) -> float:
    """The arc from start to end in the direction of increasing longitude, in [0, 360)."""
    return normalize(end - start)


def _porphyry(asc: float, mc: float) -> dict[int, float]:
    upper = _arc(mc, asc)  # MC → ASC: houses 10, 11, 12
    lower = _arc(asc, normalize(mc + 180.0))  # ASC → IC: houses 1, 2, 3
    return {
        11: normalize(mc + upper / 3),
        12: normalize(mc + 2 * upper / 3),
        2: normalize(asc + lower / 3),
        3: normalize(asc + 2 * lower / 3),
    }


def houses(ramc: float, latitude: float, obliquity: float, system: str) -> Houses:
    ramc = normalize(ramc)
    mc = midheaven(ramc, obliquity)
    asc = ascendant(ramc, latitude, obliquity)
    if _arc(mc, asc) > 180.0:
        # Inside the polar circles the formula's rising point can lie more than half a circle after the MC (the
        # ecliptic then rises "backwards"); like the Swiss Ephemeris, keep the Ascendant in the MC's following
        # half, so that houses 10–12 and 1–3 stay in zodiacal order.
        asc = normalize(asc + 180.0)
    used = system
    if system in SEMI_ARC_SYSTEMS and is_polar(latitude, obliquity):
        used = POLAR_FALLBACK
    if used == "equal":
        cusps = [normalize(asc + 30.0 * n) for n in range(12)]
        return Houses(tuple(cusps), asc, mc, system, used)
    if used == "whole_sign":
        first = 30.0 * math.floor(asc / 30.0)
        cusps = [normalize(first + 30.0 * n) for n in range(12)]
        return Houses(tuple(cusps), asc, mc, system, used)
    middle: dict[int, float] | None
    if used == "placidus":
        middle = _placidus(ramc, latitude, obliquity)
        if middle is None:  # a cusp at the very edge of the polar circle: the same fallback as inside it
            used = POLAR_FALLBACK
            middle = _porphyry(asc, mc)
    elif used == "koch":
        middle = _koch(ramc, latitude, obliquity, mc)
    elif used == "porphyry":
        middle = _porphyry(asc, mc)
    else:
        raise ValueError(f"unknown house system {system!r}")
    cusp = {1: asc, 10: mc, **middle}
    for house in (1, 2, 3, 10, 11, 12):
        cusp[(house + 5) % 12 + 1] = normalize(cusp[house] + 180.0)
    return Houses(tuple(cusp[n] for n in range(1, 13)), asc, mc, system, used)


def house_of(longitude: float, cusps: tuple[float, ...]) -> int:
    """The house (1–12) a longitude falls in: the cusp it follows, counting along the zodiac."""
    longitude = normalize(longitude)
    for index in range(12):
        start, end = cusps[index], cusps[(index + 1) % 12]
        if _arc(start, longitude) < _arc(start, end) or (_arc(start, end) == 0.0 and longitude == start):
            return index + 1
    return 12  # unreachable for twelve ordered cusps; kept total for degenerate input
