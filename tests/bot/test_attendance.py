"""Marking attendance: a missed session gives staff a task to phone, and (when switched on and the
person is reachable) one kind follow-up, stale after noon London time the next day.

The sessions are Tuesday 24 November 2026 at 2:30pm GMT unless a test says otherwise; the
deadline cases near the 2026 changeovers (forward Sunday 29 March, back Sunday 25 October, both
at 01:00 UTC) are worked out by hand in their comments."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.attendance import CORRECTED, FOLLOW_UP_KIND, mark
from bot.models import (
    Address,
    AddressStatus,
    Attendance,
    Channel,
    Consent,
    ConsentPurpose,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    StaffUser,
)
from tests.factories import (
    create_address,
    create_course,
    create_course_session,
    create_enrolment,
    create_message,
    create_participant,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


START = utc(2026, 11, 24, 14, 30)  # Tuesday 24 November 2026, 2:30pm GMT (= UTC)
EVENING = utc(2026, 11, 24, 17, 0)  # when staff mark the register, after the session
DEADLINE = utc(2026, 11, 25, 12, 0)  # Wednesday noon GMT: the follow-up is stale from here
FOLLOW_UP = (
    "We missed you at Art for wellbeing on Tuesday 24 November. "
    "Are you OK? You can reply to this message if you want to."
)

_numbers = itertools.count(1)


def person(
    session,
    *,
    status: ParticipantStatus = ParticipantStatus.ACTIVE,
    consent: bool | None = True,
    address_status: AddressStatus | None = AddressStatus.ACTIVE,
) -> Participant:
    """A participant with an SMS address (unless `address_status` is None) and an answer about
    reminders (unless `consent` is None)."""
    participant = create_participant(session, status=status)
    if address_status is not None:
        number = f"+4479111{next(_numbers):05d}"
        create_address(session, participant, value=number, status=address_status)
    if consent is not None:
        session.add(
            Consent(
                participant_id=participant.id,
                purpose=ConsentPurpose.REMINDERS,
                granted=consent,
                wording_version="en:2026-11",
                recorded_at=utc(2026, 9, 1, 9, 0),
            )
        )
        session.flush()
    return participant


@pytest.fixture
def course(session):
    return create_course(session, code="ART1", title="Art for wellbeing")


def booking(session, course, starts_at: datetime = START, who: Participant | None = None):
    course_session = create_course_session(session, course, starts_at=starts_at)
    return create_enrolment(session, course_session, who or person(session))


@pytest.fixture
def enrolment(session, course) -> Enrolment:
    return booking(session, course)


def flags(session) -> list[Flag]:
    session.flush()
    session.expire_all()  # the correction updates flags in bulk, behind the identity map
    return list(session.scalars(select(Flag).order_by(Flag.id)))


def follow_ups(session) -> list[Message]:
    session.flush()
    session.expire_all()
    return list(
        session.scalars(select(Message).where(Message.kind == FOLLOW_UP_KIND).order_by(Message.id))
    )


def without_follow_up(settings):
    reminders = dataclasses.replace(settings.reminders, missed_follow_up=False)
    return dataclasses.replace(settings, reminders=reminders)


# ---------------------------------------------------------------------------------------------
# Missed: the task for staff


def test_marking_someone_missed_gives_staff_one_open_task_about_that_booking(
    session, settings, enrolment
):
    assert mark(session, enrolment, Attendance.MISSED, settings, EVENING) is True
    (flag,) = flags(session)
    assert flag.kind is FlagKind.MISSED_SESSION
    assert flag.status is FlagStatus.OPEN
    assert (flag.enrolment_id, flag.participant_id) == (enrolment.id, enrolment.participant_id)
    assert flag.urgent is False
    assert enrolment.attendance is Attendance.MISSED
    assert enrolment.attendance_marked_at == EVENING


def test_marking_the_same_value_again_returns_false_and_changes_nothing(
    session, settings, enrolment
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    later = EVENING + timedelta(hours=1)
    assert mark(session, enrolment, Attendance.MISSED, settings, later) is False
    assert len(flags(session)) == 1
    assert len(follow_ups(session)) == 1
    assert session.get(Enrolment, enrolment.id).attendance_marked_at == EVENING


def test_a_person_who_misses_two_sessions_gets_a_task_and_a_follow_up_for_each_booking(
    session, settings, course
):
    who = person(session)
    first = booking(session, course, START, who)
    second = booking(session, course, START + timedelta(days=7), who)
    mark(session, first, Attendance.MISSED, settings, EVENING)
    mark(session, second, Attendance.MISSED, settings, EVENING + timedelta(days=7))
    assert [(f.enrolment_id, f.status) for f in flags(session)] == [
        (first.id, FlagStatus.OPEN),
        (second.id, FlagStatus.OPEN),
    ]
    assert [m.send_key for m in follow_ups(session)] == [
        f"missed:{first.id}",
        f"missed:{second.id}",
    ]


@pytest.mark.parametrize("attendance", [Attendance.ATTENDED, Attendance.EXCUSED])
def test_marking_someone_attended_or_excused_raises_no_task_and_sends_nothing(
    session, settings, enrolment, attendance
):
    assert mark(session, enrolment, attendance, settings, EVENING) is True
    assert enrolment.attendance is attendance
    assert enrolment.attendance_marked_at == EVENING
    assert flags(session) == []
    assert session.scalar(select(func.count()).select_from(Message)) == 0


# ---------------------------------------------------------------------------------------------
# Missed: the follow-up message


def test_a_missed_mark_queues_one_follow_up_for_that_booking_stale_at_noon_the_next_day(
    session, settings, enrolment
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    (message,) = follow_ups(session)
    assert message.send_key == f"missed:{enrolment.id}"
    assert message.enrolment_id == enrolment.id
    assert message.participant_id == enrolment.participant_id
    assert message.direction is Direction.OUTBOUND
    assert message.channel is Channel.SMS
    assert message.status is MessageStatus.QUEUED
    assert message.not_after == DEADLINE
    assert message.next_attempt_at == EVENING
    # Not urgent: it waits for the send window, so it may go the next morning.
    assert message.urgent is False


def test_the_follow_up_names_the_course_and_the_day_kindly_and_never_says_today(
    session, settings, enrolment
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    (message,) = follow_ups(session)
    assert message.body == FOLLOW_UP
    assert "today" not in message.body.lower()
    assert "Are you OK?" in message.body


@pytest.mark.parametrize(
    ("starts_at", "now", "day", "deadline"),
    [
        pytest.param(
            # Wednesday 10 June 14:00 BST; noon BST on Thursday is 11:00 UTC.
            utc(2026, 6, 10, 13, 0),
            utc(2026, 6, 10, 16, 0),
            "Wednesday 10 June",
            utc(2026, 6, 11, 11, 0),
            id="summer-time",
        ),
        pytest.param(
            # 23:30 UTC on Tuesday 31 March is 00:30 BST on Wednesday 1 April: the next day in
            # London is Thursday 2 April, and noon BST then is 11:00 UTC.
            utc(2026, 3, 31, 23, 30),
            utc(2026, 4, 1, 2, 0),
            "Wednesday 1 April",
            utc(2026, 4, 2, 11, 0),
            id="late-night-session-is-the-next-local-day",
        ),
        pytest.param(
            # Saturday 24 October 14:00 BST; the clocks go back overnight, so noon on Sunday 25
            # October is GMT, 12:00 UTC: 23 hours later than noon on the Saturday.
            utc(2026, 10, 24, 13, 0),
            utc(2026, 10, 24, 18, 0),
            "Saturday 24 October",
            utc(2026, 10, 25, 12, 0),
            id="clocks-go-back-overnight",
        ),
        pytest.param(
            # Saturday 28 March 14:00 GMT; the clocks go forward overnight, so noon on Sunday
            # 29 March is BST, 11:00 UTC.
            utc(2026, 3, 28, 14, 0),
            utc(2026, 3, 28, 18, 0),
            "Saturday 28 March",
            utc(2026, 3, 29, 11, 0),
            id="clocks-go-forward-overnight",
        ),
    ],
)
def test_the_follow_up_is_stale_after_noon_london_time_the_day_after_the_local_session_day(
    session, settings, course, starts_at, now, day, deadline
):
    enrolment = booking(session, course, starts_at)
    mark(session, enrolment, Attendance.MISSED, settings, now)
    (message,) = follow_ups(session)
    assert message.not_after == deadline
    assert f"at Art for wellbeing on {day}." in message.body


@pytest.mark.parametrize(
    ("now", "queued"),
    [
        pytest.param(DEADLINE - timedelta(minutes=1), 1, id="a-minute-before-noon"),
        pytest.param(DEADLINE, 0, id="at-noon"),
        pytest.param(DEADLINE + timedelta(days=6), 0, id="a-week-late"),
    ],
)
def test_no_follow_up_is_queued_once_noon_the_next_day_has_come_but_staff_still_get_the_task(
    session, settings, enrolment, now, queued
):
    assert mark(session, enrolment, Attendance.MISSED, settings, now) is True
    assert len(follow_ups(session)) == queued
    (flag,) = flags(session)
    assert (flag.kind, flag.enrolment_id) == (FlagKind.MISSED_SESSION, enrolment.id)


@pytest.mark.parametrize(
    "who",
    [
        pytest.param({"status": ParticipantStatus.STOPPED}, id="stopped"),
        pytest.param({"status": ParticipantStatus.PAUSED}, id="paused"),
        pytest.param({"consent": False}, id="said-no-to-reminders"),
        pytest.param({"consent": None}, id="never-asked-about-reminders"),
        pytest.param({"address_status": AddressStatus.STOPPED}, id="address-stopped"),
        pytest.param({"address_status": None}, id="no-address"),
    ],
)
def test_someone_we_may_not_or_cannot_message_gets_no_follow_up_but_staff_still_get_the_task(
    session, settings, course, who
):
    enrolment = booking(session, course, who=person(session, **who))
    assert mark(session, enrolment, Attendance.MISSED, settings, EVENING) is True
    assert session.scalar(select(func.count()).select_from(Message)) == 0
    (flag,) = flags(session)
    assert (flag.kind, flag.status, flag.enrolment_id) == (
        FlagKind.MISSED_SESSION,
        FlagStatus.OPEN,
        enrolment.id,
    )


def test_with_the_follow_up_switched_off_in_settings_staff_get_the_task_and_no_one_is_messaged(
    session, settings, enrolment
):
    assert mark(session, enrolment, Attendance.MISSED, without_follow_up(settings), EVENING)
    assert session.scalar(select(func.count()).select_from(Message)) == 0
    (flag,) = flags(session)
    assert (flag.kind, flag.enrolment_id) == (FlagKind.MISSED_SESSION, enrolment.id)


# ---------------------------------------------------------------------------------------------
# Corrections


@pytest.mark.parametrize("corrected", [Attendance.ATTENDED, Attendance.EXCUSED, Attendance.UNKNOWN])
def test_correcting_a_missed_mark_withdraws_the_unsent_follow_up_and_closes_the_task_saying_why(
    session, settings, enrolment, corrected
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    fixed_at = EVENING + timedelta(minutes=20)
    assert mark(session, enrolment, corrected, settings, fixed_at) is True
    (message,) = follow_ups(session)
    assert message.status is MessageStatus.CANCELLED
    assert message.send_key is None
    assert message.status_changed_at == fixed_at
    (flag,) = flags(session)
    assert flag.status is FlagStatus.RESOLVED
    assert flag.action_taken == CORRECTED == "Attendance corrected: not a missed session."
    assert flag.resolved_at == fixed_at
    assert flag.resolved_by_id is None
    assert session.get(Enrolment, enrolment.id).attendance is corrected


def test_a_correction_withdraws_a_follow_up_held_for_the_whatsapp_window_too(
    session, settings, enrolment
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    (held,) = follow_ups(session)
    held.status = MessageStatus.HELD
    mark(session, enrolment, Attendance.ATTENDED, settings, EVENING + timedelta(minutes=3))
    (withdrawn,) = follow_ups(session)
    assert (withdrawn.status, withdrawn.send_key) == (MessageStatus.CANCELLED, None)


def test_a_correction_by_a_member_of_staff_records_who_closed_the_task(
    session, settings, enrolment
):
    staff = StaffUser(email="tutor@example.org", password_hash="x")
    session.add(staff)
    session.flush()
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    mark(session, enrolment, Attendance.ATTENDED, settings, EVENING, staff_user_id=staff.id)
    (flag,) = flags(session)
    assert (flag.status, flag.resolved_by_id) == (FlagStatus.RESOLVED, staff.id)


def test_a_correction_leaves_a_follow_up_that_has_gone_and_other_messages_about_the_booking(
    session, settings, enrolment
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    (follow_up,) = follow_ups(session)
    follow_up.status = MessageStatus.SENT
    reminder = create_message(
        session,
        session.get(Address, follow_up.address_id),
        direction=Direction.OUTBOUND,
        kind="reminder",
        enrolment_id=enrolment.id,
        send_key=f"reminder:{enrolment.id}:on_the_day",
    )
    mark(session, enrolment, Attendance.ATTENDED, settings, EVENING + timedelta(hours=1))
    (gone,) = follow_ups(session)
    assert (gone.status, gone.send_key) == (MessageStatus.SENT, f"missed:{enrolment.id}")
    reminder = session.get(Message, reminder.id)
    assert (reminder.status, reminder.send_key) == (
        MessageStatus.QUEUED,
        f"reminder:{enrolment.id}:on_the_day",
    )
    (flag,) = flags(session)
    assert flag.status is FlagStatus.RESOLVED


def test_marking_missed_again_after_a_correction_opens_a_new_task_and_queues_a_new_follow_up(
    session, settings, enrolment
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    mark(session, enrolment, Attendance.ATTENDED, settings, EVENING + timedelta(minutes=5))
    assert mark(session, enrolment, Attendance.MISSED, settings, EVENING + timedelta(minutes=9))
    assert [f.status for f in flags(session)] == [FlagStatus.RESOLVED, FlagStatus.OPEN]
    assert [(m.status, m.send_key) for m in follow_ups(session)] == [
        (MessageStatus.CANCELLED, None),
        (MessageStatus.QUEUED, f"missed:{enrolment.id}"),
    ]


def test_a_follow_up_that_has_gone_is_never_sent_twice_for_one_booking(
    session, settings, enrolment
):
    mark(session, enrolment, Attendance.MISSED, settings, EVENING)
    (sent,) = follow_ups(session)
    sent.status = MessageStatus.SENT
    mark(session, enrolment, Attendance.ATTENDED, settings, EVENING + timedelta(minutes=5))
    mark(session, enrolment, Attendance.MISSED, settings, EVENING + timedelta(minutes=9))
    assert [m.id for m in follow_ups(session)] == [sent.id]
    assert [f.status for f in flags(session)] == [FlagStatus.RESOLVED, FlagStatus.OPEN]
