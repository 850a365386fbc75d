"""Local-time windows such as a send window ("09:00-20:00") or a participant's quiet hours."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock_or_off(text: str) -> time | None:
    """A local clock time written "10:00", or None for "off"."""
    if text.strip().lower() == "off":
        return None
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f'"{text}" is not a time like "10:00" (or "off")')
    try:
        return time(int(match.group(1)), int(match.group(2)))
    except ValueError:
        raise ValueError(f'"{text}" is a time that does not exist on a clock') from None


@dataclass(frozen=True)
class TimeWindow:
    """A daily window in local wall-clock time. `None` bounds mean "always open".

    A window whose end is before its start wraps past midnight ("20:00-08:00").
    """

    start: time | None
    end: time | None

    @classmethod
    def parse(cls, text: str) -> TimeWindow:
        if text.strip().lower() == "always":
            return cls(None, None)
        match = _WINDOW.match(text)
        if not match:
            raise ValueError(f'"{text}" is not a window like "09:00-20:00"')
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError:
            raise ValueError(f'"{text}" has a time that does not exist on a clock') from None
        if start == end:
            raise ValueError(f'"{text}" starts and ends at the same time')
        return cls(start, end)

    @property
    def always(self) -> bool:
        return self.start is None

    def contains(self, moment: time) -> bool:
        if self.start is None or self.end is None:
            return True
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        if self.start is None or self.end is None:
            return "always"
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
