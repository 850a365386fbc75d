"""The dashboard: what needs staff attention, most urgent first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import render_template

from bot.dashboard import dashboard as gather
from bot.models import utcnow
from webhooks.admin import blueprint
from webhooks.context import settings, unit_of_work


@blueprint.get("/")
def dashboard():
    zone = ZoneInfo(settings().app.timezone)
    with unit_of_work() as db:
        found = gather(db, zone, utcnow())
    return render_template("admin/dashboard.html", board=found, zone=zone)
