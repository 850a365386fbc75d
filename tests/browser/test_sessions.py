"""Courses and sessions in a real browser, on SQLite and on PostgreSQL: adding a session with the
form, marking attendance one click per person, and the DNA chart as staff see it.

Screenshots are kept in test-artifacts/screenshots/ (session-added, attendance-marked,
measures-chart)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.models import Attendance, Course, CourseMembership, CourseSession, Enrolment, utcnow
from tests.browser.conftest import LiveApp, snap, staff_login
from tests.factories import (
    create_course,
    create_course_session,
    create_enrolment,
    create_participant,
)

pytestmark = pytest.mark.browser


def log_in(page: Page, live_app: LiveApp) -> None:
    email, password = staff_login(live_app)
    page.goto(f"{live_app.url}/admin/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_a_session_is_added_with_the_form(page: Page, live_app: LiveApp):
    with live_app.sessions() as db:
        course = create_course(db, code="ART1", title="Art for wellbeing")
        member = create_participant(db, pseudonym="V-ANN1")
        db.add(CourseMembership(course_id=course.id, participant_id=member.id))
        db.commit()
    log_in(page, live_app)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_role("link", name="ART1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ART1: Art for wellbeing")
    form = page.locator("form", has=page.get_by_role("button", name="Add session"))
    form.get_by_label("Date").fill("2030-06-18")
    form.get_by_label("Starts").fill("14:30")
    form.get_by_label("Ends").fill("16:00")
    form.get_by_label("Place (optional)").fill("Room 2")
    form.get_by_role("button", name="Add session").click()

    expect(page.locator(".notice")).to_contain_text("Session added")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tuesday 18 June, 2:30pm")
    expect(page.get_by_role("table", name="Who is booked (1)")).to_contain_text("V-ANN1")
    snap(page, "session-added")
    with live_app.sessions() as db:
        course_id = db.scalar(select(Course.id).where(Course.code == "ART1"))
        starts = db.scalar(
            select(CourseSession.starts_at).where(CourseSession.course_id == course_id)
        )
    # June is British Summer Time: 2:30pm in London is 13:30 UTC.
    assert (starts.hour, starts.minute) == (13, 30)


def test_attendance_is_marked_with_one_click_per_person(page: Page, live_app: LiveApp):
    with live_app.sessions() as db:
        course = create_course(db, code="ART1", title="Art for wellbeing")
        started = create_course_session(db, course, starts_at=utcnow() - timedelta(hours=1))
        ann = create_enrolment(db, started, create_participant(db, pseudonym="V-ANN1"))
        bob = create_enrolment(db, started, create_participant(db, pseudonym="V-BOB2"))
        db.commit()
        session_id, ann_id, bob_id = started.id, ann.id, bob.id
    log_in(page, live_app)

    page.goto(f"{live_app.url}/admin/sessions/{session_id}")
    register = page.get_by_role("table", name="Who is booked (2)")
    expect(register.get_by_role("row", name="V-ANN1")).to_contain_text("Not marked")
    register.get_by_role("button", name="Attended – V-ANN1").click()
    expect(page.locator(".notice")).to_contain_text("V-ANN1 marked attended")
    page.get_by_role("table", name="Who is booked (2)").get_by_role(
        "button", name="Missed – V-BOB2"
    ).click()
    expect(page.locator(".notice")).to_contain_text("V-BOB2 marked missed")
    register = page.get_by_role("table", name="Who is booked (2)")
    expect(register.get_by_role("row", name="V-ANN1")).to_contain_text("Attended")
    expect(register.get_by_role("row", name="V-BOB2")).to_contain_text("Missed")
    snap(page, "attendance-marked")

    with live_app.sessions() as db:
        marks = dict(
            db.execute(
                select(Enrolment.id, Enrolment.attendance).where(Enrolment.id.in_([ann_id, bob_id]))
            ).all()
        )
    assert marks == {ann_id: Attendance.ATTENDED, bob_id: Attendance.MISSED}


def test_marking_before_the_session_starts_shows_why_not(page: Page, live_app: LiveApp):
    with live_app.sessions() as db:
        course = create_course(db, code="ART1", title="Art for wellbeing")
        later = create_course_session(db, course, starts_at=utcnow() + timedelta(days=1))
        create_enrolment(db, later, create_participant(db, pseudonym="V-ANN1"))
        db.commit()
        session_id = later.id
    log_in(page, live_app)

    page.goto(f"{live_app.url}/admin/sessions/{session_id}")
    page.get_by_role("button", name="Attended – V-ANN1").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("This session has not started yet")
    # The message links to the person's row, and the row can take the focus.
    summary.get_by_role("link").click()
    expect(page.locator("tr:focus")).to_contain_text("V-ANN1")
    snap(page, "attendance-not-yet")


def test_the_dna_chart_and_its_table(page: Page, live_app: LiveApp):
    now = utcnow()
    with live_app.sessions() as db:
        course = create_course(db, code="ART1", title="Art for wellbeing")
        plan = [1, 2, 1, 0, 7, 1, 2, 1, 0, 1]
        for week, missed in enumerate(plan):
            held = create_course_session(
                db, course, starts_at=now - timedelta(weeks=len(plan) - week)
            )
            for n in range(8):
                create_enrolment(
                    db,
                    held,
                    attendance=Attendance.MISSED if n < missed else Attendance.ATTENDED,
                )
        db.commit()
    log_in(page, live_app)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Measures").click()
    chart = page.get_by_role("img", name="P-chart of the did-not-attend rate")
    expect(chart).to_be_visible()
    expect(chart.locator("g.point")).to_have_count(10)
    expect(chart.locator("g.point.special-high polygon")).to_have_count(1)
    table = page.get_by_role("table", name="The numbers in the chart")
    expect(table.locator("tbody tr")).to_have_count(10)
    expect(table.locator("tbody tr").nth(4)).to_contain_text("Yes: outside the limits")
    snap(page, "measures-chart")
