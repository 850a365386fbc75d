"""Importing a timetable again: new sessions get their reminder times, a new date or time moves
a session, and the `status` column calls a session off or puts it back on. Each change sets off
what it must, once: re-timed reminders, withdrawn messages, and a word to everyone booked."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot.enrolment import join_course
from bot.importing.rows import read_table
from bot.importing.sessions import COLUMNS, apply_sessions, check_sessions
from bot.models import (
    Consent,
    ConsentPurpose,
    Course,
    CourseSession,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    ReminderKind,
    ReminderTime,
    SessionStatus,
)
from bot.reminders.firing import fire_due_reminders
from tests.factories import create_address, create_course, create_membership, create_participant

# A fixed "now" so that which sessions count as future does not depend on the day tests run.
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HEADER = "course,title,date,start,end,location,online_url,ref,status\n"
_numbers = itertools.count(1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# Tuesday 10 February 2026 at 10am (GMT, so the same in UTC).
TUESDAY = "ART24,,2026-02-10,10:00,12:00,,,T1,{status}\n"
DAY_BEFORE_DUE = utc(2026, 2, 9, 10, 0)
ON_THE_DAY_DUE = utc(2026, 2, 10, 8, 0)


# ---------------------------------------------------------------------------------------------
# Helpers


def check(session, settings, tmp_path, text: str):
    path = tmp_path / "timetable.csv"
    path.write_text(text, encoding="utf-8")
    return check_sessions(session, read_table(path, COLUMNS), settings.app)


def run_import(session, settings, tmp_path, text: str, *, now: datetime = NOW):
    checked = check(session, settings, tmp_path, text)
    assert checked.errors == []
    with time_machine.travel(now, tick=False):
        report = apply_sessions(session, checked, settings, now=now)
    session.flush()
    return report


def tuesday(session, settings, tmp_path, status: str = "", *, now: datetime = NOW):
    return run_import(session, settings, tmp_path, HEADER + TUESDAY.format(status=status), now=now)


def member(
    session,
    course: Course,
    *,
    status: ParticipantStatus = ParticipantStatus.ACTIVE,
    agreed: bool | None = True,
    address: bool = True,
) -> Participant:
    """A member of the course with (unless told otherwise) a phone and a yes to reminders."""
    participant = create_participant(session, status=status)
    if address:
        create_address(session, participant, value=f"+4479111{next(_numbers):05d}")
    if agreed is not None:
        session.add(
            Consent(
                participant_id=participant.id,
                purpose=ConsentPurpose.REMINDERS,
                granted=agreed,
                wording_version="en:2026-11",
                recorded_at=utc(2025, 12, 1, 9, 0),
            )
        )
    create_membership(session, course, participant)
    session.flush()
    return participant


def the_session(session) -> CourseSession:
    session.expire_all()
    (only,) = session.scalars(select(CourseSession)).all()
    return only


def times(session) -> dict[ReminderKind, tuple[datetime, bool]]:
    session.expire_all()
    return {row.kind: (row.due_at, row.fired) for row in session.scalars(select(ReminderTime))}


def messages(session, kind: str) -> list[Message]:
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.kind == kind).order_by(Message.id)))


def notices(session) -> list[tuple[int, str]]:
    return [(m.participant_id, m.body) for m in messages(session, "session_notice")]


def fire(session, settings, now: datetime) -> int:
    with time_machine.travel(now, tick=False):
        return fire_due_reminders(session, settings, now)


@pytest.fixture
def course(session):
    return create_course(session, code="ART24", title="Art together")


@pytest.fixture
def everyone(session, course) -> dict[str, Participant]:
    """One member who can be told, and one of each kind who must not be."""
    return {
        "told": member(session, course),
        "never agreed": member(session, course, agreed=None),
        "said no": member(session, course, agreed=False),
        "stopped": member(session, course, status=ParticipantStatus.STOPPED),
        "paused": member(session, course, status=ParticipantStatus.PAUSED),
        "no phone": member(session, course, address=False),
    }


# ---------------------------------------------------------------------------------------------
# A new session


@pytest.mark.parametrize(
    ("row", "day_before", "on_the_day"),
    [
        pytest.param(
            "ART24,Art together,2026-02-10,10:00,12:00,,,T1,\n",
            utc(2026, 2, 9, 10, 0),  # Monday 10:00 GMT
            utc(2026, 2, 10, 8, 0),  # two hours before
            id="winter",
        ),
        pytest.param(
            "ART24,Art together,2026-06-10,14:00,16:00,,,T1,scheduled\n",
            utc(2026, 6, 9, 9, 0),  # Tuesday 10:00 BST
            utc(2026, 6, 10, 11, 0),  # two hours before 14:00 BST
            id="summer",
        ),
        pytest.param(
            "ART24,Art together,2026-03-30,14:00,16:00,,,T1,\n",
            utc(2026, 3, 29, 9, 0),  # Sunday 10:00 BST, the day the clocks go forward
            utc(2026, 3, 30, 11, 0),
            id="the-day-after-the-clocks-go-forward",
        ),
    ],
)
def test_a_new_future_session_gets_its_reminder_times_in_london_time(
    session, settings, tmp_path, row, day_before, on_the_day
):
    report = run_import(session, settings, tmp_path, HEADER + row)

    assert report.created == 1
    assert the_session(session).status is SessionStatus.SCHEDULED
    assert times(session) == {
        ReminderKind.DAY_BEFORE: (day_before, False),
        ReminderKind.ON_THE_DAY: (on_the_day, False),
    }


def test_a_new_session_imported_as_cancelled_gets_no_reminders_and_tells_nobody(
    session, settings, tmp_path, everyone
):
    report = tuesday(session, settings, tmp_path, "cancelled")

    assert report.created == 1
    assert the_session(session).status is SessionStatus.CANCELLED
    assert times(session) == {}
    assert notices(session) == []


# ---------------------------------------------------------------------------------------------
# Moving


def test_a_new_date_for_a_ref_moves_the_session_re_times_its_reminders_and_tells_people_once(
    session, settings, tmp_path, everyone
):
    # Thursday 26 March 2pm GMT moves to Monday 30 March 2pm BST, across the clock change.
    first = HEADER + "ART24,,2026-03-26,14:00,16:00,Room 1,,T1,\n"
    moved = HEADER + "ART24,,2026-03-30,14:00,16:00,Room 1,,T1,\n"
    run_import(session, settings, tmp_path, first)
    original = the_session(session).id
    booked = {e.participant_id: e.id for e in session.scalars(select(Enrolment))}
    assert set(booked) == {p.id for p in everyone.values()}

    report = run_import(session, settings, tmp_path, moved)

    assert report.as_dict() == {"created": 0, "updated": 1, "unchanged": 0, "skipped": 0}
    moved_session = the_session(session)
    assert moved_session.id == original
    assert moved_session.starts_at == utc(2026, 3, 30, 13, 0)
    assert times(session) == {
        ReminderKind.DAY_BEFORE: (utc(2026, 3, 29, 9, 0), False),
        ReminderKind.ON_THE_DAY: (utc(2026, 3, 30, 11, 0), False),
    }
    told = everyone["told"]
    assert notices(session) == [
        (told.id, "Art together has moved. It is now on Monday 30 March at 2pm.")
    ]
    (notice,) = messages(session, "session_notice")
    assert "has moved" in notice.body
    assert (notice.status, notice.enrolment_id) == (MessageStatus.QUEUED, booked[told.id])
    assert notice.not_after == utc(2026, 3, 30, 13, 0)

    # The same timetable again: nothing has changed, and nobody hears it twice.
    again = run_import(session, settings, tmp_path, moved, now=NOW + timedelta(days=1))
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 1, "skipped": 0}
    assert len(notices(session)) == 1


def test_moving_a_session_withdraws_a_queued_reminder_for_the_old_time(
    session, settings, tmp_path, course
):
    told = member(session, course)
    tuesday(session, settings, tmp_path)
    assert fire(session, settings, DAY_BEFORE_DUE) == 1
    moved_at = DAY_BEFORE_DUE + timedelta(hours=1)

    run_import(
        session, settings, tmp_path, HEADER + "ART24,,2026-02-12,14:30,16:30,,,T1,\n", now=moved_at
    )

    (old,) = messages(session, "reminder")
    assert (old.status, old.send_key, old.participant_id) == (
        MessageStatus.CANCELLED,
        None,
        told.id,
    )
    assert times(session) == {
        ReminderKind.DAY_BEFORE: (utc(2026, 2, 11, 10, 0), False),
        ReminderKind.ON_THE_DAY: (utc(2026, 2, 12, 12, 30), False),
    }
    assert notices(session) == [
        (told.id, "Art together has moved. It is now on Thursday 12 February at 2:30pm.")
    ]


def test_moving_a_cancelled_session_tells_nobody(session, settings, tmp_path, everyone):
    tuesday(session, settings, tmp_path, "cancelled")

    run_import(session, settings, tmp_path, HEADER + "ART24,,2026-02-12,10:00,12:00,,,T1,\n")

    assert the_session(session).starts_at == utc(2026, 2, 12, 10, 0)
    assert notices(session) == []
    assert times(session) == {}


# ---------------------------------------------------------------------------------------------
# Cancelling


@pytest.mark.parametrize("word", ["cancelled", "Cancelled", "canceled", "CANCELED"])
def test_status_cancelled_calls_the_session_off_withdraws_reminders_and_tells_people_once(
    session, settings, tmp_path, everyone, word
):
    tuesday(session, settings, tmp_path)
    assert fire(session, settings, DAY_BEFORE_DUE) == 1
    cancelled_at = DAY_BEFORE_DUE + timedelta(hours=1)

    report = tuesday(session, settings, tmp_path, word, now=cancelled_at)

    assert report.as_dict() == {"created": 0, "updated": 1, "unchanged": 0, "skipped": 0}
    assert the_session(session).status is SessionStatus.CANCELLED
    (reminder,) = messages(session, "reminder")
    assert (reminder.status, reminder.send_key) == (MessageStatus.CANCELLED, None)
    assert reminder.status_changed_at == cancelled_at
    # The fired day-before row stays as a record; the unfired on-the-day row is gone.
    assert times(session) == {ReminderKind.DAY_BEFORE: (DAY_BEFORE_DUE, True)}
    assert notices(session) == [
        (everyone["told"].id, "Sorry. Art together on Tuesday 10 February at 10am is cancelled.")
    ]

    # Imported again, still cancelled: nothing changes and nobody is told again.
    again = tuesday(session, settings, tmp_path, word, now=cancelled_at + timedelta(hours=1))
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 1, "skipped": 0}
    assert len(notices(session)) == 1
    assert fire(session, settings, ON_THE_DAY_DUE) == 0
    assert len(messages(session, "reminder")) == 1


def test_an_empty_status_leaves_a_scheduled_session_on(session, settings, tmp_path, everyone):
    tuesday(session, settings, tmp_path)

    report = tuesday(session, settings, tmp_path, "")

    assert report.unchanged == 1
    assert the_session(session).status is SessionStatus.SCHEDULED
    assert set(times(session)) == {ReminderKind.DAY_BEFORE, ReminderKind.ON_THE_DAY}
    assert notices(session) == []


@pytest.mark.parametrize("word", ["postponed", "off", "yes", "cancel"])
def test_a_status_that_is_not_one_of_the_words_is_a_bad_row_naming_the_column_and_the_words(
    session, settings, tmp_path, word
):
    checked = check(
        session, settings, tmp_path, HEADER + "ART24,Art,2026-02-10,10:00,12:00,,,T1," + word + "\n"
    )

    assert [str(e) for e in checked.errors] == [
        "line 2: status: write scheduled or cancelled, or leave it empty"
    ]
    assert checked.rows == []


# ---------------------------------------------------------------------------------------------
# Putting a session back on


def test_status_scheduled_puts_a_cancelled_session_back_on_with_its_reminders_re_armed(
    session, settings, tmp_path, everyone
):
    tuesday(session, settings, tmp_path)
    fire(session, settings, DAY_BEFORE_DUE)
    tuesday(session, settings, tmp_path, "cancelled", now=DAY_BEFORE_DUE + timedelta(hours=1))

    report = tuesday(
        session, settings, tmp_path, "scheduled", now=DAY_BEFORE_DUE + timedelta(hours=2)
    )

    assert report.as_dict() == {"created": 0, "updated": 1, "unchanged": 0, "skipped": 0}
    assert the_session(session).status is SessionStatus.SCHEDULED
    assert times(session) == {
        ReminderKind.DAY_BEFORE: (DAY_BEFORE_DUE, False),
        ReminderKind.ON_THE_DAY: (ON_THE_DAY_DUE, False),
    }
    # Told it was off, the people booked are told it is on again, once.
    told = everyone["told"].id
    assert notices(session) == [
        (told, "Sorry. Art together on Tuesday 10 February at 10am is cancelled."),
        (told, "Good news. Art together on Tuesday 10 February at 10am is on after all."),
    ]
    # Their withdrawn day-before reminder goes again while it is still the day before.
    assert fire(session, settings, DAY_BEFORE_DUE + timedelta(hours=3)) == 1
    again = [m for m in messages(session, "reminder") if m.status is MessageStatus.QUEUED]
    assert [m.participant_id for m in again] == [told]
    # Scheduled again on a session that is on changes nothing and tells nobody.
    assert tuesday(session, settings, tmp_path, "scheduled").unchanged == 1
    assert len(notices(session)) == 2


def test_a_member_who_joined_while_the_session_was_off_is_booked_when_it_is_back_on(
    session, settings, tmp_path, course
):
    already = member(session, course)
    tuesday(session, settings, tmp_path)
    tuesday(session, settings, tmp_path, "cancelled")
    newcomer = member(session, course)
    # Joining (by JOIN or the people import) books only sessions that are on, so not this one.
    join_course(session, newcomer.id, course.id, NOW)
    assert session.scalar(select(Enrolment).where(Enrolment.participant_id == newcomer.id)) is None

    tuesday(session, settings, tmp_path, "scheduled")

    # Back on, it is one of the course's sessions still to come: every member is booked on it.
    booked = session.scalars(select(Enrolment.participant_id).order_by(Enrolment.participant_id))
    assert list(booked) == [already.id, newcomer.id]
