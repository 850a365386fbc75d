"""Turning a timetable's local date and clock time into an aware UTC moment, refusing to guess.

Twice a year a local clock time is not one moment: in spring an hour is skipped (01:30 on the
last Sunday of March does not happen in London) and in autumn an hour is repeated (01:30 on
the last Sunday of October happens twice). A reminder sent for a guessed hour is an hour out,
so such times are refused and the person fixing the timetable is told which case it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


class LocalTimeError(ValueError):
    """A local time that is not exactly one moment. The message says which problem it is."""


def local_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=zone, fold=0)
    second = wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # zoneinfo gives the two candidate offsets around a change; a time in the gap does not
        # survive a round trip through UTC, a time in the repeated hour does.
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        when = f"{clock:%H:%M} on {day.isoformat()}"
        if round_trip != wall:
            raise LocalTimeError(f"{when} does not exist in {zone.key}: the clocks go forward then")
        raise LocalTimeError(
            f"{when} happens twice in {zone.key}: the clocks go back then, so it is ambiguous"
        )
    return first.astimezone(UTC)
