"""When a non-urgent message may go: inside the participant's window, in local wall-clock time.

Held, not dropped: outside the window a message waits for the window's next opening. The
opening is computed on the local calendar, so "09:00" stays 09:00 in London across the clock
changes, rather than drifting an hour as a fixed UTC offset would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.time_windows import TimeWindow


def window_for(own: str | None, default: TimeWindow) -> TimeWindow:
    """The participant's own window if they set a valid one, else the service's."""
    if own:
        try:
            return TimeWindow.parse(own)
        except ValueError:
            pass  # a bad stored value must not stop their messages; the default is safe
    return default


def next_opening(now: datetime, window: TimeWindow, zone: ZoneInfo) -> datetime | None:
    """None if `now` is inside the window, else the UTC moment the window next opens."""
    local = now.astimezone(zone)
    if window.contains(local.time()) or window.start is None:
        return None
    day = local.date()
    for _ in range(3):
        # A wall time in the spring-forward gap resolves to just after the change: still
        # the first moment the window is open that day.
        opening = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
        if opening > now:
            return opening
        day += timedelta(days=1)
    raise AssertionError("a daily window opens within two days")  # pragma: no cover
