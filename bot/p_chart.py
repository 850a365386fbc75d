"""A p-chart of a proportion over time (the DNA rate per session), with special-cause rules.

Pure arithmetic, so it can be checked by hand. Each point is one sample (a session): `events`
(people who did not attend) out of `size` (people booked). Following the NHS "Making Data
Count" approach:

- the centre line is the pooled proportion, sum(events) / sum(size);
- the limits are centre ± 3 sigma for each point's own size, sigma = sqrt(p(1 - p) / n), cut to
  0 and 1, so a small session has wide limits and a big one narrow limits;
- special cause is flagged for a point outside its limits, for a run of 7 or more points in a
  row on one side of the centre line, and for a trend of 6 or more points in a row each higher
  (or each lower) than the one before.

Choices where the guidance leaves room, made so as not to cry wolf: a point exactly on the
centre line ends a run, and two equal points in a row end a trend. A sample of size 0 is left
out of the chart entirely: it has no rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

RUN = 7
TREND = 6
SIGMAS = 3


@dataclass(frozen=True)
class Sample:
    label: str
    events: int
    size: int


@dataclass(frozen=True)
class Point:
    label: str
    events: int
    size: int
    proportion: float
    lower: float
    upper: float
    # Why this point is special cause: "outside", "run", "trend"; empty if common cause.
    signals: tuple[str, ...] = ()


@dataclass(frozen=True)
class PChart:
    centre: float
    points: tuple[Point, ...]


def p_chart(samples: Sequence[Sample]) -> PChart:
    usable = [s for s in samples if s.size > 0]
    for sample in usable:
        if not 0 <= sample.events <= sample.size:
            raise ValueError(f"{sample.label}: events must be between 0 and the sample size")
    if not usable:
        return PChart(centre=0.0, points=())
    centre = sum(s.events for s in usable) / sum(s.size for s in usable)
    proportions = [s.events / s.size for s in usable]
    signals: list[set[str]] = [set() for _ in usable]
    limits = [_limits(centre, s.size) for s in usable]
    for index, (p, (lower, upper)) in enumerate(zip(proportions, limits, strict=True)):
        if p < lower or p > upper:
            signals[index].add("outside")
    for start, end in _runs(proportions, centre):
        for index in range(start, end):
            signals[index].add("run")
    for start, end in _trends(proportions):
        for index in range(start, end):
            signals[index].add("trend")
    points = tuple(
        Point(s.label, s.events, s.size, p, lower, upper, tuple(sorted(flags)))
        for s, p, (lower, upper), flags in zip(usable, proportions, limits, signals, strict=True)
    )
    return PChart(centre=centre, points=points)


def _limits(centre: float, size: int) -> tuple[float, float]:
    sigma = math.sqrt(centre * (1 - centre) / size)
    return max(0.0, centre - SIGMAS * sigma), min(1.0, centre + SIGMAS * sigma)


def _runs(values: list[float], centre: float) -> list[tuple[int, int]]:
    """[start, end) spans of RUN or more points in a row strictly on one side of the centre."""
    sides = [(v > centre) - (v < centre) for v in values]
    return _spans(sides, RUN, lambda previous, side: side != 0 and side == previous)


def _trends(values: list[float]) -> list[tuple[int, int]]:
    """[start, end) spans of TREND or more points, each higher (or each lower) than the last."""
    spans = []
    step_start = 1  # steps are numbered by the point they arrive at
    for index in range(1, len(values) + 1):
        here = _direction(values, index)
        if index < len(values) and here != 0 and here == _direction(values, step_start):
            continue
        # Steps step_start..index-1 share a direction; with the point before, that many points.
        if _direction(values, step_start) != 0 and index - step_start + 1 >= TREND:
            spans.append((step_start - 1, index))
        step_start = index
    return spans


def _direction(values: list[float], index: int) -> int:
    """+1 if point `index` is higher than the one before, -1 if lower, 0 if equal or none."""
    if index < 1 or index >= len(values):
        return 0
    return (values[index] > values[index - 1]) - (values[index] < values[index - 1])


def _spans(keys: list[int], length: int, continues) -> list[tuple[int, int]]:
    spans, start = [], 0
    for index in range(1, len(keys) + 1):
        if index < len(keys) and continues(keys[index - 1], keys[index]):
            continue
        if keys[start] != 0 and index - start >= length:
            spans.append((start, index))
        start = index
    return spans
