"""The audit log (admins only): who did what and when, newest first, a page at a time.
Read-only: nothing on this page changes the log."""

from __future__ import annotations

from flask import render_template, request

from bot.audit_log import event_page
from webhooks.admin import blueprint, in_nav
from webhooks.admin.auth import admin_only
from webhooks.context import unit_of_work

in_nav(70, "admin.audit_log", "Audit log", admins_only=True)


@blueprint.get("/audit")
@admin_only
def audit_log():
    page = request.args.get("page", "1")
    # ASCII digits, and not too many: "²" is a digit to isdigit(), and int() refuses 5,000.
    number = int(page) if page.isascii() and page.isdecimal() and len(page) <= 9 else 1
    with unit_of_work() as db:
        found = event_page(db, number)
    return render_template("admin/audit_log.html", found=found)
