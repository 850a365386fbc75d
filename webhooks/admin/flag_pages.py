"""One flag: what raised it, what happened since, and closing it with a note of what was done.

Thin views over bot/flag_pages.py. Opening a flag shows the participant's words, so it is
audited like a conversation; closing one is audited by bot.flag_pages."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot.audit import record
from bot.flag_pages import MOST_NOTE, FlagError, load, resolve
from webhooks.admin import blueprint
from webhooks.admin.participants import NAMES
from webhooks.context import unit_of_work


@blueprint.get("/flags/<int:flag_id>")
def flag(flag_id: int):
    return _page(flag_id)


@blueprint.post("/flags/<int:flag_id>/resolve")
def flag_resolve(flag_id: int):
    note = request.form.get("note", "")
    try:
        with unit_of_work() as db:
            resolve(
                db,
                flag_id,
                note,
                staff_user_id=g.staff.id,
                resume_surveys=request.form.get("resume_surveys") == "yes",
            )
    except FlagError as exc:
        return _page(flag_id, error=str(exc), note=note, status=400)
    flash(f"Flag {flag_id} is closed, with your note of what you did.")
    return redirect(url_for("admin.dashboard"), 303)


def _page(flag_id: int, *, error: str | None = None, note: str = "", status: int = 200):
    with unit_of_work() as db:
        page = load(db, flag_id)
        if page is None:
            abort(404, "there is no such flag")
        shown = [m.id for m in ([page.message] if page.message else []) + page.later]
        record(
            db,
            "flag.view",
            staff_user_id=g.staff.id,
            target=page.flag,
            detail={"messages": shown},
        )
        html = render_template(
            "admin/flag.html",
            page=page,
            error=error,
            note=note,
            most_note=MOST_NOTE,
            **NAMES,
        )
    response = (html, status, {"Cache-Control": "no-store"})
    return response
