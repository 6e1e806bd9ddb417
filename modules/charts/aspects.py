"""Aspects: the major five (rules.ASPECTS) between pairs of points, with the published orbs, applying or separating.

For two points at longitudes λ1, λ2 moving at λ1', λ2' (degrees per day), the separation is s = |λ1 − λ2| folded
into [0°, 180°]; an aspect of angle A holds when |s − A| ≤ orb. It is *applying* when |s − A| is shrinking (the
points are moving towards exactness), *separating* when it grows: d|s − A|/dt = sign(s − A) · sign(λ1 − λ2) ·
(λ1' − λ2'). At exactly zero orb, or when both points stand still relative to each other, it is neither (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from modules.charts.rules import ASPECTS, AspectRule, natal_orb, separation


@dataclass(frozen=True)
class Moving:
    lon: float
    speed: float  # degrees per day


@dataclass(frozen=True)
class AspectFound:
    p1: str
    p2: str
    aspect: str
    angle: float  # the aspect's exact angle (0, 60, 90, 120, 180)
    orb: float  # |separation − angle|, degrees
    applying: bool | None


def _applying(first: Moving, second: Moving, rule: AspectRule) -> bool | None:
    signed = separation(first.lon, second.lon)  # (−180, 180]
    distance = abs(signed) - rule.angle
    relative = (first.speed - second.speed) * (1.0 if signed >= 0 else -1.0)  # d|signed|/dt
    rate = relative if distance > 0 else -relative  # d|distance|/dt
    if distance == 0.0 or rate == 0.0:
        return None
    return rate < 0


def aspect_between(first: Moving, second: Moving, orb_for: Mapping[str, float]) -> tuple[AspectRule, float] | None:
    """The aspect (and its orb) the two points make, or None. With the published orbs the major aspects never
    overlap (the widest orbs are below half the 30° between neighbouring aspect angles), so there is at most one."""
    distance = abs(separation(first.lon, second.lon))
    for rule in ASPECTS:
        orb = abs(distance - rule.angle)
        if orb <= orb_for[rule.name]:
            return rule, orb
    return None


def natal_aspects(points: Mapping[str, Moving], order: Iterable[str]) -> list[AspectFound]:
    """Every aspect between the listed points (each pair once, in `order`), tightest orb first."""
    names = [name for name in order if name in points]
    found = []
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            orbs = {rule.name: natal_orb(rule, first, second) for rule in ASPECTS}
            hit = aspect_between(points[first], points[second], orbs)
            if hit:
                rule, orb = hit
                applying = _applying(points[first], points[second], rule)
                found.append(AspectFound(first, second, rule.name, rule.angle, orb, applying))
    found.sort(key=lambda aspect: (aspect.orb, aspect.p1, aspect.p2))
    return found


def transit_aspects(
    transiting: Mapping[str, Moving], natal: Mapping[str, Moving], natal_order: Iterable[str]
) -> list[AspectFound]:
    """Aspects of each transiting body to each natal point (natal points stand still: speed 0), with the transit
    orbs; p1 is the transiting body, p2 the natal point."""
    orbs = {rule.name: rule.transit_orb for rule in ASPECTS}
    fixed = {name: Moving(point.lon, 0.0) for name, point in natal.items()}
    found = []
    for body, moving in transiting.items():
        for name in natal_order:
            if name not in fixed:
                continue
            hit = aspect_between(moving, fixed[name], orbs)
            if hit:
                rule, orb = hit
                found.append(AspectFound(body, name, rule.name, rule.angle, orb, _applying(moving, fixed[name], rule)))
    found.sort(key=lambda aspect: (aspect.orb, aspect.p1, aspect.p2))
    return found
