"""Reminders at scale: one "fire due reminders" pass, and a course reschedule.

python -m bench.reminders [--backend sqlite|postgresql] [--enrolments 100000]

Seeds `--enrolments` bookings: 20 people a session, sessions spread evenly over three months
from "now" and over each day from 09:00 (5,000 sessions: 56 a day), everyone reachable
(active, agreed to reminders, an SMS address). On PostgreSQL the tables are then ANALYZEd, as
autovacuum would have done long before a real database held this much. Then:

- fire pass: one pass of the producer the worker runs every 30 s, at three moments:
  idle (nothing due), one session's reminders due (20 bookings), the on-the-day reminders due
  by 08:30, and 10:00 when every session of the next day has its day-before reminder due (a
  pass takes at most ROWS_PER_PASS sessions; the rest go in the next passes). The baseline is
  the same idle and one-session passes over a database with 1% of the bookings, measured in
  the same run: a ratio near 1 shows the pass follows what is due, not the size of the table.
  Each pass runs in a transaction that is rolled back, so every repeat does the same work.
- reschedule: move every session of a course with `--course-bookings` bookings by an hour
  (re-time reminders, withdraw queued ones, tell everyone booked), against a bare Core insert
  of the very notice rows the move queued, ready-made.
- query plan: what the database says it does for the due-row query.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text
from sqlalchemy.orm import selectinload

from bench.servers import database
from bot.db import make_engine, make_session_factory, transaction
from bot.models import (
    Address,
    Channel,
    Consent,
    ConsentPurpose,
    Course,
    CourseSession,
    Enrolment,
    Message,
    Participant,
    ParticipantStatus,
    ReminderTime,
)
from bot.reminders.firing import fire_due_reminders
from bot.reminders.plan import moments, plan_for
from bot.reminders.session_changes import move_session
from bot.settings import DatabaseSettings, Settings

ZONE = ZoneInfo("Europe/London")
# 08:00 UTC on a Monday in winter: 08:00 local.
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
PER_SESSION = 20
# Sessions start from 09:00 local, spread evenly to 20:00, the same number each day.
FIRST_START, OPEN_MINUTES = 9 * 60, 11 * 60
REPEATS = 7


def seed(sessions, settings: Settings, enrolments: int, *, course_bookings: int = 0) -> None:
    """Bookings over 90 days from NOW, plus one course holding `course_bookings` bookings."""
    session_count = max(1, enrolments // PER_SESSION)
    # Enough people that no session books anyone twice (1,000 a session on the moving course).
    people = max(PER_SESSION, enrolments // 5, 1000 if course_bookings else 0)
    with transaction(sessions) as session:
        session.execute(
            insert(Participant),
            [
                {"pseudonym": f"V-R{n:07d}", "language": "en", "status": ParticipantStatus.ACTIVE}
                for n in range(people)
            ],
        )
        ids = list(session.scalars(select(Participant.id).order_by(Participant.id)))
        session.execute(
            insert(Address),
            [
                {"participant_id": pid, "channel": Channel.SMS, "value": f"+447911{n:06d}"}
                for n, pid in enumerate(ids)
            ],
        )
        session.execute(
            insert(Consent),
            [
                {
                    "participant_id": pid,
                    "purpose": ConsentPurpose.REMINDERS,
                    "granted": True,
                    "wording_version": "en:2026-11",
                    "recorded_at": NOW - timedelta(days=30),
                }
                for pid in ids
            ],
        )
        course = Course(code="BIG", title="Wellbeing and recovery", location="Room 2")
        session.add(course)
        session.flush()
        _sessions_and_bookings(session, settings, course.id, session_count, ids, 0)
        if course_bookings:
            moving = Course(code="MOVE", title="Moving on", location="Room 3")
            session.add(moving)
            session.flush()
            _sessions_and_bookings(
                session, settings, moving.id, course_bookings // 1000, ids, 1000, days=10
            )


def _sessions_and_bookings(session, settings, course_id, count, ids, size=0, days=90) -> None:
    size = size or PER_SESSION
    first = NOW.astimezone(ZONE).date()
    per_day = -(-count // days)
    gap = OPEN_MINUTES // per_day
    rows = []
    for n in range(count):
        day = first + timedelta(days=n // per_day)
        minutes = FIRST_START + (n % per_day) * gap
        local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=ZONE)
        starts = local.astimezone(UTC)
        rows.append(
            {"course_id": course_id, "starts_at": starts, "ends_at": starts + timedelta(hours=2)}
        )
    session.execute(insert(CourseSession), rows)
    made = session.execute(
        select(CourseSession.id, CourseSession.starts_at)
        .where(CourseSession.course_id == course_id)
        .order_by(CourseSession.id)
    ).all()
    course = session.get(Course, course_id)
    plan = plan_for(course, settings.reminders)
    session.execute(
        insert(ReminderTime),
        [
            {"session_id": sid, "kind": kind, "due_at": moment.due_at, "fired": moment.due_at < NOW}
            for sid, starts in made
            for kind, moment in moments(plan, starts, ZONE).items()
        ],
    )
    bookings = [
        {"session_id": sid, "participant_id": ids[(n * size + k) % len(ids)]}
        for n, (sid, _) in enumerate(made)
        for k in range(size)
    ]
    for start in range(0, len(bookings), 20_000):
        session.execute(insert(Enrolment), bookings[start : start + 20_000])


def analyze(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()


def time_pass(sessions, settings: Settings, now: datetime) -> dict:
    times, queued = [], 0
    for _ in range(REPEATS):
        with sessions() as session:
            started = time.perf_counter()
            queued = fire_due_reminders(session, settings, now)
            times.append((time.perf_counter() - started) * 1000)
            session.rollback()
    return {
        "queued": queued,
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
    }


MOMENTS = {
    "idle": NOW + timedelta(minutes=1),
    # Sessions starting by 10:30 today have their on-the-day reminders due by 08:30.
    "on_the_day": NOW + timedelta(minutes=30),
    # 10:00 local: the day-before reminder of every session tomorrow (and the 14:00's
    # on-the-day one, due 12:00, not yet).
    "ten_am_peak": NOW + timedelta(hours=2),
}


def fire_passes(url: str, settings: Settings, enrolments: int) -> dict:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    seed(sessions, settings, enrolments)
    analyze(engine)
    with sessions() as session:
        # The same work in the small and large databases: the first session's reminder due.
        first_due = session.scalar(
            select(ReminderTime.due_at)
            .where(ReminderTime.fired.is_(False))
            .order_by(ReminderTime.due_at)
            .limit(1)
        )
    moments_here = {**MOMENTS, "one_session": first_due}
    result = {name: time_pass(sessions, settings, at) for name, at in moments_here.items()}
    result["plan"] = query_plan(engine)
    engine.dispose()
    return result


def query_plan(engine) -> str:
    sql = (
        "SELECT id FROM reminder_times WHERE fired = false AND due_at <= :now "
        "ORDER BY due_at, id LIMIT 50"
    )
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        rows = conn.execute(text(explain + sql), {"now": MOMENTS["ten_am_peak"]}).all()
    return " | ".join(str(row[-1]) for row in rows)


def reschedule(url: str, settings: Settings, bookings: int) -> dict:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    seed(sessions, settings, PER_SESSION, course_bookings=bookings)
    analyze(engine)
    times, told = [], 0
    for _ in range(3):
        with sessions() as session:
            moving = session.scalars(
                select(CourseSession)
                .join(Course)
                .where(Course.code == "MOVE")
                .options(selectinload(CourseSession.course))
            ).all()
            started = time.perf_counter()
            told = sum(
                move_session(
                    session,
                    s,
                    s.starts_at + timedelta(hours=1),
                    s.ends_at + timedelta(hours=1),
                    settings,
                    NOW,
                )
                for s in moving
            )
            session.flush()
            times.append(time.perf_counter() - started)
            session.rollback()
    baseline = []
    for _ in range(3):
        with sessions() as session:
            # The unavoidable write: the very rows the move queued, inserted ready-made.
            moving = session.scalars(
                select(CourseSession).join(Course).where(Course.code == "MOVE")
            ).all()
            for s in moving:
                move_session(
                    session,
                    s,
                    s.starts_at + timedelta(hours=1),
                    s.ends_at + timedelta(hours=1),
                    settings,
                    NOW,
                )
            session.flush()
            columns = [c for c in Message.__table__.columns if c.name != "id"]
            rows = [
                {c.name: getattr(m, c.key) for c in columns} | {"send_key": f"bench:{m.id}"}
                for m in session.scalars(select(Message).where(Message.kind == "session_notice"))
            ]
            started = time.perf_counter()
            session.connection().execute(insert(Message.__table__), rows)
            baseline.append(time.perf_counter() - started)
            session.rollback()
    engine.dispose()
    ours, bare = statistics.median(times), statistics.median(baseline)
    return {
        "bookings": bookings,
        "told": told,
        "median_s": ours,
        "min_s": min(times),
        "max_s": max(times),
        "bare_insert_s": bare,
        "ratio_to_bare_insert": ours / bare if bare else None,
    }


def run(args) -> dict:
    settings = Settings()
    result: dict = {"backend": args.backend, "enrolments": args.enrolments}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for label, count in (("small", args.enrolments // 100), ("large", args.enrolments)):
            folder = tmp_path / label
            folder.mkdir()
            with database(args.backend, folder) as url:
                result[label] = fire_passes(url, _with(settings, url), count)
        for name in ("idle", "one_session"):
            small, large = result["small"][name], result["large"][name]
            result[f"{name}_ratio_large_to_small"] = large["median_ms"] / small["median_ms"]
        folder = tmp_path / "move"
        folder.mkdir()
        with database(args.backend, folder) as url:
            result["reschedule"] = reschedule(url, _with(settings, url), args.course_bookings)
    return result


def _with(settings: Settings, url: str) -> Settings:
    return Settings(database=DatabaseSettings(url=url), reminders=settings.reminders)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--course-bookings", type=int, default=10_000)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
