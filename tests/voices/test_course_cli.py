"""`voices course plan`: showing and changing a course's own reminder plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import (
    AuditEvent,
    Course,
    Direction,
    Enrolment,
    Message,
    MessageStatus,
    ReminderKind,
    ReminderTime,
)
from bot.reminders.schedule import schedule_session
from bot.settings import Settings
from tests.factories import (
    create_course,
    create_course_session,
    create_enrolment,
    create_message,
    create_participant,
)
from tests.voices.test_attendance_cli import run

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Thursday 26 November 2026, 2:30pm GMT; and a session already over.
AHEAD = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
PAST = datetime(2026, 11, 12, 14, 30, tzinfo=UTC)


def due_times(db, course_session) -> dict[ReminderKind, datetime]:
    db.rollback()
    rows = db.scalars(select(ReminderTime).where(ReminderTime.session_id == course_session.id))
    return {row.kind: row.due_at for row in rows}


def planned_art(db):
    art = create_course(db, code="ART1", title="Art for wellbeing")
    ahead = create_course_session(db, art, starts_at=AHEAD)
    past = create_course_session(db, art, starts_at=PAST)
    for course_session in (ahead, past):
        schedule_session(db, course_session, Settings())
    db.commit()
    return art, ahead, past


def test_with_no_options_the_plan_is_shown_and_nothing_changes(config, db):
    planned_art(db)
    result = run(config, "course", "plan", "art1", at=NOW)
    assert result.exit_code == 0, result.output
    assert result.output == (
        "ART1 (Art for wellbeing): the day before at 10:00, on the day 2 h before, "
        "no tutor's message (Europe/London time).\n"
    )
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "course.plan")) is None


def test_a_new_plan_re_times_sessions_still_to_come_and_leaves_past_ones(config, db):
    _, ahead, past = planned_art(db)
    before_past = due_times(db, past)

    result = run(
        config, "course", "plan", "ART1", "--day-before", "16:30", "--hours-before", "0", at=NOW
    )

    assert result.exit_code == 0, result.output
    assert "the day before at 16:30, no on-the-day" in result.output
    assert "Re-planned 1 sessions still to come." in result.output
    assert due_times(db, ahead) == {ReminderKind.DAY_BEFORE: AHEAD - timedelta(hours=22)}
    assert due_times(db, past) == before_past
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "course.plan"))
    assert audit.detail["changed"] == ["day_before", "hours_before"]


def test_a_tutor_message_is_stored_as_written_and_planned_after_each_session(config, db):
    _, ahead, _ = planned_art(db)
    words = "Hi all  - great work today! Try the breathing exercise before next week 🙂"

    result = run(
        config, "course", "plan", "ART1", "--tutor-message", words, "--tutor-days", "3", at=NOW
    )

    assert result.exit_code == 0, result.output
    db.rollback()
    assert db.scalar(select(Course.tutor_message)) == words
    # Sunday 29 November at 10:00 GMT, three days after the session.
    assert due_times(db, ahead)[ReminderKind.TUTOR] == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def test_default_puts_a_course_back_on_the_settings_plan(config, db):
    art, ahead, _ = planned_art(db)
    art.reminder_day_before, art.reminder_hours_before = "off", 0
    db.commit()

    result = run(
        config,
        "course",
        "plan",
        "ART1",
        "--day-before",
        "default",
        "--hours-before",
        "default",
        at=NOW,
    )

    assert result.exit_code == 0, result.output
    db.rollback()
    assert db.scalar(select(Course.reminder_day_before)) is None
    assert set(due_times(db, ahead)) == {ReminderKind.DAY_BEFORE, ReminderKind.ON_THE_DAY}


def test_a_bad_time_or_an_unknown_course_is_a_clear_error_and_changes_nothing(config, db):
    planned_art(db)
    bad_time = run(config, "course", "plan", "ART1", "--day-before", "25:00", at=NOW)
    assert bad_time.exit_code == 2
    assert "25:00" in bad_time.output and "does not exist on a clock" in bad_time.output
    unknown = run(config, "course", "plan", "NOPE", "--hours-before", "1", at=NOW)
    assert unknown.exit_code == 1
    assert "there is no course NOPE" in unknown.output
    db.rollback()
    assert db.scalar(select(Course.reminder_day_before)) is None


def test_unbooking_withdraws_that_persons_reminder_and_keeps_the_booking_marked_removed(config, db):
    _, ahead, _ = planned_art(db)
    keep = create_enrolment(db, ahead, create_participant(db, pseudonym="V-KEEP1"))
    leave = create_enrolment(db, ahead, create_participant(db, pseudonym="V-GO001"))
    for enrolment in (keep, leave):
        create_message(
            db,
            direction=Direction.OUTBOUND,
            kind="reminder",
            enrolment_id=enrolment.id,
            send_key=f"reminder:{enrolment.id}:day_before",
        )
    db.commit()

    result = run(config, "course", "unbook", "art1", "2026-11-26", "v-go001", at=NOW)

    assert result.exit_code == 0, result.output
    assert result.output == "Took 1 off ART1 on 2026-11-26. Their reminders are withdrawn.\n"
    db.rollback()
    db.expire_all()  # the factory keeps objects loaded across commits
    assert db.get(Enrolment, leave.id).removed_at is not None
    assert db.get(Enrolment, keep.id).removed_at is None
    statuses = dict(db.execute(select(Message.enrolment_id, Message.status)).all())
    assert statuses == {keep.id: MessageStatus.QUEUED, leave.id: MessageStatus.CANCELLED}


def test_unbooking_someone_not_booked_is_an_error_and_changes_nothing(config, db):
    _, ahead, _ = planned_art(db)
    create_enrolment(db, ahead, create_participant(db, pseudonym="V-KEEP1"))
    db.commit()
    result = run(config, "course", "unbook", "ART1", "2026-11-26", "V-KEEP1", "V-NOPE1", at=NOW)
    assert result.exit_code == 1
    assert "V-NOPE1 is not booked on that session" in result.output
    db.rollback()
    assert db.scalars(select(Enrolment.removed_at)).all() == [None]
