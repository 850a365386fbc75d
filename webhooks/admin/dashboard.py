"""The dashboard: what needs staff attention, most urgent first."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import g, render_template

from bot import staff_alerts
from bot.audit import record
from bot.dashboard import dashboard as gather
from bot.models import utcnow
from webhooks.admin import blueprint
from webhooks.context import settings, unit_of_work


@blueprint.get("/")
def dashboard():
    zone = ZoneInfo(settings().app.timezone)
    with unit_of_work() as db:
        found = gather(db, zone, utcnow())
        if found.unread:
            # Unread replies are shown word for word: which ones, and to whom, is recorded.
            record(
                db,
                "replies.view",
                staff_user_id=g.staff.id,
                detail={"messages": [reply.message_id for reply in found.unread]},
            )
    return render_template(
        "admin/dashboard.html",
        board=found,
        zone=zone,
        # With no alert route, an urgent flag is seen only when someone opens this page.
        alerts_set_up=bool(staff_alerts.ways(settings())),
    )
