"""DNA, RSVP and response rates against a small timetable worked out by hand.

The timetable (London time; the 2026 clocks go forward on Sunday 29 March):

  S1 ART1  Tue 10 Mar 14:00 GMT   4 came, 1 missed, 1 excused, 1 unmarked  (+1 booking removed)
  S2 ART1  Wed  1 Apr 00:30 BST   2 came, 2 missed       (23:30 UTC on 31 March: April here)
  S3 MIND2 Tue 14 Apr 10:00 BST   5 came, 2 missed       (no reminders went)
  S4 ART1  Tue 17 Mar 14:00 GMT   cancelled: 1 came, 1 missed, left out of everything
  S5 ART1  Tue 21 Apr 14:00 BST   2 booked, nobody marked yet

Each test's comments carry the arithmetic."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import dna_rates
from bot.dna_rates import Tally
from bot.models import (
    Attendance,
    CourseSession,
    Direction,
    MessageStatus,
    Rsvp,
    SessionStatus,
)
from tests.factories import (
    create_address,
    create_course,
    create_course_session,
    create_enrolment,
    create_message,
    create_participant,
)

LONDON = ZoneInfo("Europe/London")
_numbers = itertools.count(1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def book(
    session,
    course_session: CourseSession,
    attendance: Attendance = Attendance.UNKNOWN,
    rsvp: Rsvp = Rsvp.NONE,
    reminders: tuple[MessageStatus, ...] = (),
    *,
    removed: bool = False,
    other: tuple[tuple[str, MessageStatus], ...] = (),
):
    """One booking, with a reminder message for it in each of `reminders`' statuses and any
    `other` (kind, status) messages about it."""
    participant = create_participant(session)
    address = create_address(session, participant, value=f"+4479112{next(_numbers):05d}")
    enrolment = create_enrolment(
        session,
        course_session,
        participant,
        attendance=attendance,
        rsvp=rsvp,
        removed_at=utc(2026, 3, 1, 9, 0) if removed else None,
    )
    messages = [("reminder", status) for status in reminders] + list(other)
    for kind, status in messages:
        create_message(
            session,
            address,
            body="A message about the session",
            direction=Direction.OUTBOUND,
            status=status,
            kind=kind,
            enrolment_id=enrolment.id,
        )
    return enrolment


A, M, E, U = Attendance.ATTENDED, Attendance.MISSED, Attendance.EXCUSED, Attendance.UNKNOWN
SENT, DELIVERED = MessageStatus.SENT, MessageStatus.DELIVERED
UNDELIVERED = MessageStatus.UNDELIVERED


@pytest.fixture
def timetable(session) -> dict[str, CourseSession]:
    art = create_course(session, code="ART1", title="Art for wellbeing")
    mind = create_course(session, code="MIND2", title="Mindfulness")
    s1 = create_course_session(session, art, starts_at=utc(2026, 3, 10, 14, 0))
    book(session, s1, A, Rsvp.COMING, (DELIVERED, SENT))  # two reminders: one booking reminded
    book(session, s1, A, Rsvp.COMING, (SENT,))
    book(session, s1, A, Rsvp.NONE, (UNDELIVERED,))
    # A failed reminder did not reach the provider, and a follow-up is not a reminder.
    book(
        session,
        s1,
        A,
        Rsvp.NONE,
        (MessageStatus.FAILED,),
        other=(("missed_follow_up", SENT), ("session_notice", DELIVERED)),
    )
    book(session, s1, M, Rsvp.NONE, (DELIVERED,))
    book(session, s1, E, Rsvp.CANT_COME, (DELIVERED,))
    book(session, s1, U, Rsvp.NEED_HELP, (MessageStatus.QUEUED,))  # not gone yet: not reminded
    book(session, s1, M, Rsvp.COMING, (DELIVERED,), removed=True)  # taken off: not counted

    s2 = create_course_session(session, art, starts_at=utc(2026, 3, 31, 23, 30))
    book(session, s2, A, Rsvp.COMING, (SENT,))
    book(session, s2, A, Rsvp.NONE)
    book(session, s2, M, Rsvp.NONE, (SENT,))
    book(session, s2, M, Rsvp.COMING, (DELIVERED,))

    s3 = create_course_session(session, mind, starts_at=utc(2026, 4, 14, 9, 0))
    for rsvp in (Rsvp.COMING, Rsvp.COMING, Rsvp.COMING, Rsvp.NONE, Rsvp.NONE):
        book(session, s3, A, rsvp)
    book(session, s3, M)
    book(session, s3, M)

    s4 = create_course_session(
        session, art, starts_at=utc(2026, 3, 17, 14, 0), status=SessionStatus.CANCELLED
    )
    book(session, s4, A, Rsvp.COMING, (DELIVERED,))
    book(session, s4, M, Rsvp.NONE, (DELIVERED,))

    s5 = create_course_session(session, art, starts_at=utc(2026, 4, 21, 13, 0))
    book(session, s5, U, Rsvp.NONE, (SENT,))
    book(session, s5, U, Rsvp.CANT_COME)

    # A session with nobody booked has no rates at all.
    create_course_session(session, mind, starts_at=utc(2026, 4, 7, 9, 0))
    session.commit()
    return {"s1": s1, "s2": s2, "s3": s3, "s4": s4, "s5": s5}


def counts(tally: Tally) -> tuple[int, ...]:
    """booked, attended, missed, excused, unmarked, answered, reminded, reminded_answered"""
    return (
        tally.booked,
        tally.attended,
        tally.missed,
        tally.excused,
        tally.unmarked,
        tally.answered,
        tally.reminded,
        tally.reminded_answered,
    )


# ---------------------------------------------------------------------------------------------
# Tally arithmetic (no database)


def test_the_dna_rate_is_missed_out_of_attended_and_missed_with_excused_and_unmarked_left_out():
    # 3 missed of 3 + 9 marked = 0.25; excused and unmarked change neither side.
    tally = Tally("x", booked=20, attended=9, missed=3, excused=5, unmarked=3)
    assert tally.dna_rate == 0.25
    assert Tally("x", booked=4, excused=2, unmarked=2).dna_rate is None


def test_rsvp_and_response_rates_have_their_own_denominators_and_none_when_empty():
    # RSVP: 6 answered of 8 booked = 0.75. Response: 3 answered of 5 reminded = 0.6.
    tally = Tally("x", booked=8, answered=6, reminded=5, reminded_answered=3)
    assert (tally.rsvp_rate, tally.response_rate) == (0.75, 0.6)
    assert (Tally("x").rsvp_rate, Tally("x").response_rate, Tally("x").dna_rate) == (
        None,
        None,
        None,
    )


def test_adding_tallies_adds_every_count_and_keeps_the_first_label():
    first = Tally("2026-04", 1, 2, 3, 4, 5, 6, 7, 8)
    total = first + Tally("other", 10, 20, 30, 40, 50, 60, 70, 80)
    assert total.label == "2026-04"
    assert counts(total) == (11, 22, 33, 44, 55, 66, 77, 88)


# ---------------------------------------------------------------------------------------------
# By session


def test_each_scheduled_session_with_bookings_gets_its_hand_counted_tally_oldest_first(
    session, timetable
):
    rows = dna_rates.by_session(session, LONDON)
    # S4 is cancelled and the empty MIND2 session has no bookings: neither appears.
    assert [row.session_id for row in rows] == [
        timetable["s1"].id,
        timetable["s2"].id,
        timetable["s3"].id,
        timetable["s5"].id,
    ]
    assert [row.course_code for row in rows] == ["ART1", "ART1", "MIND2", "ART1"]
    # Labels are London wall-clock times: S2 at 23:30 UTC on 31 March is 00:30 BST on 1 April.
    assert [row.tally.label for row in rows] == [
        "ART1 2026-03-10 14:00",
        "ART1 2026-04-01 00:30",
        "MIND2 2026-04-14 10:00",
        "ART1 2026-04-21 14:00",
    ]
    assert [counts(row.tally) for row in rows] == [
        # S1: 7 booked (the removed one left out); answered: 2 coming, can't come, need help;
        # reminded: the two with sent/delivered, undelivered, the missed and the excused one = 5
        # (failed and queued reminders, the follow-up and the notice do not count); of those,
        # 2 coming + can't come = 3 answered.
        (7, 4, 1, 1, 1, 4, 5, 3),
        # S2: answered 2 (both coming); reminded 3; of those 2 answered.
        (4, 2, 2, 0, 0, 2, 3, 2),
        # S3: 3 answered, nobody reminded.
        (7, 5, 2, 0, 0, 3, 0, 0),
        # S5: nobody marked; 1 answered; 1 reminded, who did not answer.
        (2, 0, 0, 0, 2, 1, 1, 0),
    ]


def test_session_rates_are_worked_from_those_counts(session, timetable):
    rates = [
        (row.tally.dna_rate, row.tally.rsvp_rate, row.tally.response_rate)
        for row in dna_rates.by_session(session, LONDON)
    ]
    assert rates == [
        (1 / 5, 4 / 7, 3 / 5),  # S1: 1 of 4 + 1; the excused one is not a DNA
        (2 / 4, 2 / 4, 2 / 3),  # S2
        (2 / 7, 3 / 7, None),  # S3: nobody reminded, so no response rate
        (None, 1 / 2, 0 / 1),  # S5: nobody marked, so no DNA rate rather than 0%
    ]


def test_sessions_can_be_limited_to_one_course_whatever_the_case_of_its_code(session, timetable):
    rows = dna_rates.by_session(session, LONDON, course_code="art1")
    assert [row.session_id for row in rows] == [
        timetable["s1"].id,
        timetable["s2"].id,
        timetable["s5"].id,
    ]


def test_since_is_inclusive_and_until_is_exclusive(session, timetable):
    # Midnight BST on 1 April is 23:00 UTC on 31 March, so S2 (23:30 UTC) is on or after it;
    # `until` at S5's exact start leaves S5 out, as a session not yet run.
    rows = dna_rates.by_session(
        session,
        LONDON,
        since=datetime(2026, 4, 1, 0, 0, tzinfo=LONDON),
        until=timetable["s5"].starts_at,
    )
    assert [row.session_id for row in rows] == [timetable["s2"].id, timetable["s3"].id]


# ---------------------------------------------------------------------------------------------
# By course and by month


def test_by_course_pools_each_courses_sessions(session, timetable):
    art, mind = dna_rates.by_course(dna_rates.by_session(session, LONDON))
    # ART1 = S1 + S2 + S5: booked 7+4+2 = 13, came 4+2 = 6, missed 1+2 = 3, excused 1,
    # unmarked 1+0+2 = 3, answered 4+2+1 = 7, reminded 5+3+1 = 9, reminded and answered 3+2 = 5.
    assert art.label == "ART1"
    assert counts(art) == (13, 6, 3, 1, 3, 7, 9, 5)
    assert (art.dna_rate, art.rsvp_rate, art.response_rate) == (3 / 9, 7 / 13, 5 / 9)
    assert mind.label == "MIND2"
    assert counts(mind) == (7, 5, 2, 0, 0, 3, 0, 0)


def test_months_are_london_months_so_a_half_past_eleven_utc_session_on_31_march_is_april(
    session, timetable
):
    march, april = dna_rates.by_month(dna_rates.by_session(session, LONDON), LONDON)
    # March is S1 alone: 1 missed of 5 marked.
    assert march.label == "2026-03"
    assert counts(march) == (7, 4, 1, 1, 1, 4, 5, 3)
    assert march.dna_rate == 1 / 5
    # April is S2 + S3 + S5: booked 4+7+2 = 13, came 2+5 = 7, missed 2+2 = 4, unmarked 2,
    # answered 2+3+1 = 6, reminded 3+0+1 = 4, reminded and answered 2. DNA 4 of 11.
    # (Counted in UTC months, S2 would have made March 3 of 9 and April 2 of 7.)
    assert april.label == "2026-04"
    assert counts(april) == (13, 7, 4, 0, 2, 6, 4, 2)
    assert (april.dna_rate, april.rsvp_rate, april.response_rate) == (4 / 11, 6 / 13, 2 / 4)


# ---------------------------------------------------------------------------------------------
# The p-chart


def test_the_chart_has_a_point_per_marked_session_sized_attended_plus_missed(session, timetable):
    chart = dna_rates.dna_chart(dna_rates.by_session(session, LONDON))
    # S5 has nobody marked (size 0), so it has no rate and no point.
    assert [(p.label, p.events, p.size) for p in chart.points] == [
        ("ART1 2026-03-10 14:00", 1, 5),
        ("ART1 2026-04-01 00:30", 2, 4),
        ("MIND2 2026-04-14 10:00", 2, 7),
    ]
    assert [p.proportion for p in chart.points] == [1 / 5, 2 / 4, 2 / 7]


def test_the_chart_centre_is_the_pooled_rate_not_the_mean_of_the_session_rates(session, timetable):
    sessions = dna_rates.by_session(session, LONDON)
    chart = dna_rates.dna_chart(sessions)
    # Pooled: (1 + 2 + 2) / (5 + 4 + 7) = 5/16 = 0.3125. The mean of 0.2, 0.5 and 0.2857 would
    # be 0.3286.
    assert chart.centre == 5 / 16
    pooled = sum((s.tally for s in sessions), Tally("all"))
    assert chart.centre == pooled.dna_rate
    # Limits: sigma(n) = sqrt(0.3125 × 0.6875 / n); n=5 → 0.207289, n=4 → 0.231756,
    # n=7 → 0.175191. Upper = 0.3125 + 3 sigma: 0.934367, 1.007769 (cut to 1), 0.838074;
    # every lower limit is below 0 and cut to 0. No point is outside its limits.
    assert [(p.lower, p.upper) for p in chart.points] == [
        pytest.approx((0.0, 0.934367), abs=1e-6),
        pytest.approx((0.0, 1.0), abs=1e-6),
        pytest.approx((0.0, 0.838074), abs=1e-6),
    ]
    assert all(p.signals == () for p in chart.points)
