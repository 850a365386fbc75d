"""One session's page: who is booked and how each is marked, and the changes staff make to it.

Its place and online link are edited here (bot.courses.edit_session); nobody is messaged, and
reminders not yet sent give the new place.

Moving, cancelling, putting back on and taking someone off are bot.reminders.session_changes,
exactly as the timetable import and `voices course unbook` use them: reminders follow, and the
people booked are told. Marking attendance is in attendance_pages.py."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot import courses as course_data
from bot.audit import record
from bot.importing.rows import BadRow
from bot.models import CourseSession, Enrolment, Participant, SessionStatus, utcnow
from bot.reminders.session_changes import (
    cancel_session,
    move_session,
    remove_booking,
    restore_session,
)
from webhooks.admin import blueprint
from webhooks.admin.courses import field_errors, get_or_404, sentence, zone
from webhooks.context import settings, unit_of_work


def people(count: int) -> str:
    return "1 person was" if count == 1 else f"{count} people were"


@blueprint.get("/sessions/<int:session_id>")
def session_page(session_id: int):
    return render_session(session_id)


def render_session(
    session_id: int, *, errors=None, move_form=None, edit_form=None, status: int = 200
):
    now = utcnow()
    with unit_of_work() as db:
        found = get_or_404(db, CourseSession, session_id)
        course = found.course
        booked = course_data.bookings(db, session_id)
    edit_form = edit_form or {
        "location": found.location or "",
        "online_url": found.online_url or "",
    }
    local = found.starts_at.astimezone(zone())
    move_form = move_form or {
        "date": f"{local:%Y-%m-%d}",
        "start": f"{local:%H:%M}",
        "end": f"{found.ends_at.astimezone(zone()):%H:%M}",
    }
    return (
        render_template(
            "admin/session.html",
            found=found,
            course=course,
            live=[b for b in booked if not b.removed],
            removed=[b for b in booked if b.removed],
            started=found.starts_at <= now,
            cancelled=found.status is SessionStatus.CANCELLED,
            errors=errors or [],
            move_form=move_form,
            edit_form=edit_form,
            zone_name=settings().app.timezone,
        ),
        status,
    )


@blueprint.post("/sessions/<int:session_id>/move")
def session_move(session_id: int):
    values = {name: request.form.get(name, "") for name in ("date", "start", "end")}
    now = utcnow()
    try:
        with unit_of_work() as db:
            found = get_or_404(db, CourseSession, session_id)
            times = course_data.check_session_times(db, found.course, values, settings().app)
            if times.starts_at == found.starts_at and times.ends_at == found.ends_at:
                raise BadRow("that is the time the session already has")
            told = move_session(db, found, times.starts_at, times.ends_at, settings(), now)
            record(
                db, "session.moved", staff_user_id=g.staff.id, target=found, detail={"told": told}
            )
    except BadRow as exc:
        errors = [("move-date", sentence(str(exc)))]
        return render_session(session_id, errors=errors, move_form=values, status=400)
    flash(f"Session moved. Its reminders follow the new time; {people(told)} told.")
    return redirect(url_for("admin.session_page", session_id=session_id))


@blueprint.post("/sessions/<int:session_id>/edit")
def session_edit(session_id: int):
    values = {name: request.form.get(name, "") for name in ("location", "online_url")}
    try:
        with unit_of_work() as db:
            found = get_or_404(db, CourseSession, session_id)
            edited = course_data.edit_session(db, found, values, staff_user_id=g.staff.id)
    except course_data.FormProblems as exc:
        errors = field_errors(exc, "edit")
        return render_session(session_id, errors=errors, edit_form=values, status=400)
    if edited.changed:
        flash("Place and online link saved. Reminders not sent yet will give them.")
    else:
        flash("Nothing was changed.")
    return redirect(url_for("admin.session_page", session_id=session_id))


@blueprint.get("/sessions/<int:session_id>/cancel")
def session_cancel_confirm(session_id: int):
    """Cancelling messages everyone booked, so it is asked for on a page of its own."""
    with unit_of_work() as db:
        found = get_or_404(db, CourseSession, session_id)
        course = found.course
        booked = [b for b in course_data.bookings(db, session_id) if not b.removed]
    return render_template(
        "admin/session_cancel.html",
        found=found,
        course=course,
        booked=len(booked),
        started=found.starts_at <= utcnow(),
    )


@blueprint.post("/sessions/<int:session_id>/cancel")
def session_cancel(session_id: int):
    return _change_status(
        session_id,
        SessionStatus.CANCELLED,
        cancel_session,
        "session.cancelled",
        "That session was already cancelled.",
        "Session cancelled. Its reminders are withdrawn; {told} told.",
    )


@blueprint.post("/sessions/<int:session_id>/restore")
def session_restore(session_id: int):
    return _change_status(
        session_id,
        SessionStatus.SCHEDULED,
        restore_session,
        "session.restored",
        "That session is already on.",
        "Session back on. Its reminders are planned again; {told} told.",
    )


def _change_status(session_id: int, to, change, action: str, already: str, done: str):
    """Cancel or restore a session: its people are told, and it is audited. A second press
    (a double click, a stale page) changes nothing and says so."""
    with unit_of_work() as db:
        found = get_or_404(db, CourseSession, session_id)
        if found.status is to:
            told = None
        else:
            told = change(db, found, settings(), utcnow())
            record(db, action, staff_user_id=g.staff.id, target=found, detail={"told": told})
    flash(already if told is None else done.format(told=people(told)))
    return redirect(url_for("admin.session_page", session_id=session_id))


@blueprint.post("/sessions/<int:session_id>/bookings/<int:enrolment_id>/remove")
def booking_remove(session_id: int, enrolment_id: int):
    with unit_of_work() as db:
        enrolment = booking_or_404(db, session_id, enrolment_id)
        pseudonym = enrolment_pseudonym(db, enrolment)
        if enrolment.removed_at is None:
            remove_booking(db, enrolment, utcnow())
            record(
                db,
                "course.unbook",
                staff_user_id=g.staff.id,
                detail={"session": session_id, "enrolments": [enrolment.id]},
            )
    flash(f"{pseudonym} taken off this session. Their reminders for it are withdrawn.")
    return redirect(url_for("admin.session_page", session_id=session_id))


def booking_or_404(db, session_id: int, enrolment_id: int) -> Enrolment:
    enrolment = get_or_404(db, Enrolment, enrolment_id)
    if enrolment.session_id != session_id:
        abort(404)  # a booking on another session: the address is wrong, whatever the id
    return enrolment


def enrolment_pseudonym(db, enrolment: Enrolment) -> str:
    return db.get(Participant, enrolment.participant_id).pseudonym
