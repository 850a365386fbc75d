"""Courses: the list, adding a course, a course's page with its sessions, adding a session,
enrolling people by pseudonym, and editing the course's details, reminder plan and survey. Thin
views: the work is in bot.courses and the modules it calls.

Each form posts, and on success redirects back with a note (so a reload never posts twice);
on a problem the page is shown again, with what was typed and an error summary at the top."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from bot import courses as course_data
from bot.importing.rows import BadRow
from bot.models import Course, utcnow
from bot.reminders.plan import describe, plan_for
from bot.surveys import definitions
from webhooks.admin import blueprint, in_nav
from webhooks.context import settings, unit_of_work

in_nav(20, "admin.courses", "Courses")


def zone() -> ZoneInfo:
    return ZoneInfo(settings().app.timezone)


def sentence(text: str) -> str:
    """A reason from bot/ ("the date must be …") as a sentence on the page."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def field_errors(problems: course_data.FormProblems, prefix: str, names=None):
    """The error summary's entries for a form's problems, each linked to its box (prefix-name),
    and led by what the box is about where the reason alone does not say."""
    names = names or {}
    errors = []
    for field, reason in problems.problems:
        about = names.get(field)
        errors.append(
            (
                f"{prefix}-{field.replace('_', '-')}",
                sentence(f"{about}: {reason}" if about else reason),
            )
        )
    return errors


def get_or_404(db: Session, model: type, row_id: int):
    found = db.get(model, row_id)
    if found is None:
        abort(404)
    return found


@blueprint.get("/courses")
def courses():
    return _courses_page()


@blueprint.post("/courses")
def course_create():
    code, title = request.form.get("code", ""), request.form.get("title", "")
    try:
        with unit_of_work() as db:
            course = course_data.create_course(db, code, title, staff_user_id=g.staff.id)
            course_id, shown = course.id, course.code
    except BadRow as exc:
        errors = [("course-code", sentence(str(exc)))]
        return _courses_page(errors=errors, form={"code": code, "title": title}, status=400)
    flash(f"Course {shown} added. Add its sessions below.")
    return redirect(url_for("admin.course_page", course_id=course_id))


def _courses_page(errors=None, form=None, status: int = 200):
    with unit_of_work() as db:
        rows = course_data.course_list(db, utcnow())
    return (
        render_template("admin/courses.html", rows=rows, errors=errors or [], form=form or {}),
        status,
    )


@blueprint.get("/courses/<int:course_id>")
def course_page(course_id: int):
    return _course_page(course_id)


@blueprint.post("/courses/<int:course_id>/sessions")
def course_session_create(course_id: int):
    values = {
        name: request.form.get(name, "")
        for name in ("date", "start", "end", "location", "online_url")
    }
    try:
        with unit_of_work() as db:
            course = get_or_404(db, Course, course_id)
            times = course_data.check_session_times(db, course, values, settings().app)
            created = course_data.add_session(
                db, course, times, settings(), utcnow(), staff_user_id=g.staff.id
            )
            session_id = created.id
    except BadRow as exc:
        errors = [("session-date", sentence(str(exc)))]
        return _course_page(course_id, errors=errors, session_form=values, status=400)
    flash("Session added. Its reminders are planned and the course's members are booked on it.")
    return redirect(url_for("admin.session_page", session_id=session_id))


@blueprint.post("/courses/<int:course_id>/enrol")
def course_enrol(course_id: int):
    typed = request.form.get("pseudonyms", "")
    now = utcnow()
    try:
        with unit_of_work() as db:
            course = get_or_404(db, Course, course_id)
            pseudonyms = course_data.read_pseudonyms(typed)
            added = course_data.enrol(
                db, course, pseudonyms, settings(), now, staff_user_id=g.staff.id
            )
    except BadRow as exc:
        errors = [("enrol-pseudonyms", sentence(str(exc)))]
        return _course_page(course_id, errors=errors, enrol_form={"pseudonyms": typed}, status=400)
    if added:
        flash(f"Enrolled {', '.join(added)}: booked on every session still to come.")
    else:
        flash("Everyone named was already enrolled and booked.")
    return redirect(url_for("admin.course_page", course_id=course_id))


# The reasons bot.reminders.plan gives do not say which part of the plan they are about.
PLAN_NAMES = {
    "day_before": "The day-before reminder",
    "hours_before": "The on-the-day reminder",
    "tutor_days": "The days after each session",
}
SAVED = {
    "title": "title",
    "location": "place",
    "online_url": "online link",
    "day_before": "day-before reminder",
    "hours_before": "on-the-day reminder",
    "tutor_message": "tutor's message",
    "tutor_days": "days after each session",
    "survey": "survey after each session",
}


@blueprint.post("/courses/<int:course_id>/edit")
def course_edit(course_id: int):
    values = {name: request.form.get(name, "") for name in course_data.COURSE_FIELDS}
    try:
        with unit_of_work() as db:
            course = get_or_404(db, Course, course_id)
            edited = course_data.edit_course(
                db, course, values, settings(), utcnow(), staff_user_id=g.staff.id
            )
    except course_data.FormProblems as exc:
        errors = field_errors(exc, "edit", PLAN_NAMES)
        return _course_page(course_id, errors=errors, edit_form=values, status=400)
    if not edited.changed:
        flash("Nothing was changed.")
    else:
        saved = ", ".join(SAVED[name] for name in edited.changed)
        note = f"Course saved: {saved}."
        if course_data.PLAN_FIELDS.intersection(edited.changed):
            count = "1 session" if edited.replanned == 1 else f"{edited.replanned} sessions"
            note += f" Reminders re-planned for {count} still to come."
        flash(note)
    return redirect(url_for("admin.course_page", course_id=course_id))


def _course_page(
    course_id: int,
    *,
    errors=None,
    session_form=None,
    enrol_form=None,
    edit_form=None,
    status: int = 200,
):
    now = utcnow()
    rules = settings()
    with unit_of_work() as db:
        course = get_or_404(db, Course, course_id)
        sessions = course_data.course_sessions(db, course_id)
        members = course_data.member_count(db, course_id)
        plan = describe(plan_for(course, rules.reminders), zone())
        edit_form = edit_form or course_data.course_form(course)
    default_clock = rules.reminders.day_before_at
    return (
        render_template(
            "admin/course.html",
            course=course,
            upcoming=[s for s in sessions if s.starts_at > now],
            past=[s for s in sessions if s.starts_at <= now][::-1],
            members=members,
            errors=errors or [],
            session_form=session_form or {},
            enrol_form=enrol_form or {},
            edit_form=edit_form,
            plan=plan,
            surveys=sorted((key, survey.title) for key, survey in definitions.shipped().items()),
            default_survey=rules.surveys.after_session or "off",
            default_day_before=f"{default_clock:%H:%M}" if default_clock else "off",
            default_hours_before=f"{rules.reminders.hours_before:g}",
            zone_name=rules.app.timezone,
        ),
        status,
    )
