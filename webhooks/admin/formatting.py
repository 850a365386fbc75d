"""Template filters: times in the service's own time zone, the way staff read them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.reminders.wording import clock, day
from webhooks.admin import blueprint
from webhooks.context import settings


def _zone() -> ZoneInfo:
    return ZoneInfo(settings().app.timezone)


@blueprint.app_template_filter("when")
def when(moment: datetime | None) -> str:
    """ "Mon 23 November, 2:30pm" in local time; never UTC."""
    if moment is None:
        return ""
    return f"{day(moment, _zone())}, {clock(moment, _zone())}"


@blueprint.app_template_filter("clock")
def clock_filter(moment: datetime) -> str:
    return clock(moment, _zone())


@blueprint.app_template_filter("iso")
def iso(moment: datetime) -> str:
    return moment.astimezone(_zone()).isoformat(timespec="minutes")
