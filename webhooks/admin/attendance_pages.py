"""Marking attendance on a session's page: one click per person (attended, missed or excused).

The mark is bot.attendance.mark, as `voices attendance mark` and the attendance import use it:
marking someone missed raises a "please phone" task and queues the kind follow-up. Marks are
refused at a session that has not started (NotYet) or was cancelled, with a clear message:
"we missed you" must never go out before the session has happened."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from bot.attendance import NotYet, mark
from bot.audit import record
from bot.models import Attendance, CourseSession, SessionStatus, utcnow
from webhooks.admin import blueprint
from webhooks.admin.courses import get_or_404
from webhooks.admin.session_pages import booking_or_404, enrolment_pseudonym, render_session
from webhooks.context import settings, unit_of_work

MARKS = {
    "attended": Attendance.ATTENDED,
    "missed": Attendance.MISSED,
    "excused": Attendance.EXCUSED,
}
WORDS = {
    Attendance.ATTENDED: "attended",
    Attendance.MISSED: "missed (a follow-up task is on the dashboard)",
    Attendance.EXCUSED: "excused",
}


class Refused(Exception):
    pass


@blueprint.post("/sessions/<int:session_id>/bookings/<int:enrolment_id>/attendance")
def attendance_mark(session_id: int, enrolment_id: int):
    wanted = MARKS.get(request.form.get("attendance", ""))
    if wanted is None:
        return _refuse(session_id, enrolment_id, "Choose attended, missed or excused.", 400)
    now = utcnow()
    try:
        with unit_of_work() as db:
            found = get_or_404(db, CourseSession, session_id)
            enrolment = booking_or_404(db, session_id, enrolment_id)
            pseudonym = enrolment_pseudonym(db, enrolment)
            if found.status is SessionStatus.CANCELLED:
                raise Refused("This session was cancelled, so nobody can be marked at it.")
            if enrolment.removed_at is not None:
                raise Refused(f"{pseudonym} was taken off this session, so cannot be marked.")
            changed = mark(db, enrolment, wanted, settings(), now, staff_user_id=g.staff.id)
            record(
                db,
                "attendance.mark",
                staff_user_id=g.staff.id,
                detail={"session": session_id, "changed": int(changed)},
            )
    except NotYet:
        return _refuse(
            session_id,
            enrolment_id,
            "This session has not started yet, so nobody can be marked attended or missed. "
            "Mark attendance once it has started. (Excused can be marked now.)",
            409,
        )
    except Refused as exc:
        return _refuse(session_id, enrolment_id, str(exc), 409)
    flash(f"{pseudonym} marked {WORDS[wanted]}." if changed else f"{pseudonym} was already marked.")
    return redirect(url_for("admin.session_page", session_id=session_id) + f"#b{enrolment_id}")


def _refuse(session_id: int, enrolment_id: int, message: str, status: int):
    return render_session(session_id, errors=[(f"b{enrolment_id}", message)], status=status)
