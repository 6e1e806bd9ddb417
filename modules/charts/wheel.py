"""The chart wheel as SVG: the zodiac ring, the houses, the planets and the aspect lines.

Drawn the way astrologers read a chart: the Ascendant on the left, the zodiac running counter-clockwise, the MC
near the top. Without a birth time there are no houses; 0° Aries is then on the left. A planet too close to
another is moved sideways along its ring (a thin line still points at its true longitude). The output depends
only on the chart, so it is cached with it (by input hash). Sized by its viewBox: it scales to any screen.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

from modules.charts.contracts import NatalChart
from modules.charts.rules import ELEMENTS, PLANETS, SIGNS

SIZE = 600
CENTRE = SIZE / 2
R_OUTER, R_SIGNS, R_PLANETS, R_HOUSES, R_ASPECTS = 272.0, 230.0, 198.0, 140.0, 120.0
R_LABELS = 287.0  # ASC and MC, outside the zodiac
MIN_GAP = 7.5  # degrees between two planet glyphs on the ring

# Text presentation selector (U+FE0E) after each symbol, so phones draw the symbol and not a coloured emoji.
SIGN_GLYPHS = [chr(0x2648 + n) + "\ufe0e" for n in range(12)]  # ♈ … ♓
BODY_GLYPHS = {
    "sun": "☉",
    "moon": "☽",
    "mercury": "☿",
    "venus": "♀",
    "mars": "♂",
    "jupiter": "♃",
    "saturn": "♄",
    "uranus": "♅",
    "neptune": "♆",
    "pluto": "♇",
    "true_node": "☊",
}
ELEMENT_FILL = {"fire": "#fde2d2", "earth": "#e6efd9", "air": "#fff6cc", "water": "#d8e8f6"}
ASPECT_STROKE = {
    "sextile": ("#2b7bb9", ""),
    "square": ("#c0392b", ""),
    "trine": ("#2b7bb9", ""),
    "opposition": ("#c0392b", "6 4"),
}
FONT = "DejaVu Sans, Noto Sans Symbols, Noto Sans Symbols 2, Segoe UI Symbol, Apple Symbols, sans-serif"
INK = "#1f2933"


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Wheel:
    def __init__(self, left: float) -> None:
        self.left = left  # the longitude drawn at 9 o'clock
        self.parts: list[str] = []

    def xy(self, longitude: float, radius: float) -> tuple[float, float]:
        theta = math.radians(180.0 + longitude - self.left)
        return CENTRE + radius * math.cos(theta), CENTRE - radius * math.sin(theta)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def line(
        self, lon_a: float, r_a: float, lon_b: float, r_b: float, stroke: str, width: float, dash: str = ""
    ) -> None:
        (x1, y1), (x2, y2) = self.xy(lon_a, r_a), self.xy(lon_b, r_b)
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{_fmt(x1)}" y1="{_fmt(y1)}" x2="{_fmt(x2)}" y2="{_fmt(y2)}" stroke="{stroke}" '
            f'stroke-width="{_fmt(width)}"{dashes}/>'
        )

    def text(
        self, longitude: float, radius: float, content: str, size: float, fill: str = INK, weight: str = ""
    ) -> None:
        x, y = self.xy(longitude, radius)
        bold = f' font-weight="{weight}"' if weight else ""
        self.add(
            f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="{_fmt(size)}" fill="{fill}"{bold} text-anchor="middle" '
            f'dominant-baseline="central">{escape(content)}</text>'
        )

    def sector(self, start: float, end: float, r_in: float, r_out: float, fill: str) -> None:
        (ax, ay), (bx, by) = self.xy(start, r_out), self.xy(end, r_out)
        (cx, cy), (dx, dy) = self.xy(end, r_in), self.xy(start, r_in)
        # Longitude grows counter-clockwise on screen, which is SVG's sweep-flag 0.
        self.add(
            f'<path d="M{_fmt(ax)} {_fmt(ay)} A{_fmt(r_out)} {_fmt(r_out)} 0 0 0 {_fmt(bx)} {_fmt(by)} '
            f'L{_fmt(cx)} {_fmt(cy)} A{_fmt(r_in)} {_fmt(r_in)} 0 0 1 {_fmt(dx)} {_fmt(dy)} Z" fill="{fill}" '
            f'stroke="{INK}" stroke-width="0.6"/>'
        )


def _spread(longitudes: dict[str, float]) -> dict[str, float]:
    """Display longitudes at least MIN_GAP apart, each as close to its true place as the others allow: clusters
    are centred on their mean and fanned out, and grown until no two clusters touch."""
    clusters = [[name] for name in sorted(longitudes, key=lambda n: longitudes[n])]
    shown: dict[str, float] = {}
    for _ in range(len(clusters)):
        shown = {}
        for cluster in clusters:
            centre = sum(longitudes[n] for n in cluster) / len(cluster)
            first = centre - MIN_GAP * (len(cluster) - 1) / 2
            for index, name in enumerate(cluster):
                shown[name] = first + MIN_GAP * index
        merged = False
        for i in range(len(clusters) - 1):
            last, nxt = clusters[i][-1], clusters[i + 1][0]
            if shown[nxt] - shown[last] < MIN_GAP - 1e-9:
                clusters[i : i + 2] = [clusters[i] + clusters[i + 1]]
                merged = True
                break
        if not merged:
            break
    return shown


def render(chart: NatalChart) -> str:
    left = chart.angles["asc"].lon if chart.angles else 0.0
    wheel = _Wheel(left)
    wheel.add(f'<circle cx="{_fmt(CENTRE)}" cy="{_fmt(CENTRE)}" r="{_fmt(R_OUTER)}" fill="#ffffff" stroke="{INK}"/>')
    for index in range(len(SIGNS)):
        start = 30.0 * index
        wheel.sector(start, start + 30.0, R_SIGNS, R_OUTER, ELEMENT_FILL[ELEMENTS[index % 4]])
        wheel.text(start + 15.0, (R_SIGNS + R_OUTER) / 2, SIGN_GLYPHS[index], 26)
    for degree in range(0, 360, 5):
        length = 8.0 if degree % 10 == 0 else 4.0
        wheel.line(degree, R_SIGNS, degree, R_SIGNS - length, INK, 0.5)
    wheel.add(
        f'<circle cx="{_fmt(CENTRE)}" cy="{_fmt(CENTRE)}" r="{_fmt(R_HOUSES)}" fill="none" stroke="{INK}" '
        'stroke-width="0.8"/>'
    )
    if chart.houses:
        cusps = [chart.houses[str(n)].cusp_lon for n in range(1, 13)]
        for n, cusp in enumerate(cusps, start=1):
            angle = n in (1, 4, 7, 10)
            wheel.line(cusp, R_SIGNS, cusp, R_ASPECTS, INK, 2.2 if angle else 0.8)
            following = cusps[n % 12]
            middle = cusp + ((following - cusp) % 360.0) / 2
            wheel.text(middle, (R_HOUSES + R_ASPECTS) / 2, str(n), 12, fill="#52606d")
        assert chart.angles is not None
        for name, label in (("asc", "ASC"), ("mc", "MC"), ("dsc", "DSC"), ("ic", "IC")):
            wheel.line(chart.angles[name].lon, R_OUTER, chart.angles[name].lon, R_LABELS - 8, INK, 2.2)
            wheel.text(chart.angles[name].lon, R_LABELS, label, 11, weight="bold")
    wheel.add(
        f'<circle cx="{_fmt(CENTRE)}" cy="{_fmt(CENTRE)}" r="{_fmt(R_ASPECTS)}" fill="#fbfbfd" '
        f'stroke="{INK}" stroke-width="0.8"/>'
    )
    positions = {name: placement.lon for name, placement in chart.planets.items() if name in PLANETS}
    positions["true_node"] = chart.points["true_node"].lon
    for aspect in chart.aspects:
        if aspect.aspect in ASPECT_STROKE and aspect.p1 in positions and aspect.p2 in positions:
            colour, dash = ASPECT_STROKE[aspect.aspect]
            width = 1.6 if aspect.orb < 2 else 0.9
            wheel.line(positions[aspect.p1], R_ASPECTS, positions[aspect.p2], R_ASPECTS, colour, width, dash)
    shown = _spread(positions)
    for name, lon in positions.items():
        wheel.line(lon, R_SIGNS, lon, R_SIGNS - 10, INK, 1.2)
        wheel.line(lon, R_SIGNS - 10, shown[name], R_PLANETS + 12, "#9aa5b1", 0.6)
        wheel.text(shown[name], R_PLANETS, BODY_GLYPHS[name] + "\ufe0e", 22)
        placement = chart.planets.get(name) or chart.points.get(name)
        if placement is not None:
            degrees = int(placement.deg_in_sign)
            label = f"{degrees}°" + (" ℞" if placement.retrograde else "")
            wheel.text(shown[name], R_PLANETS - 22, label, 10, fill="#52606d")
    if chart.house_system_used:
        caption = chart.house_system_used.replace("_", " ").title()
        wheel.add(
            f'<text x="{SIZE - 8}" y="{SIZE - 8}" font-size="11" fill="#52606d" text-anchor="end">'
            f"{escape(caption)}</text>"
        )
    body = "\n".join(wheel.parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
        f'font-family="{FONT}" role="img" aria-label="Natal chart wheel">\n{body}\n</svg>\n'
    )
