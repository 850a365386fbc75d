"""Courses, sessions and attendance on the admin page, through the Flask test client: adding a
course and a session, moving and cancelling it (the people booked are told), enrolling and
taking people off, marking attendance in one click, importing a CSV file, and editing a course
(its details, reminder plan and survey) and a session's place."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.courses import course_form
from bot.models import (
    Attendance,
    AuditEvent,
    Consent,
    ConsentPurpose,
    Course,
    CourseMembership,
    CourseSession,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    Message,
    MessageStatus,
    Participant,
    ReminderKind,
    ReminderTime,
    SessionStatus,
)
from bot.reminders.schedule import schedule_session
from bot.settings import Settings
from tests.factories import (
    create_address,
    create_course,
    create_course_session,
    create_enrolment,
    create_message,
    create_participant,
)
from tests.webhooks.admin.conftest import csrf_from

# Monday 23 November 2026, 9am in London (GMT, so the same in UTC).
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 2:30pm tomorrow
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def clock():
    # Before the login: a signed session cookie from the future is refused, rightly.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def reachable(db, pseudonym: str | None = None) -> Participant:
    """Someone who can be sent reminders: active, an SMS number, and said yes."""
    person = create_participant(db, pseudonym=pseudonym)
    create_address(db, person, value=f"+4479112{next(_numbers):05d}")
    db.add(
        Consent(
            participant_id=person.id,
            purpose=ConsentPurpose.REMINDERS,
            granted=True,
            wording_version="en:2026-11",
            recorded_at=NOW - timedelta(days=30),
        )
    )
    db.flush()
    return person


def post(client, page: str, action: str, data: dict | None = None, **kwargs):
    """Post a form the way a browser does: with the CSRF token from the page it is on."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={**(data or {}), "csrf_token": token}, **kwargs)


def text_of(answer) -> str:
    return answer.get_data(as_text=True)


def flashed(client, answer) -> str:
    assert answer.status_code == 302, text_of(answer)[:2000]
    return text_of(client.get(answer.headers["Location"]))


def fresh(db, model, row_id):
    """The row as the app left it. Ending the test's transaction matters: on SQLite a read
    transaction keeps seeing the database as it was when it began."""
    db.commit()
    db.expire_all()
    return db.get(model, row_id)


# Courses and sessions --------------------------------------------------------------------------


def test_a_course_added_on_the_page_is_listed_with_its_title_escaped(logged_in, db, staff):
    answer = post(
        logged_in,
        "/admin/courses",
        "/admin/courses",
        {"code": "art24", "title": "Art <b>for</b> wellbeing"},
    )
    page = flashed(logged_in, answer)
    assert "Course ART24 added" in page
    course = db.scalar(select(Course).where(Course.code == "ART24"))
    assert course.title == "Art <b>for</b> wellbeing"
    listing = text_of(logged_in.get("/admin/courses"))
    assert "Art &lt;b&gt;for&lt;/b&gt; wellbeing" in listing
    assert "<b>for</b>" not in listing
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "course.created"))
    assert event.staff_user_id == staff.id


def test_a_course_code_already_taken_is_refused(logged_in, db):
    create_course(db, code="ART24")
    db.commit()
    answer = post(logged_in, "/admin/courses", "/admin/courses", {"code": "art24", "title": "X"})
    assert answer.status_code == 400
    assert "There is already a course ART24." in text_of(answer)


def test_a_session_added_on_the_page_books_the_members_and_plans_reminders(logged_in, db):
    course = create_course(db, code="ART1", title="Art for wellbeing")
    member = create_participant(db)
    db.add(CourseMembership(course_id=course.id, participant_id=member.id))
    db.commit()
    page = f"/admin/courses/{course.id}"
    answer = post(
        logged_in,
        page,
        f"{page}/sessions",
        {
            "date": "2026-11-26",
            "start": "14:00",
            "end": "16:00",
            "location": "Room 2",
            "online_url": "",
        },
    )
    shown = flashed(logged_in, answer)
    assert "Session added" in shown
    created = db.scalar(select(CourseSession).where(CourseSession.course_id == course.id))
    # November is GMT: 2pm in London is 14:00 UTC.
    assert created.starts_at == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    assert created.ends_at == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    assert created.location == "Room 2"
    assert db.scalar(select(Enrolment.participant_id).where(Enrolment.session_id == created.id))
    assert db.scalars(select(ReminderTime).where(ReminderTime.session_id == created.id)).all()
    assert "Thursday 26 November, 2pm" in shown


def test_a_session_in_summer_is_typed_in_local_time(logged_in, db):
    course = create_course(db, code="ART1")
    db.commit()
    page = f"/admin/courses/{course.id}"
    post(
        logged_in,
        page,
        f"{page}/sessions",
        {"date": "2027-06-15", "start": "10:00", "end": "12:00"},
    )
    created = db.scalar(select(CourseSession).where(CourseSession.course_id == course.id))
    # British Summer Time: 10am in London is 09:00 UTC.
    assert created.starts_at == datetime(2027, 6, 15, 9, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_and_nothing_is_added(logged_in, db):
    course = create_course(db, code="ART1")
    db.commit()
    page = f"/admin/courses/{course.id}"
    answer = post(
        logged_in,
        page,
        f"{page}/sessions",
        {"date": "2027-03-28", "start": "01:30", "end": "03:00"},
    )
    assert answer.status_code == 400
    html = text_of(answer)
    assert "01:30 on 2027-03-28 does not exist in Europe/London" in html
    assert 'class="error-summary"' in html
    # What was typed is kept, so it can be corrected.
    assert 'value="2027-03-28"' in html
    assert db.scalar(select(CourseSession.id)) is None


def test_a_session_ending_before_it_starts_is_refused(logged_in, db):
    course = create_course(db, code="ART1")
    db.commit()
    page = f"/admin/courses/{course.id}"
    answer = post(
        logged_in,
        page,
        f"{page}/sessions",
        {"date": "2026-12-01", "start": "14:00", "end": "13:00"},
    )
    assert answer.status_code == 400
    assert "End must be after start" in text_of(answer)


def test_moving_a_session_re_times_it_and_tells_everyone_booked(logged_in, db, staff):
    course = create_course(db, code="ART1", title="Art for wellbeing")
    session = create_course_session(db, course, starts_at=TUESDAY)
    create_enrolment(db, session, reachable(db))
    db.commit()
    page = f"/admin/sessions/{session.id}"
    answer = post(
        logged_in, page, f"{page}/move", {"date": "2026-11-26", "start": "15:00", "end": "17:00"}
    )
    assert "1 person was told" in flashed(logged_in, answer)
    moved = fresh(db, CourseSession, session.id)
    assert moved.starts_at == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    told = db.scalars(select(Message).where(Message.send_key.like("moved:%"))).all()
    assert len(told) == 1
    assert told[0].status is MessageStatus.QUEUED
    assert "It is now on Thursday 26 November at 3pm" in told[0].body
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "session.moved"))
    assert event.staff_user_id == staff.id and event.detail == {"told": 1}


def test_moving_to_a_repeated_hour_is_refused_and_nobody_is_told(logged_in, db):
    course = create_course(db, code="ART1")
    session = create_course_session(db, course, starts_at=TUESDAY)
    create_enrolment(db, session, reachable(db))
    db.commit()
    page = f"/admin/sessions/{session.id}"
    answer = post(
        logged_in, page, f"{page}/move", {"date": "2027-10-31", "start": "01:30", "end": "03:00"}
    )
    assert answer.status_code == 400
    assert "happens twice in Europe/London" in text_of(answer)
    assert fresh(db, CourseSession, session.id).starts_at == TUESDAY
    assert db.scalar(select(Message.id)) is None


def test_cancelling_asks_first_then_tells_everyone_booked_and_restoring_tells_them_again(
    logged_in, db
):
    course = create_course(db, code="ART1", title="Art for wellbeing")
    session = create_course_session(db, course, starts_at=TUESDAY)
    create_enrolment(db, session, reachable(db))
    create_enrolment(db, session, reachable(db))
    db.commit()
    page = f"/admin/sessions/{session.id}"
    confirm = text_of(logged_in.get(f"{page}/cancel"))
    assert "2 people are booked" in confirm and "Yes, cancel it and tell people" in confirm
    # The session is untouched until the confirmation is posted.
    assert fresh(db, CourseSession, session.id).status is SessionStatus.SCHEDULED

    answer = post(logged_in, f"{page}/cancel", f"{page}/cancel")
    assert "2 people were told" in flashed(logged_in, answer)
    assert fresh(db, CourseSession, session.id).status is SessionStatus.CANCELLED
    cancelled = db.scalars(select(Message).where(Message.send_key.like("cancelled:%"))).all()
    assert len(cancelled) == 2
    assert all("is cancelled" in m.body for m in cancelled)
    assert db.scalar(select(ReminderTime.id).where(ReminderTime.session_id == session.id)) is None

    answer = post(logged_in, page, f"{page}/restore")
    assert "2 people were told" in flashed(logged_in, answer)
    assert fresh(db, CourseSession, session.id).status is SessionStatus.SCHEDULED
    assert len(db.scalars(select(Message).where(Message.send_key.like("back_on:%"))).all()) == 2
    assert db.scalar(select(ReminderTime.id).where(ReminderTime.session_id == session.id))


def test_enrolling_by_pseudonym_books_every_session_still_to_come(logged_in, db, staff):
    course = create_course(db, code="ART1")
    past = create_course_session(db, course, starts_at=NOW - timedelta(days=7))
    soon = create_course_session(db, course, starts_at=TUESDAY)
    later = create_course_session(db, course, starts_at=TUESDAY + timedelta(days=7))
    ann = create_participant(db, pseudonym="V-ANN1")
    bob = create_participant(db, pseudonym="V-BOB2")
    db.commit()
    page = f"/admin/courses/{course.id}"
    answer = post(logged_in, page, f"{page}/enrol", {"pseudonyms": "v-ann1,\nV-BOB2  V-ann1"})
    assert "Enrolled V-ANN1, V-BOB2" in flashed(logged_in, answer)
    booked = {
        tuple(row) for row in db.execute(select(Enrolment.session_id, Enrolment.participant_id))
    }
    assert booked == {(soon.id, ann.id), (later.id, ann.id), (soon.id, bob.id), (later.id, bob.id)}
    assert past.id not in {session_id for session_id, _ in booked}
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "course.enrol"))
    assert event.staff_user_id == staff.id


def test_enrolling_with_anything_wrong_enrols_nobody_and_never_echoes_a_number(logged_in, db):
    course = create_course(db, code="ART1")
    create_course_session(db, course, starts_at=TUESDAY)
    create_participant(db, pseudonym="V-ANN1")
    db.commit()
    page = f"/admin/courses/{course.id}"
    answer = post(logged_in, page, f"{page}/enrol", {"pseudonyms": "V-ANN1 07700900123"})
    assert answer.status_code == 400
    html = text_of(answer)
    assert "1 entry is not a pseudonym" in html
    # What was typed stays in the box to correct, but the error does not repeat it.
    summary = html[html.index("error-summary") : html.index("</div>", html.index("error-summary"))]
    assert "07700900123" not in summary
    answer = post(logged_in, page, f"{page}/enrol", {"pseudonyms": "V-ANN1 V-NOBODY"})
    assert answer.status_code == 400
    assert "Nobody has the pseudonym V-NOBODY" in text_of(answer)
    assert db.scalar(select(CourseMembership.id)) is None
    assert db.scalar(select(Enrolment.id)) is None


def test_taking_someone_off_withdraws_their_queued_reminder(logged_in, db):
    course = create_course(db, code="ART1")
    session = create_course_session(db, course, starts_at=TUESDAY)
    person = reachable(db, "V-ANN1")
    booking = create_enrolment(db, session, person)
    reminder = create_message(
        db,
        person.addresses[0],
        direction=Direction.OUTBOUND,
        kind="reminder",
        enrolment_id=booking.id,
        send_key=f"reminder:{booking.id}:day_before",
    )
    db.commit()
    page = f"/admin/sessions/{session.id}"
    answer = post(logged_in, page, f"{page}/bookings/{booking.id}/remove")
    shown = flashed(logged_in, answer)
    assert "V-ANN1 taken off this session" in shown
    assert fresh(db, Enrolment, booking.id).removed_at == NOW
    withdrawn = fresh(db, Message, reminder.id)
    assert withdrawn.status is MessageStatus.CANCELLED and withdrawn.send_key is None
    # They are listed apart, with no attendance buttons.
    register = shown[shown.index("Who is booked") if "Who is booked" in shown else 0 :]
    assert "Taken off this session (1)" in register
    assert f"/bookings/{booking.id}/attendance" not in shown


def test_a_booking_of_another_session_is_not_found(logged_in, db):
    course = create_course(db, code="ART1")
    one = create_course_session(db, course, starts_at=TUESDAY)
    other = create_enrolment(db, create_course_session(db, course, starts_at=NOW))
    db.commit()
    page = f"/admin/sessions/{one.id}"
    answer = post(logged_in, page, f"{page}/bookings/{other.id}/remove")
    assert answer.status_code == 404
    assert fresh(db, Enrolment, other.id).removed_at is None


# Attendance ------------------------------------------------------------------------------------


def test_each_person_is_marked_with_one_click(logged_in, db, staff):
    course = create_course(db, code="ART1", title="Art for wellbeing")
    started = create_course_session(db, course, starts_at=NOW - timedelta(hours=1))
    ann = create_enrolment(db, started, create_participant(db, pseudonym="V-ANN1"))
    bob = create_enrolment(db, started, create_participant(db, pseudonym="V-BOB2"))
    db.commit()
    page = f"/admin/sessions/{started.id}"
    html = text_of(logged_in.get(page))
    # One small form per person, with a button for each mark: no JavaScript needed.
    for booking in (ann, bob):
        form = re.search(
            rf'<form method="post" action="/admin/sessions/{started.id}/bookings/{booking.id}'
            r'/attendance".*?</form>',
            html,
            re.S,
        )
        assert form, html
        values = re.findall(r'name="attendance" value="(\w+)"', form.group(0))
        assert values == ["attended", "missed", "excused"]
        assert 'name="csrf_token"' in form.group(0)

    answer = post(
        logged_in, page, f"{page}/bookings/{ann.id}/attendance", {"attendance": "attended"}
    )
    assert "V-ANN1 marked attended" in flashed(logged_in, answer)
    answer = post(logged_in, page, f"{page}/bookings/{bob.id}/attendance", {"attendance": "missed"})
    assert "V-BOB2 marked missed" in flashed(logged_in, answer)
    assert fresh(db, Enrolment, ann.id).attendance is Attendance.ATTENDED
    assert fresh(db, Enrolment, bob.id).attendance is Attendance.MISSED
    # Missed sets off what `voices attendance mark` does: a "please phone" task.
    flag = db.scalar(select(Flag).where(Flag.enrolment_id == bob.id))
    assert flag.kind is FlagKind.MISSED_SESSION
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.mark")).all()
    assert [e.staff_user_id for e in event] == [staff.id, staff.id]


def test_marking_attended_before_the_session_starts_is_refused_with_a_clear_message(logged_in, db):
    course = create_course(db, code="ART1")
    tomorrow = create_course_session(db, course, starts_at=TUESDAY)
    booking = create_enrolment(db, tomorrow, create_participant(db, pseudonym="V-ANN1"))
    db.commit()
    page = f"/admin/sessions/{tomorrow.id}"
    answer = post(
        logged_in, page, f"{page}/bookings/{booking.id}/attendance", {"attendance": "missed"}
    )
    assert answer.status_code == 409
    html = text_of(answer)
    assert "This session has not started yet" in html
    assert f'href="#b{booking.id}"' in html
    assert fresh(db, Enrolment, booking.id).attendance is Attendance.UNKNOWN
    assert db.scalar(select(Flag.id)) is None
    # Excused (they told us in advance) is fine before the session.
    answer = post(
        logged_in, page, f"{page}/bookings/{booking.id}/attendance", {"attendance": "excused"}
    )
    assert answer.status_code == 302
    assert fresh(db, Enrolment, booking.id).attendance is Attendance.EXCUSED


def test_nobody_can_be_marked_at_a_cancelled_session(logged_in, db):
    course = create_course(db, code="ART1")
    called_off = create_course_session(
        db, course, starts_at=NOW - timedelta(hours=1), status=SessionStatus.CANCELLED
    )
    booking = create_enrolment(db, called_off)
    db.commit()
    page = f"/admin/sessions/{called_off.id}"
    assert f"/bookings/{booking.id}/attendance" not in text_of(logged_in.get(page))
    answer = post(
        logged_in, page, f"{page}/bookings/{booking.id}/attendance", {"attendance": "attended"}
    )
    assert answer.status_code == 409
    assert "This session was cancelled" in text_of(answer)
    assert fresh(db, Enrolment, booking.id).attendance is Attendance.UNKNOWN


# CSV import ------------------------------------------------------------------------------------

TIMETABLE = (
    "course,title,date,start,end,location\n"
    "ART1,Art for wellbeing,2026-12-01,14:00,16:00,Room 2\n"
    "ART1,,2026-12-08,25:00,16:00,Room 2\n"
    "ART1,,2026-12-15,14:00,16:00,Room 2\n"
)


def upload(client, text: str, kind: str = "sessions", **extra):
    from io import BytesIO

    data = {"kind": kind, "file": (BytesIO(text.encode("utf-8")), "timetable.csv"), **extra}
    return post(client, "/admin/import", "/admin/import", data, content_type="multipart/form-data")


def test_a_csv_file_with_a_bad_row_imports_nothing_and_lists_the_line(logged_in, db):
    answer = upload(logged_in, TIMETABLE)
    assert answer.status_code == 400
    html = text_of(answer)
    assert "Nothing was imported" in html
    assert re.search(r'<th scope="row" class="numeric">3</th><td>start must be a time', html)
    assert db.scalar(select(CourseSession.id)) is None
    assert db.scalar(select(Course.id)) is None


def test_ticking_import_the_good_rows_imports_them_and_lists_the_bad_one(logged_in, db, staff):
    answer = upload(logged_in, TIMETABLE, import_good="yes")
    assert answer.status_code == 200
    html = text_of(answer)
    assert "Sessions: 2 created, 0 updated, 0 unchanged, 1 skipped." in html
    assert '<th scope="row" class="numeric">3</th>' in html
    starts = db.scalars(select(CourseSession.starts_at).order_by(CourseSession.starts_at)).all()
    assert starts == [
        datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
        datetime(2026, 12, 15, 14, 0, tzinfo=UTC),
    ]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "import.sessions"))
    assert event.staff_user_id == staff.id
    assert event.detail == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1}


def test_a_participants_file_is_checked_without_echoing_what_is_in_it(logged_in, db):
    create_course(db, code="ART1")
    db.commit()
    people = (
        "channel,address,name,course\n"
        "sms,07911 123456,Ann Example,ART1\n"
        "pigeon,07911 654321,Bob Example,ART1\n"
    )
    answer = upload(logged_in, people, kind="participants")
    assert answer.status_code == 400
    html = text_of(answer)
    assert '<th scope="row" class="numeric">3</th>' in html
    assert "654321" not in html and "Bob Example" not in html
    assert db.scalar(select(Participant.id)) is None
    answer = upload(logged_in, people, kind="participants", import_good="yes")
    assert "Participants: 1 created" in text_of(answer)
    db.commit()  # a new read transaction, to see what the app wrote since the last one
    assert db.scalar(select(CourseMembership.id)) is not None


def test_a_file_that_is_not_a_timetable_is_refused_as_a_whole(logged_in, db):
    answer = upload(logged_in, "name;phone\nAnn;07700900123\n")
    assert answer.status_code == 400
    html = text_of(answer)
    assert "The file cannot be imported" in html and "separated by" in html
    assert "07700900123" not in html


def test_a_form_without_its_csrf_token_is_refused(logged_in, db):
    course = create_course(db, code="ART1")
    db.commit()
    answer = logged_in.post(
        f"/admin/courses/{course.id}/sessions",
        data={"date": "2026-12-01", "start": "14:00", "end": "16:00"},
    )
    assert answer.status_code == 400
    assert db.scalar(select(CourseSession.id)) is None
    assert logged_in.post("/admin/courses", data={"code": "X1", "title": "X"}).status_code == 400


def test_the_pages_need_a_login(admin_app, db):
    course = create_course(db, code="ART1")
    session = create_course_session(db, course, starts_at=TUESDAY)
    db.commit()
    client = admin_app.test_client()
    for path in ("/admin/courses", f"/admin/courses/{course.id}", f"/admin/sessions/{session.id}"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]


def test_a_file_bigger_than_other_forms_may_send_is_still_read(logged_in, db):
    # The app refuses requests over 64 KiB; a timetable may be bigger, and is read whole.
    row = "ART1,Art for wellbeing,2026-12-01,14:00,16:00," + "Room 2 " * 28 + "\n"
    big = "course,title,date,start,end,location\n" + row * 400
    assert len(big.encode()) > 64 * 1024
    answer = upload(logged_in, big)
    assert answer.status_code == 400
    html = text_of(answer)
    assert "399 of 400 rows have problems, so nothing was imported" in html
    assert "the same session as line 2" in html


# Editing a course and a session ----------------------------------------------------------------


def reminder_times(db, course_session) -> dict[ReminderKind, datetime]:
    db.commit()  # a new read transaction, to see what the app wrote
    rows = db.scalars(select(ReminderTime).where(ReminderTime.session_id == course_session.id))
    return {row.kind: row.due_at for row in rows}


def planned_course(db):
    """ART1 on the settings' plan, with two sessions to come and one over, all planned."""
    course = create_course(db, code="ART1", title="Art for wellbeing")
    soon = create_course_session(db, course, starts_at=TUESDAY)
    later = create_course_session(db, course, starts_at=TUESDAY + timedelta(days=7))
    over = create_course_session(db, course, starts_at=NOW - timedelta(days=7))
    for course_session in (soon, later, over):
        schedule_session(db, course_session, Settings())
    db.commit()
    return course, soon, later, over


def edit_form(course, **changes) -> dict[str, str]:
    """The course's edit form as the page fills it in, with some boxes changed."""
    return {**course_form(course), **changes}


def test_editing_a_courses_details_and_plan_re_plans_the_sessions_to_come_and_is_audited(
    logged_in, db, staff
):
    course, soon, later, over = planned_course(db)
    before_over = reminder_times(db, over)
    assert set(reminder_times(db, soon)) == {ReminderKind.DAY_BEFORE, ReminderKind.ON_THE_DAY}
    page = f"/admin/courses/{course.id}"
    form = edit_form(
        course,
        title="Art & wellbeing",
        location="Room 2",
        online_url="https://meet.example/art",
        day_before="18:30",
        hours_before="0",
        tutor_message="Well done today!\r\nTry the breathing exercise.",
        tutor_days="3",
    )

    shown = flashed(logged_in, post(logged_in, page, f"{page}/edit", form))

    assert "Reminders re-planned for 2 sessions still to come." in shown
    assert "Art &amp; wellbeing" in shown
    # Tuesday 24 November at 2:30pm: the evening before, no on-the-day reminder, and the tutor's
    # message three days after at the day-before time (GMT, so the same in UTC).
    assert reminder_times(db, soon) == {
        ReminderKind.DAY_BEFORE: datetime(2026, 11, 23, 18, 30, tzinfo=UTC),
        ReminderKind.TUTOR: datetime(2026, 11, 27, 18, 30, tzinfo=UTC),
    }
    assert reminder_times(db, later)[ReminderKind.DAY_BEFORE] == datetime(
        2026, 11, 30, 18, 30, tzinfo=UTC
    )
    assert reminder_times(db, over) == before_over
    saved = fresh(db, Course, course.id)
    assert (saved.title, saved.location, saved.online_url) == (
        "Art & wellbeing",
        "Room 2",
        "https://meet.example/art",
    )
    assert (saved.reminder_day_before, saved.reminder_hours_before) == ("18:30", 0)
    assert saved.tutor_message == "Well done today!\nTry the breathing exercise."
    assert saved.tutor_message_days_after == 3
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "course.edit"))
    assert (event.staff_user_id, event.target_id) == (staff.id, course.id)
    # The names of what changed, never what was typed.
    assert event.detail == {
        "changed": [
            "day_before",
            "hours_before",
            "location",
            "online_url",
            "title",
            "tutor_days",
            "tutor_message",
        ]
    }


def test_a_bad_time_or_link_is_refused_with_a_clear_message_and_nothing_changes(logged_in, db):
    course, soon, _, _ = planned_course(db)
    before = reminder_times(db, soon)
    page = f"/admin/courses/{course.id}"
    form = edit_form(
        course,
        title="Changed",
        day_before="25:00",
        hours_before="30",
        online_url="javascript:alert(1)",
    )

    answer = post(logged_in, page, f"{page}/edit", form)

    assert answer.status_code == 400
    html = text_of(answer)
    summary = html[
        html.index('class="error-summary"') : html.index("</div>", html.index("error-summary"))
    ]
    assert (
        "The day-before reminder: &#34;25:00&#34; is a time that does not exist on a clock."
        in summary
    )
    assert "The on-the-day reminder: give 0 (off) to 24 hours." in summary
    assert "The online link must be a web address starting with http:// or https://." in summary
    for box in ("edit-day-before", "edit-hours-before", "edit-online-url"):
        assert f'href="#{box}"' in summary
        assert re.search(rf'<input [^>]*id="{box}"[^>]*aria-invalid="true"', html), box
    assert 'href="#edit-title"' not in summary
    # What was typed stays in the boxes, to be corrected.
    assert 'value="25:00"' in html and 'value="Changed"' in html
    saved = fresh(db, Course, course.id)
    assert (saved.title, saved.reminder_day_before, saved.online_url) == (
        "Art for wellbeing",
        None,
        None,
    )
    assert reminder_times(db, soon) == before
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "course.edit")) is None


def test_choosing_the_survey_after_each_session_changes_no_reminders(logged_in, db, staff):
    course, soon, _, _ = planned_course(db)
    before = reminder_times(db, soon)
    page = f"/admin/courses/{course.id}"
    assert '<option value="default" selected>' in text_of(logged_in.get(page))

    answer = post(logged_in, page, f"{page}/edit", edit_form(course, survey="what-matters"))

    shown = flashed(logged_in, answer)
    assert "Course saved: survey after each session." in shown
    assert "re-planned" not in shown
    assert '<option value="what-matters" selected>' in shown
    assert fresh(db, Course, course.id).survey_after_session == "what-matters"
    assert reminder_times(db, soon) == before
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "course.edit"))
    assert event.detail == {"changed": ["survey"]} and event.staff_user_id == staff.id

    post(logged_in, page, f"{page}/edit", edit_form(course, survey="off"))
    assert fresh(db, Course, course.id).survey_after_session == "off"
    post(logged_in, page, f"{page}/edit", edit_form(course, survey="default"))
    assert fresh(db, Course, course.id).survey_after_session is None

    answer = post(logged_in, page, f"{page}/edit", edit_form(course, survey="no-such-survey"))
    assert answer.status_code == 400
    assert "There is no survey &#34;no-such-survey&#34;" in text_of(answer)
    assert fresh(db, Course, course.id).survey_after_session is None


def test_saving_a_course_unchanged_says_so_and_records_nothing(logged_in, db):
    course, _, _, _ = planned_course(db)
    page = f"/admin/courses/{course.id}"
    # "2" days is the default the page shows: typing it in is not a change.
    answer = post(logged_in, page, f"{page}/edit", edit_form(course))
    assert "Nothing was changed." in flashed(logged_in, answer)
    assert fresh(db, Course, course.id).tutor_message_days_after is None
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "course.edit")) is None


def test_editing_a_sessions_place_saves_it_tells_nobody_and_is_audited(logged_in, db, staff):
    course = create_course(db, code="ART1")
    session = create_course_session(db, course, starts_at=TUESDAY, location="Room 2")
    create_enrolment(db, session, reachable(db))
    db.commit()
    page = f"/admin/sessions/{session.id}"
    assert 'id="edit-location" name="location" value="Room 2"' in text_of(logged_in.get(page))

    answer = post(
        logged_in,
        page,
        f"{page}/edit",
        {"location": "  Room 5 <upstairs>  ", "online_url": "https://meet.example/art"},
    )

    shown = flashed(logged_in, answer)
    assert "Place and online link saved." in shown
    assert "At Room 5 &lt;upstairs&gt;." in shown and "<upstairs>" not in shown
    saved = fresh(db, CourseSession, session.id)
    assert (saved.location, saved.online_url) == ("Room 5 <upstairs>", "https://meet.example/art")
    assert saved.starts_at == TUESDAY
    assert db.scalar(select(Message.id)) is None
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "session.edit"))
    assert (event.staff_user_id, event.target_id) == (staff.id, session.id)
    assert event.detail == {"changed": ["location", "online_url"]}


@pytest.mark.parametrize("link", ["javascript:alert(1)", "ftp://files.example/a", "http://[::1"])
def test_a_session_link_that_is_not_a_web_address_is_refused_and_nothing_changes(
    logged_in, db, link
):
    course = create_course(db, code="ART1")
    session = create_course_session(db, course, starts_at=TUESDAY, location="Room 2")
    db.commit()
    page = f"/admin/sessions/{session.id}"

    answer = post(logged_in, page, f"{page}/edit", {"location": "Room 9", "online_url": link})

    assert answer.status_code == 400
    html = text_of(answer)
    assert 'href="#edit-online-url"' in html
    assert "The online link must be a web address starting with http:// or https://." in html
    saved = fresh(db, CourseSession, session.id)
    assert (saved.location, saved.online_url) == ("Room 2", None)
    assert db.scalar(select(AuditEvent.id).where(AuditEvent.action == "session.edit")) is None


def test_the_edit_forms_without_their_csrf_token_are_refused(logged_in, db):
    course, soon, _, _ = planned_course(db)
    answer = logged_in.post(
        f"/admin/courses/{course.id}/edit", data=edit_form(course, title="Changed")
    )
    assert answer.status_code == 400
    answer = logged_in.post(f"/admin/sessions/{soon.id}/edit", data={"location": "Room 9"})
    assert answer.status_code == 400
    assert fresh(db, Course, course.id).title == "Art for wellbeing"
    assert fresh(db, CourseSession, soon.id).location is None
