"""The demo's seed and its "now" control, on SQLite and PostgreSQL, with the clock held still
across the autumn clock change: the seed gives the DNA chart a history and leaves a reminder
and a survey to come; the control makes exactly the next reminders, and planned surveys, due
now and fires them through the worker's own pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from bot.demo_clock import fire_now
from bot.demo_seed import PEOPLE, seed
from bot.models import (
    Answer,
    Attendance,
    Channel,
    Course,
    CourseSession,
    Direction,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    ReminderKind,
    ReminderTime,
    RunKind,
    SurveyRun,
    SurveyRunStatus,
)
from bot.time_windows import TimeWindow

LONDON = ZoneInfo("Europe/London")
# Saturday 24 October 2026, 08:00 in London: tomorrow's session is on the day the clocks go
# back, so the seed must place it at 14:00 GMT, not 14:00 BST.
NOW = datetime(2026, 10, 24, 7, 0, tzinfo=UTC)


@pytest.fixture
def demo(session, settings):
    demo_settings = replace(
        settings, app=replace(settings.app, send_window=TimeWindow.parse("always"))
    )
    with time_machine.travel(NOW, tick=False):
        seed(session, demo_settings, NOW)
    return demo_settings


def test_the_seed_makes_eight_people_on_every_channel_and_language_one_easy_read(session, demo):
    people = session.scalars(select(Participant).order_by(Participant.id)).all()
    assert [p.display_name for p in people] == [who.name for who in PEOPLE]
    channels = {a.channel for p in people for a in p.addresses}
    assert channels == {Channel.SMS, Channel.WHATSAPP, Channel.TELEGRAM}
    assert {p.language for p in people} == {"en", "pl"}
    assert sum(p.easy_read for p in people) == 1


def test_the_seed_gives_the_dna_chart_eight_past_sessions_and_books_tomorrow_and_next_week(
    session, demo
):
    course = session.scalars(select(Course)).one()
    starts = sorted(session.scalars(select(CourseSession.starts_at)))
    assert len(starts) == 10
    assert [s.astimezone(LONDON).hour for s in starts] == [14] * 10
    tomorrow, next_week = starts[-2:]
    assert tomorrow.astimezone(LONDON).date() == NOW.astimezone(LONDON).date() + timedelta(days=1)
    assert tomorrow == datetime(2026, 10, 25, 14, 0, tzinfo=UTC)  # GMT again by then
    assert next_week - tomorrow == timedelta(days=7)
    marked = session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.attendance != Attendance.UNKNOWN)
    )
    assert marked == 8 * 8
    missed = session.execute(
        select(CourseSession.starts_at, func.count(Enrolment.id))
        .join(Enrolment, Enrolment.session_id == CourseSession.id)
        .where(Enrolment.attendance == Attendance.MISSED, CourseSession.course_id == course.id)
        .group_by(CourseSession.starts_at)
        .order_by(CourseSession.starts_at)
    ).all()
    # Half missed at first; a quarter or less once reminders began.
    assert [n for _, n in missed] == [4, 4, 3, 3, 2, 2, 1, 2]
    booked = session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .join(CourseSession, CourseSession.id == Enrolment.session_id)
        .where(CourseSession.starts_at > NOW)
    )
    assert booked == 8 * 2


def test_the_seeded_answers_went_through_the_engine_and_nothing_old_is_left_to_send(session, demo):
    by_run = dict(
        session.execute(
            select(SurveyRun.kind, func.count(Answer.id))
            .join(Answer, Answer.run_id == SurveyRun.id)
            .group_by(SurveyRun.kind)
        ).all()
    )
    assert by_run == {RunKind.SURVEY: 24, RunKind.ASK: 5}
    # Parsed as a real reply would be: Polish "tak" is yes, SKIP is skipped.
    parsed = set(session.scalars(select(Answer.parsed_value).where(Answer.raw_text == "tak")))
    assert parsed == {"yes"}
    outbound = set(
        session.scalars(select(Message.status).where(Message.direction == Direction.OUTBOUND))
    )
    assert outbound == {MessageStatus.DELIVERED}
    planned = session.scalars(
        select(SurveyRun).where(SurveyRun.status == SurveyRunStatus.SCHEDULED)
    )
    assert [run.starts_at for run in planned] == [NOW + timedelta(days=1)]


def test_the_control_makes_only_the_soonest_reminders_due_now_and_fires_them(session, demo):
    later = NOW + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        done = fire_now(session, demo, later, reminders=True, surveys=False)
        session.commit()
    # 08:05 the day before: the day-before reminder (due 10:00) is the soonest.
    assert (done.reminders, done.surveys) == (1, 0)
    fired = session.execute(
        select(ReminderTime.kind, ReminderTime.fired).order_by(ReminderTime.due_at)
    ).all()
    assert fired[0] == (ReminderKind.DAY_BEFORE, True)
    assert [f for _, f in fired[1:]] == [False, False, False]
    assert done.queued == 8
    reminders = session.scalars(select(Message.body).where(Message.kind == "reminder")).all()
    assert len(reminders) == 8
    assert all("tomorrow" in body or "jutro" in body for body in reminders)


def test_pressing_the_control_again_brings_the_on_the_day_reminder(session, demo):
    later = NOW + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        fire_now(session, demo, later, reminders=True, surveys=False)
        again = fire_now(session, demo, later, reminders=True, surveys=False)
        session.commit()
    assert again.reminders == 1
    kinds = session.scalars(
        select(ReminderTime.kind).where(ReminderTime.fired.is_(True)).order_by(ReminderTime.id)
    ).all()
    assert sorted(kinds) == sorted([ReminderKind.DAY_BEFORE, ReminderKind.ON_THE_DAY])


def test_the_control_starts_planned_surveys_now(session, demo):
    later = NOW + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        done = fire_now(session, demo, later, reminders=False, surveys=True)
        session.commit()
    assert (done.reminders, done.surveys) == (0, 1)
    run = session.scalars(select(SurveyRun).where(SurveyRun.starts_at == later)).one()
    assert run.status is SurveyRunStatus.RUNNING
    asked = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.kind == "survey", Message.status == MessageStatus.QUEUED)
    )
    assert asked > 0
