"""Importing a timetable: local times become UTC, reruns update, DST gaps and folds are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.importing.local_times import LocalTimeError, local_to_utc
from bot.importing.rows import read_table
from bot.importing.sessions import COLUMNS, apply_sessions, check_sessions
from bot.models import (
    AuditEvent,
    Course,
    CourseSession,
    Enrolment,
    ParticipantStatus,
    SessionStatus,
)
from tests.factories import (
    create_course,
    create_course_session,
    create_membership,
    create_participant,
)

LONDON = ZoneInfo("Europe/London")
# A fixed "now" so that which sessions count as future does not depend on the day tests run.
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
HEADER = "course,title,date,start,end,location,online_url,ref\n"


def check(session, settings, tmp_path, text: str):
    path = tmp_path / "timetable.csv"
    path.write_text(text, encoding="utf-8")
    return check_sessions(session, read_table(path, COLUMNS), settings.app)


def run_import(session, settings, tmp_path, text: str):
    checked = check(session, settings, tmp_path, text)
    report = apply_sessions(session, checked, settings, now=NOW)
    session.flush()
    return checked, report


def all_sessions(session) -> list[CourseSession]:
    return session.scalars(select(CourseSession).order_by(CourseSession.starts_at)).all()


def test_a_row_creates_its_course_and_a_session_stored_in_utc(session, settings, tmp_path):
    text = HEADER + (
        "art24,Art together,2026-02-10,10:00,12:00,Room 1,https://meet.example.org/a,T1\n"
        "ART24,,2026-06-10,10:00,12:30,,,T2\n"
    )
    _, report = run_import(session, settings, tmp_path, text)
    course = session.scalar(select(Course))
    winter, summer = all_sessions(session)
    assert report.as_dict() == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    assert (course.code, course.title) == ("ART24", "Art together")
    assert winter.starts_at == datetime(2026, 2, 10, 10, 0, tzinfo=UTC)  # GMT
    assert summer.starts_at == datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # BST is UTC+1
    assert summer.ends_at == datetime(2026, 6, 10, 11, 30, tzinfo=UTC)
    assert (winter.location, winter.online_url, winter.ref) == (
        "Room 1",
        "https://meet.example.org/a",
        "T1",
    )
    assert (summer.location, summer.ref, summer.course_id) == (None, "T2", course.id)


def test_a_new_course_takes_its_title_from_whichever_of_its_rows_gives_one(
    session, settings, tmp_path
):
    text = HEADER + "NEW1,,2026-02-10,10:00,11:00,,,\nNEW1,Gardening,2026-02-17,10:00,11:00,,,\n"
    checked, _ = run_import(session, settings, tmp_path, text)
    assert checked.errors == []
    assert session.scalars(select(Course.title)).all() == ["Gardening"]


def test_an_existing_course_needs_no_title_and_keeps_its_own(session, settings, tmp_path):
    create_course(session, code="ART24", title="Art together")
    text = HEADER + "art24,Renamed,2026-02-10,10:00,11:00,,,\nART24,,2026-02-17,10:00,11:00,,,\n"
    checked, _ = run_import(session, settings, tmp_path, text)
    assert checked.errors == []
    assert session.scalars(select(Course.title)).all() == ["Art together"]
    assert len(all_sessions(session)) == 2


def test_importing_the_same_timetable_twice_creates_no_duplicates(session, settings, tmp_path):
    text = HEADER + (
        "ART24,Art,2026-02-10,10:00,12:00,Room 1,,T1\nART24,,2026-02-17,10:00,12:00,Room 1,,\n"
    )
    run_import(session, settings, tmp_path, text)
    _, report = run_import(session, settings, tmp_path, text)
    assert report.as_dict() == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 0}
    assert session.scalar(select(func.count()).select_from(CourseSession)) == 2
    assert session.scalar(select(func.count()).select_from(Course)) == 1


def test_a_ref_keeps_a_session_the_same_one_when_its_time_and_place_change(
    session, settings, tmp_path
):
    run_import(session, settings, tmp_path, HEADER + "ART24,Art,2026-02-10,10:00,12:00,Hall,,T1\n")
    first = all_sessions(session)[0].id
    moved = HEADER + "ART24,,2026-02-11,14:00,15:00,Room 2,https://x.example.org/,T1\n"
    _, report = run_import(session, settings, tmp_path, moved)
    (only,) = all_sessions(session)
    assert (report.updated, report.created) == (1, 0)
    assert only.id == first
    assert (only.starts_at, only.ends_at) == (
        datetime(2026, 2, 11, 14, 0, tzinfo=UTC),
        datetime(2026, 2, 11, 15, 0, tzinfo=UTC),
    )
    assert (only.location, only.online_url) == ("Room 2", "https://x.example.org/")


def test_without_a_ref_the_start_time_is_the_key(session, settings, tmp_path):
    run_import(session, settings, tmp_path, HEADER + "ART24,Art,2026-02-10,10:00,12:00,Hall,,\n")
    later_end = HEADER + "ART24,,2026-02-10,10:00,13:00,,,\n"
    _, report = run_import(session, settings, tmp_path, later_end)
    (only,) = all_sessions(session)
    assert report.updated == 1
    assert only.ends_at == datetime(2026, 2, 10, 13, 0, tzinfo=UTC)
    assert only.location == "Hall"  # an empty cell leaves the stored value alone


def test_a_new_future_session_books_every_member_of_its_course(session, settings, tmp_path):
    course = create_course(session, code="ART24")
    ann, bob, gone = (create_participant(session) for _ in range(3))
    gone.status = ParticipantStatus.ERASED
    for person in (ann, bob, gone):
        create_membership(session, course, person)
    create_membership(session, participant=create_participant(session))  # another course
    text = HEADER + "ART24,,2026-02-10,10:00,12:00,,,\nART24,,2025-12-01,10:00,12:00,,,\n"
    run_import(session, settings, tmp_path, text)
    past, future = all_sessions(session)
    booked = session.scalars(select(Enrolment).order_by(Enrolment.participant_id)).all()
    assert [(e.session_id, e.participant_id) for e in booked] == [
        (future.id, ann.id),
        (future.id, bob.id),
    ]
    assert past.starts_at < NOW


def test_rerunning_does_not_book_members_twice(session, settings, tmp_path):
    course = create_course(session, code="ART24")
    create_membership(session, course)
    text = HEADER + "ART24,,2026-02-10,10:00,12:00,,,\n"
    run_import(session, settings, tmp_path, text)
    run_import(session, settings, tmp_path, text)
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 1


def test_a_time_in_the_spring_forward_gap_is_a_bad_row_that_says_so(session, settings, tmp_path):
    checked = check(session, settings, tmp_path, HEADER + "ART24,Art,2026-03-29,01:30,03:00,,,\n")
    assert [str(e) for e in checked.errors] == [
        "line 2: start: 01:30 on 2026-03-29 does not exist in Europe/London: "
        "the clocks go forward then"
    ]


def test_a_time_in_the_autumn_fold_is_a_bad_row_that_says_so(session, settings, tmp_path):
    checked = check(session, settings, tmp_path, HEADER + "ART24,Art,2026-10-25,00:30,01:15,,,\n")
    assert [str(e) for e in checked.errors] == [
        "line 2: end: 01:15 on 2026-10-25 happens twice in Europe/London: "
        "the clocks go back then, so it is ambiguous"
    ]


def test_times_either_side_of_a_clock_change_convert_exactly():
    assert local_to_utc(date(2026, 3, 29), time(0, 59), LONDON) == datetime(
        2026, 3, 29, 0, 59, tzinfo=UTC
    )
    assert local_to_utc(date(2026, 3, 29), time(3, 0), LONDON) == datetime(
        2026, 3, 29, 2, 0, tzinfo=UTC
    )
    assert local_to_utc(date(2026, 10, 25), time(2, 0), LONDON) == datetime(
        2026, 10, 25, 2, 0, tzinfo=UTC
    )
    with pytest.raises(LocalTimeError, match="does not exist"):
        local_to_utc(date(2026, 3, 29), time(1, 0), LONDON)
    with pytest.raises(LocalTimeError, match="happens twice"):
        local_to_utc(date(2026, 10, 25), time(1, 0), LONDON)


def test_every_bad_row_is_listed_with_its_line_number_and_nothing_is_guessed(
    session, settings, tmp_path
):
    create_course(session, code="ART24")
    text = HEADER + (
        "ART24,,2026-02-10,10:00,12:00,,,A\n"  # 2: good
        "ART 24,,2026-02-10,10:00,12:00,,,\n"  # 3: a code with a space
        "ART24,,10/02/2026,10:00,12:00,,,\n"  # 4: not YYYY-MM-DD
        "ART24,,2026-02-30,25:00,12:60,,,\n"  # 5: no such date or times
        "ART24,,2026-02-11,12:00,12:00,,,\n"  # 6: ends when it starts
        "ART24,,2026-02-12,10:00,11:00,,ftp://files.example.org,\n"  # 7: not a web address
        "NOPE,,2026-02-12,10:00,11:00,,,\n"  # 8: new course, no title anywhere
        "ART24,,2026-02-13,10:00,11:00,,,A\n"  # 9: the same ref as line 2
        "ART24,,2026-02-14,10:00,11:00," + "x" * 201 + ",,\n"  # 10: location too long
    )
    checked = check(session, settings, tmp_path, text)
    assert [str(e) for e in checked.errors] == [
        "line 3: the course code must be 1 to 20 letters, digits, - or _",
        "line 4: the date must be a real date written YYYY-MM-DD, like 2026-03-29",
        "line 5: the date must be a real date written YYYY-MM-DD, like 2026-03-29; "
        "start must be a time written HH:MM, like 09:30; "
        "end must be a time written HH:MM, like 09:30",
        "line 6: end must be after start (a session cannot run past midnight)",
        "line 7: online_url must be a web address starting with http:// or https://",
        "line 8: there is no course NOPE yet, so the row needs a title",
        "line 9: the same session as line 2",
        "line 10: location is longer than 200 characters",
    ]
    assert [row.line for row in checked.rows] == [2]


def test_the_same_start_time_twice_without_a_ref_is_bad_on_the_second_row(
    session, settings, tmp_path
):
    text = HEADER + "ART24,Art,2026-02-10,10:00,12:00,,,\nart24,,2026-02-10,10:00,11:00,,,\n"
    checked = check(session, settings, tmp_path, text)
    assert [str(e) for e in checked.errors] == ["line 3: the same session as line 2"]


def test_a_cancelled_session_stays_cancelled_when_its_row_is_imported_again(
    session, settings, tmp_path
):
    course = create_course(session, code="ART24")
    create_course_session(
        session,
        course,
        starts_at=datetime(2026, 2, 10, 10, 0, tzinfo=UTC),
        status=SessionStatus.CANCELLED,
        ref="T1",
    )
    _, report = run_import(
        session, settings, tmp_path, HEADER + "ART24,,2026-02-10,10:00,12:00,,,T1\n"
    )
    assert report.unchanged == 1
    assert all_sessions(session)[0].status is SessionStatus.CANCELLED


def test_the_import_is_audited_with_counts_only(session, settings, tmp_path):
    text = HEADER + "ART24,Art,2026-02-10,10:00,12:00,,,\nART24,,bad,10:00,12:00,,,\n"
    run_import(session, settings, tmp_path, text)
    event = session.scalar(select(AuditEvent))
    assert event.action == "import.sessions"
    assert event.detail == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}


def test_a_progress_callback_is_called_once_per_imported_row(session, settings, tmp_path):
    text = HEADER + "ART24,Art,2026-02-10,10:00,12:00,,,\nART24,,2026-02-11,10:00,12:00,,,\n"
    ticks = []
    checked = check(session, settings, tmp_path, text)
    apply_sessions(session, checked, settings, on_row=lambda: ticks.append(1), now=NOW)
    assert len(ticks) == 2
