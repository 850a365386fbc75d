"""Reminders where the ordinary path meets something else: consent still open, a pause, a late
joiner, a session from before reminders existed, a move after an answer, a worker racing a
change, and mistakes in attendance. Each case was a defect found in review."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.attendance import NotYet, mark
from bot.importing.attendance import check_attendance
from bot.importing.rows import CsvRow
from bot.importing.sessions import apply_sessions, check_sessions
from bot.models import (
    Attendance,
    Channel,
    Consent,
    ConsentPurpose,
    ConversationState,
    CourseSession,
    Enrolment,
    Message,
    MessageStatus,
    ParticipantStatus,
    PendingQuestion,
    ReminderTime,
    Rsvp,
)
from bot.reminders.firing import fire_due_reminders
from bot.reminders.schedule import plan_unplanned, schedule_session
from bot.reminders.session_changes import cancel_session, move_session, remove_booking
from bot.sending.claiming import claim_due
from bot.sending.sweeper import sweep
from tests.bot.test_reminder_firing import person
from tests.bot.test_rsvp_replies import address_of, say
from tests.factories import create_course, create_course_session, create_enrolment

START = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # Tuesday 24 November, 2:30pm GMT
DAY_BEFORE = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 10:00 GMT on Monday


def art_session(session, settings, **kw) -> CourseSession:
    course = create_course(session, code="ART1", title="Art for wellbeing")
    course_session = create_course_session(session, course, starts_at=START, **kw)
    schedule_session(session, course_session, settings)
    session.commit()
    return course_session


def fire(session, settings, now: datetime) -> int:
    with time_machine.travel(now, tick=False):
        queued = fire_due_reminders(session, settings, now)
        session.commit()
    return queued


def reminder_keys(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(Message.send_key).where(Message.kind == "reminder")))


def test_yes_to_a_reminder_is_an_rsvp_even_when_the_surveys_question_was_left_open(
    session, settings
):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        art_session(session, settings)
        say(session, "JOIN ART1")
        say(session, "yes")  # yes to reminders; the surveys question is then left unanswered
    assert fire(session, settings, DAY_BEFORE) == 1
    with time_machine.travel(DAY_BEFORE + timedelta(minutes=5), tick=False):
        assert say(session, "yes") == ["Thank you. See you there."]
    session.expire_all()
    assert session.scalar(select(Enrolment.rsvp)) is Rsvp.COMING
    purposes = session.scalars(select(Consent.purpose)).all()
    assert purposes == [ConsentPurpose.REMINDERS]  # no consent to surveys was made up


def test_after_asking_for_fewer_messages_yes_starts_again_and_is_not_an_rsvp(session, settings):
    with time_machine.travel(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), tick=False):
        art_session(session, settings)
        say(session, "JOIN ART1")
        say(session, "yes")
        say(session, "yes")
    assert fire(session, settings, DAY_BEFORE) == 1
    with time_machine.travel(DAY_BEFORE + timedelta(minutes=5), tick=False):
        say(session, "please don't text me so much")
        assert address_of(session).participant.status is ParticipantStatus.PAUSED
        say(session, "yes")
    session.expire_all()
    assert address_of(session).participant.status is ParticipantStatus.ACTIVE
    assert session.scalar(select(Enrolment.rsvp)) is Rsvp.NONE


def test_joining_after_the_day_before_reminder_fired_still_gets_it_once(session, settings):
    course_session = art_session(session, settings)
    create_enrolment(session, course_session, person(session))
    session.commit()
    assert fire(session, settings, DAY_BEFORE) == 1
    with time_machine.travel(DAY_BEFORE + timedelta(minutes=5), tick=False):
        say(session, "JOIN ART1")
        say(session, "yes")  # the reminder they missed is queued as they agree
        say(session, "yes")
    # Asked "are you coming?" only once the consent questions were over, so this is an RSVP.
    state = session.scalar(select(ConversationState))
    assert state.pending is PendingQuestion.RSVP
    fire(session, settings, DAY_BEFORE + timedelta(hours=8))
    day_before = [key for key in reminder_keys(session) if key.endswith(":day_before")]
    assert len(day_before) == 2
    assert len(set(day_before)) == 2
    with time_machine.travel(DAY_BEFORE + timedelta(hours=9), tick=False):
        assert say(session, "yes") == ["Thank you. See you there."]


def test_a_late_joiner_gets_no_day_before_reminder_once_its_day_has_begun(session, settings):
    art_session(session, settings)
    fire(session, settings, DAY_BEFORE)
    with time_machine.travel(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), tick=False):
        say(session, "JOIN ART1")
        say(session, "yes")
        say(session, "yes")
    assert reminder_keys(session) == []


def test_a_session_from_before_reminders_existed_is_planned_by_the_worker_and_by_reimport(
    session, settings
):
    course = create_course(session, code="ART1", title="Art for wellbeing")
    old = create_course_session(session, course, starts_at=START, ref="A1")
    other = create_course_session(session, course, starts_at=START + timedelta(days=2))
    far = create_course_session(session, course, starts_at=START + timedelta(days=30))
    session.commit()
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

    row = CsvRow(
        2, {"course": "ART1", "date": "2026-11-24", "start": "14:30", "end": "16:30", "ref": "A1"}
    )
    checked = check_sessions(session, [row], settings.app)
    apply_sessions(session, checked, settings, now=now)
    assert plan_unplanned(session, settings, now) == 1  # the other one; `far` waits its turn
    session.commit()

    planned = set(session.scalars(select(ReminderTime.session_id)))
    assert planned == {old.id, other.id}
    assert far.id not in planned


def test_moving_a_session_forgets_answers_about_the_old_time(session, settings):
    course_session = art_session(session, settings)
    cant = create_enrolment(
        session,
        course_session,
        person(session),
        rsvp=Rsvp.CANT_COME,
        attendance=Attendance.EXCUSED,
        rsvp_reason="Tuesdays I work",
    )
    coming = create_enrolment(session, course_session, person(session), rsvp=Rsvp.COMING)
    session.commit()
    new = START + timedelta(days=2)
    move_session(session, course_session, new, new + timedelta(hours=2), settings, DAY_BEFORE)
    session.commit()
    session.expire_all()
    for enrolment in (session.get(Enrolment, cant.id), session.get(Enrolment, coming.id)):
        assert (enrolment.rsvp, enrolment.rsvp_at) == (Rsvp.NONE, None)
        assert enrolment.attendance is Attendance.UNKNOWN
    assert session.get(Enrolment, cant.id).rsvp_reason == "Tuesdays I work"


def test_a_reminder_held_while_someone_is_paused_goes_when_they_return_or_expires(
    session, settings
):
    course_session = art_session(session, settings)
    first, second = person(session), person(session)
    for participant in (first, second):
        create_enrolment(session, course_session, participant)
    session.commit()
    fire(session, settings, DAY_BEFORE)
    first.status = second.status = ParticipantStatus.PAUSED
    session.commit()
    claim_due(session, settings, [Channel.SMS], DAY_BEFORE + timedelta(minutes=1), 100)
    session.commit()
    first.status = ParticipantStatus.ACTIVE
    session.commit()

    sweep(session, settings, [Channel.SMS], DAY_BEFORE + timedelta(minutes=2))
    session.commit()
    session.expire_all()
    statuses = dict(session.execute(select(Message.participant_id, Message.status)).all())
    assert statuses == {first.id: MessageStatus.QUEUED, second.id: MessageStatus.HELD}

    sweep(session, settings, [Channel.SMS], datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    session.commit()
    session.expire_all()
    assert (
        session.scalar(select(Message.status).where(Message.participant_id == second.id))
        is MessageStatus.EXPIRED
    )


@pytest.mark.parametrize("change", ["move", "cancel", "unbook"])
def test_a_firing_pass_racing_a_session_change_leaves_no_reminder_for_the_old_plan(
    engine, settings, backend, change
):
    if backend != "postgresql":
        pytest.skip("SQLite takes its write lock at BEGIN, so the two cannot overlap there")
    with Session(engine) as setup:
        course_session = art_session(setup, settings)
        create_enrolment(setup, course_session, person(setup))
        setup.commit()
        session_id = course_session.id
    worker = Session(engine)
    assert fire_due_reminders(worker, settings, DAY_BEFORE) == 1  # not committed yet

    def staff() -> None:
        with Session(engine) as db:
            moving = db.get(CourseSession, session_id)
            if change == "move":
                new = START + timedelta(days=2)
                move_session(db, moving, new, new + timedelta(hours=2), settings, DAY_BEFORE)
            elif change == "cancel":
                cancel_session(db, moving, settings, DAY_BEFORE)
            else:
                remove_booking(db, db.scalars(select(Enrolment)).one(), DAY_BEFORE)
            db.commit()

    thread = threading.Thread(target=staff)
    thread.start()
    time.sleep(1.0)  # the change waits on the pass's row locks
    worker.commit()
    worker.close()
    thread.join(timeout=30)

    with Session(engine) as db:
        old_reminders = db.scalars(
            select(Message).where(
                Message.kind == "reminder", Message.status == MessageStatus.QUEUED
            )
        ).all()
        assert old_reminders == []  # the one queued for the old plan was withdrawn
        if change == "move":
            assert fire_due_reminders(db, settings, datetime(2026, 11, 25, 10, 0, tzinfo=UTC)) == 1
            db.commit()
            body = db.scalar(select(Message.body).where(Message.status == MessageStatus.QUEUED))
            assert "Thursday 26 November" in body


def test_attendance_cannot_be_marked_at_a_session_still_to_come(session, settings):
    course_session = art_session(session, settings)
    enrolment = create_enrolment(session, course_session, person(session))
    with pytest.raises(NotYet):
        mark(session, enrolment, Attendance.MISSED, settings, START - timedelta(days=3))
    assert session.scalars(select(Message)).all() == []
    row = CsvRow(
        2, {"course": "ART1", "date": "2026-11-24", "participant": "V-T0001", "attendance": "no"}
    )
    checked = check_attendance(session, [row], settings.app, now=START - timedelta(days=3))
    assert [str(error) for error in checked.errors] == [
        "line 2: course ART1's session on 2026-11-24 has not started yet"
    ]


def test_an_attendance_row_with_a_name_or_number_is_refused_without_repeating_it(session, settings):
    art_session(session, settings)
    row = CsvRow(
        2,
        {
            "course": "ART1",
            "date": "2026-11-24",
            "participant": "Jane Smith 07700 900123",
            "attendance": "missed",
        },
    )
    checked = check_attendance(session, [row], settings.app, now=START + timedelta(hours=3))
    assert [str(error) for error in checked.errors] == [
        "line 2: participant: write the pseudonym, like V-7KQ2"
    ]
