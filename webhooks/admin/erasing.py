"""Erasing a participant from the admin page (admins only). The work, and its audit record,
are bot.erasure's; this page makes sure it is meant, by asking for the pseudonym typed out."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for

from bot.erasure import CannotErase, erase
from bot.participant_pages import find_participant
from webhooks.admin import blueprint
from webhooks.admin.auth import admin_only
from webhooks.context import unit_of_work


@blueprint.post("/participants/<pseudonym>/erase")
@admin_only
def participant_erase(pseudonym: str):
    typed = request.form.get("confirm", "").strip()
    if typed != pseudonym:
        flash(f"Nothing was erased: type {pseudonym} exactly to confirm.")
        return redirect(url_for("admin.participant", pseudonym=pseudonym, _anchor="erase"), 303)
    with unit_of_work() as db:
        person = find_participant(db, pseudonym)
        if person is None:
            abort(404, "no participant has this pseudonym")
        try:
            done = erase(db, person.id, staff_user_id=g.staff.id)
        except CannotErase as exc:
            flash(f"Nothing was erased: {exc}")
            return redirect(url_for("admin.participant", pseudonym=pseudonym), 303)
    flash(
        f"Erased {pseudonym}. {done.addresses} numbers or chats removed, the words of "
        f"{done.messages} messages and {done.answers} answers removed, "
        f"{done.cancelled} unsent messages cancelled. Their counts stay."
    )
    return redirect(url_for("admin.participant", pseudonym=pseudonym), 303)
