"""Where everything goes on the p-chart drawn on the Measures page: pure geometry, no markup.

The template (admin/_p_chart.html) draws the SVG from this layout, so every label is escaped
by Jinja. The chart follows the NHS "Making Data Count" look: the rate per session joined by a
thin line, a solid centre line, dashed control limits stepping with each session's size, and
special-cause points drawn in a different shape as well as a different colour:

- common cause: a grey circle;
- special cause above the centre line (more people missing): an orange triangle pointing up;
- special cause at or below the centre line (fewer missing): a blue triangle pointing down."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.p_chart import PChart, Point

WIDTH = 760
HEIGHT = 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48
X_LABELS = 8  # at most this many dates along the bottom
MARKER = 6  # half the size of a point's marker
STEPS = (0.05, 0.1, 0.2, 0.25)  # the y axis ticks, as proportions
MAX_TICKS = 6

COMMON = "common"
HIGH = "special-high"
LOW = "special-low"
SIGNAL_WORDS = {
    "outside": "outside the limits",
    "run": "a run of 7 on one side",
    "trend": "a trend of 6",
}


@dataclass(frozen=True)
class PlacedPoint:
    """A chart point (its numbers are `point`'s) and where and how it is drawn."""

    point: Point
    x: float
    y: float
    kind: str  # COMMON, HIGH or LOW

    @property
    def triangle(self) -> str:
        """The marker's corners, for the special-cause shapes."""
        s = MARKER + 1
        if self.kind == HIGH:
            corners = [(self.x, self.y - s), (self.x + s, self.y + s), (self.x - s, self.y + s)]
        else:
            corners = [(self.x, self.y + s), (self.x + s, self.y - s), (self.x - s, self.y - s)]
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)

    @property
    def why(self) -> str:
        return ", ".join(SIGNAL_WORDS.get(signal, signal) for signal in self.point.signals)


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class ChartLayout:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    centre: float
    centre_y: float
    points: list[PlacedPoint]
    upper_line: str  # SVG polyline points
    lower_line: str
    data_line: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    special: int

    @property
    def empty(self) -> bool:
        return not self.points


def layout(chart: PChart, width: int = WIDTH, height: int = HEIGHT) -> ChartLayout:
    left, right, top, bottom = LEFT, width - RIGHT, TOP, height - BOTTOM
    points = chart.points
    highest = max([chart.centre, *(p.upper for p in points), *(p.proportion for p in points)])
    step_size, y_max = _scale(highest)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / y_max

    count = len(points)
    step = (right - left) / count if count else 0.0

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    placed = []
    for index, point in enumerate(points):
        side = HIGH if point.proportion > chart.centre else LOW
        kind = side if point.signals else COMMON
        placed.append(PlacedPoint(point, x=x_of(index), y=y_of(point.proportion), kind=kind))

    def stepped(values: list[float]) -> str:
        # Each session's own limits span its slot: the line steps as the sizes change.
        corners = []
        for index, value in enumerate(values):
            y = y_of(value)
            corners += [(x_of(index) - step / 2, y), (x_of(index) + step / 2, y)]
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in corners)

    every = max(1, math.ceil(count / X_LABELS))
    return ChartLayout(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        centre=chart.centre,
        centre_y=y_of(chart.centre),
        points=placed,
        upper_line=stepped([p.upper for p in points]),
        lower_line=stepped([p.lower for p in points]),
        data_line=" ".join(f"{p.x:.1f},{p.y:.1f}" for p in placed),
        y_ticks=[
            Tick(y_of(step_size * n), f"{step_size * n:.0%}")
            for n in range(round(y_max / step_size) + 1)
        ],
        x_ticks=[
            Tick(x_of(index), _day_of(points[index].label)) for index in range(0, count, every)
        ],
        special=sum(1 for p in placed if p.kind != COMMON),
    )


def _scale(highest: float) -> tuple[float, float]:
    """A round step for the ticks (5%, 10%, 20% or 25%) and the top of the scale: the first
    whole step above the highest value, so the top point never touches the edge."""
    for step_size in STEPS:
        y_max = (math.floor(highest / step_size + 1e-9) + 1) * step_size
        if y_max / step_size <= MAX_TICKS:
            return step_size, min(1.0, y_max)
    return 0.25, 1.0


def _day_of(label: str) -> str:
    """ "ART1 2026-11-24 14:30" -> "24/11"; anything else is shown as it is."""
    parts = label.split(" ")
    if len(parts) >= 3 and len(parts[-2]) == 10:
        _, month, day = parts[-2].split("-")
        return f"{day}/{month}"
    return label
