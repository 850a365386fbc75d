"""`voices attendance mark`, `voices attendance report` and `voices import attendance`, run as
the real `voices` command on a migrated database.

The register is for ART1 on Tuesday 24 November 2026 at 2:30pm GMT; staff mark it at 5pm, so a
missed mark still queues its follow-up (stale from noon on the Wednesday)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.attendance import FOLLOW_UP_KIND
from bot.models import (
    Attendance,
    AuditEvent,
    Consent,
    ConsentPurpose,
    Course,
    CourseSession,
    Enrolment,
    Flag,
    FlagKind,
    Message,
    MessageStatus,
    Participant,
    Rsvp,
    SessionStatus,
)
from tests.factories import (
    create_address,
    create_course,
    create_course_session,
    create_enrolment,
    create_participant,
)
from voices.cli import cli


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


START = utc(2026, 11, 24, 14, 30)  # Tuesday 24 November 2026, 2:30pm GMT
MARKED_AT = utc(2026, 11, 24, 17, 0)
_numbers = itertools.count(1)


def run(config: Path, *args: str, at: datetime = MARKED_AT):
    with time_machine.travel(at, tick=False):
        return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def mark_register(config: Path, *args: str, course: str = "ART1", day: str = "2026-11-24"):
    return run(config, "attendance", "mark", course, day, *args)


def spaced(line: str) -> str:
    """A line of a table with each run of spaces made one, to compare its cells."""
    return " ".join(line.split())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    return path


def person(db: Session, pseudonym: str, name: str | None = None) -> Participant:
    """Someone we may send reminders to, by SMS."""
    participant = create_participant(db, pseudonym=pseudonym, display_name=name)
    create_address(db, participant, value=f"+4479113{next(_numbers):05d}")
    db.add(
        Consent(
            participant_id=participant.id,
            purpose=ConsentPurpose.REMINDERS,
            granted=True,
            wording_version="en:2026-11",
            recorded_at=utc(2026, 9, 1, 9, 0),
        )
    )
    db.flush()
    return participant


@pytest.fixture
def art(db) -> Course:
    return create_course(db, code="ART1", title="Art for wellbeing")


@pytest.fixture
def register(db, art) -> CourseSession:
    """The afternoon session, with four people booked and one taken off."""
    course_session = create_course_session(db, art, starts_at=START)
    for pseudonym, name, rsvp in [
        ("V-7KQ2", "Ann", Rsvp.COMING),
        ("V-3MRT", "Bob", Rsvp.NONE),
        ("V-9PLX", None, Rsvp.CANT_COME),
        ("V-4HWD", "Dee", Rsvp.NONE),
    ]:
        create_enrolment(db, course_session, person(db, pseudonym, name), rsvp=rsvp)
    create_enrolment(db, course_session, person(db, "V-6GONE"), removed_at=utc(2026, 11, 1, 9, 0))
    db.commit()
    return course_session


def marks(db: Session, course_session: CourseSession) -> dict[str, Attendance]:
    db.rollback()  # see what the CLI committed since this session last looked
    rows = db.execute(
        select(Participant.pseudonym, Enrolment.attendance)
        .join(Enrolment, Enrolment.participant_id == Participant.id)
        .where(Enrolment.session_id == course_session.id)
    )
    return {pseudonym: attendance for pseudonym, attendance in rows}


def count(db: Session, model, *where) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model).where(*where))


def listing(output: str) -> list[list[str]]:
    """The lines after the first, split into words."""
    return [line.split() for line in output.splitlines()[1:]]


UNMARKED = {
    "V-7KQ2": Attendance.UNKNOWN,
    "V-3MRT": Attendance.UNKNOWN,
    "V-9PLX": Attendance.UNKNOWN,
    "V-4HWD": Attendance.UNKNOWN,
    "V-6GONE": Attendance.UNKNOWN,
}


# ---------------------------------------------------------------------------------------------
# voices attendance mark


def test_marking_by_pseudonym_ignores_case_and_lists_the_session_afterwards(config, db, register):
    result = mark_register(config, "--attended", "v-7kq2", "--missed", "V-3mrt", course="art1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "ART1 2026-11-24 14:30: 2 marked, 2 changed."
    assert listing(result.stdout) == [
        ["V-3MRT", "missed", "rsvp", "none", "Bob"],
        ["V-4HWD", "unknown", "rsvp", "none", "Dee"],
        ["V-7KQ2", "attended", "rsvp", "coming", "Ann"],
        ["V-9PLX", "unknown", "rsvp", "cant_come"],
    ]
    assert marks(db, register) == UNMARKED | {
        "V-7KQ2": Attendance.ATTENDED,
        "V-3MRT": Attendance.MISSED,
    }
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.mark"))
    assert audit.detail == {"session": register.id, "changed": 2}


def test_a_missed_mark_from_the_command_line_gives_staff_a_task_and_queues_the_follow_up(
    config, db, register
):
    result = mark_register(config, "--missed", "V-3MRT")
    assert result.exit_code == 0, result.output
    db.rollback()
    missed = db.scalar(
        select(Enrolment)
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(Participant.pseudonym == "V-3MRT")
    )
    flag = db.scalar(select(Flag))
    assert (flag.kind, flag.enrolment_id) == (FlagKind.MISSED_SESSION, missed.id)
    (message,) = db.scalars(select(Message).where(Message.kind == FOLLOW_UP_KIND)).all()
    assert message.send_key == f"missed:{missed.id}"
    assert message.status is MessageStatus.QUEUED
    assert message.body.startswith("We missed you at Art for wellbeing on Tuesday 24 November.")
    assert message.not_after == utc(2026, 11, 25, 12, 0)


def test_rest_marks_only_the_people_not_yet_marked_and_leaves_removed_bookings_alone(
    config, db, register
):
    first = mark_register(config, "--excused", "V-9PLX")
    assert first.exit_code == 0, first.output
    result = mark_register(config, "--missed", "V-4HWD", "--rest", "attended")
    assert result.exit_code == 0, result.output
    # V-4HWD named, V-7KQ2 and V-3MRT unmarked: three marked. V-9PLX was excused already.
    assert result.stdout.splitlines()[0] == "ART1 2026-11-24 14:30: 3 marked, 3 changed."
    assert marks(db, register) == {
        "V-7KQ2": Attendance.ATTENDED,
        "V-3MRT": Attendance.ATTENDED,
        "V-9PLX": Attendance.EXCUSED,
        "V-4HWD": Attendance.MISSED,
        "V-6GONE": Attendance.UNKNOWN,
    }
    again = mark_register(config, "--rest", "missed")
    assert again.stdout.splitlines()[0] == "ART1 2026-11-24 14:30: 0 marked, 0 changed."
    assert count(db, Flag) == 1


@pytest.mark.parametrize("stranger", ["V-NOPE", "V-6GONE"], ids=["unknown", "taken-off"])
def test_a_pseudonym_not_booked_on_the_session_is_a_clear_error_and_marks_nobody(
    config, db, register, stranger
):
    result = mark_register(config, "--attended", "V-7KQ2", "--missed", stranger)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {stranger} is not booked on that session\n"
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert marks(db, register) == UNMARKED
    assert count(db, Flag) == 0
    assert count(db, AuditEvent) == 0


def test_with_no_marks_the_command_lists_who_is_booked_and_changes_nothing(config, db, register):
    result = mark_register(config)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "ART1 2026-11-24 14:30: 0 marked, 0 changed."
    assert [words[0] for words in listing(result.stdout)] == [
        "V-3MRT",
        "V-4HWD",
        "V-7KQ2",
        "V-9PLX",
    ]
    assert "V-6GONE" not in result.stdout
    assert count(db, AuditEvent) == 0


def test_a_course_meeting_twice_that_day_needs_the_start_and_a_day_without_one_is_named(
    config, db, register, art
):
    morning = create_course_session(db, art, starts_at=utc(2026, 11, 24, 10, 0))
    create_enrolment(db, morning, person(db, "V-2MRN"))
    db.commit()
    twice = mark_register(config, "--attended", "V-2MRN")
    assert twice.exit_code == 1
    assert twice.stderr == (
        "Error: course ART1 meets more than once on 2026-11-24 (10:00, 14:30): give the start\n"
    )
    none = mark_register(config, day="2026-11-25")
    assert none.exit_code == 1
    assert none.stderr == "Error: course ART1 has no session on 2026-11-25\n"
    chosen = mark_register(config, "--start", "10:00", "--attended", "V-2MRN")
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stdout.splitlines()[0] == "ART1 2026-11-24 10:00: 1 marked, 1 changed."
    assert marks(db, morning) == {"V-2MRN": Attendance.ATTENDED}
    assert marks(db, register) == UNMARKED


# ---------------------------------------------------------------------------------------------
# voices import attendance

GOOD = (
    "course,date,participant,attendance\n"
    "art1,2026-11-24,v-7kq2,Present\n"
    "ART1,2026-11-24,V-3MRT,DNA\n"
    "ART1,2026-11-24,V-9PLX,sent apologies\n"
    "ART1,2026-11-24,V-4HWD,Did  not attend\n"
)


def test_importing_a_register_marks_everyone_in_it_and_a_second_run_changes_nothing(
    config, db, register, tmp_path
):
    path = write(tmp_path, GOOD)
    first = run(config, "import", "attendance", str(path))
    assert first.exit_code == 0, first.output
    assert first.stdout == "Attendance marks: 0 created, 4 updated, 0 unchanged, 0 skipped.\n"
    assert marks(db, register) == {
        "V-7KQ2": Attendance.ATTENDED,
        "V-3MRT": Attendance.MISSED,
        "V-9PLX": Attendance.EXCUSED,
        "V-4HWD": Attendance.MISSED,
        "V-6GONE": Attendance.UNKNOWN,
    }
    assert count(db, Flag, Flag.kind == FlagKind.MISSED_SESSION) == 2
    assert count(db, Message, Message.kind == FOLLOW_UP_KIND) == 2
    second = run(config, "import", "attendance", str(path))
    assert second.stdout == "Attendance marks: 0 created, 0 updated, 4 unchanged, 0 skipped.\n"
    assert count(db, Flag) == 2
    details = db.scalars(
        select(AuditEvent.detail)
        .where(AuditEvent.action == "import.attendance")
        .order_by(AuditEvent.id)
    ).all()
    assert [(d["updated"], d["unchanged"]) for d in details] == [(4, 0), (0, 4)]


BAD = (
    "course,date,start,participant,attendance\n"
    "ART1,2026-11-24,14:30,V-7KQ2,present\n"
    "ART1,2026-11-24,14:30,V-3MRT,maybe\n"
    "ART1,2026-11-24,14:30,V-NOPE,absent\n"
    "ART1,2026-11-24,,V-9PLX,absent\n"
    "ART1,2026-11-25,,V-9PLX,absent\n"
    "ART1,2026-11-24,14:30,v-7kq2,absent\n"
)
BAD_LINES = [
    "line 3: attendance: write attended, missed, excused or unknown",
    "line 4: V-NOPE is not booked on that session",
    "line 5: course ART1 meets more than once on 2026-11-24 (10:00, 14:30): give the start",
    "line 6: course ART1 has no session on 2026-11-25",
    "line 7: the same person and session as line 2",
]


@pytest.fixture
def morning(db, art, register) -> CourseSession:
    """A second ART1 session the same day, at 10am."""
    course_session = create_course_session(db, art, starts_at=utc(2026, 11, 24, 10, 0))
    create_enrolment(db, course_session, person(db, "V-2MRN"))
    db.commit()
    return course_session


def test_a_register_with_bad_rows_imports_nothing_and_names_every_bad_line(
    config, db, register, morning, tmp_path
):
    result = run(config, "import", "attendance", str(write(tmp_path, BAD)))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:5] == BAD_LINES
    assert "Error: nothing was imported: 5 of 6 rows have problems (listed above)." in (
        result.stderr
    )
    assert result.stdout == ""
    assert marks(db, register) == UNMARKED
    assert count(db, Flag) == 0
    assert count(db, AuditEvent) == 0


def test_skip_bad_rows_imports_the_good_row_and_still_names_the_bad_ones(
    config, db, register, morning, tmp_path
):
    path = write(tmp_path, BAD)
    result = run(config, "import", "attendance", str(path), "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:5] == BAD_LINES
    assert result.stdout == "Attendance marks: 0 created, 1 updated, 0 unchanged, 5 skipped.\n"
    assert marks(db, register) == UNMARKED | {"V-7KQ2": Attendance.ATTENDED}
    assert marks(db, morning) == {"V-2MRN": Attendance.UNKNOWN}


def test_the_date_in_a_register_is_the_london_date_of_the_session(config, db, art, tmp_path):
    # 23:30 UTC on Tuesday 31 March 2026 is 00:30 BST on Wednesday 1 April.
    late = create_course_session(db, art, starts_at=utc(2026, 3, 31, 23, 30))
    create_enrolment(db, late, person(db, "V-8NITE"))
    db.commit()
    after = utc(2026, 4, 1, 8, 0)
    utc_day = write(tmp_path, "course,date,participant,attendance\nART1,2026-03-31,V-8NITE,yes\n")
    wrong = run(config, "import", "attendance", str(utc_day), at=after)
    assert wrong.exit_code == 1
    assert wrong.stderr.splitlines()[0] == "line 2: course ART1 has no session on 2026-03-31"
    local_day = write(
        tmp_path, "course,date,start,participant,attendance\nART1,2026-04-01,00:30,V-8NITE,yes\n"
    )
    right = run(config, "import", "attendance", str(local_day), at=after)
    assert right.exit_code == 0, right.output
    assert marks(db, late) == {"V-8NITE": Attendance.ATTENDED}


# ---------------------------------------------------------------------------------------------
# voices attendance report


@pytest.fixture
def history(db, art) -> None:
    """Two past ART1 sessions, a cancelled one and one still to come.

    10 Nov: 8 came (4 said they were coming), 2 missed.       DNA 2/10 = 20%, RSVP 4/10 = 40%
    17 Nov: 3 came, 1 missed, 1 excused (said they can't).    DNA 1/4 = 25%,  RSVP 1/5 = 20%
    """
    people = iter(range(100))

    def book(course_session, attendance, rsvp=Rsvp.NONE):
        who = create_participant(db, pseudonym=f"V-H{next(people):03d}")
        create_enrolment(db, course_session, who, attendance=attendance, rsvp=rsvp)

    first = create_course_session(db, art, starts_at=utc(2026, 11, 10, 14, 30))
    for n in range(8):
        book(first, Attendance.ATTENDED, Rsvp.COMING if n < 4 else Rsvp.NONE)
    book(first, Attendance.MISSED)
    book(first, Attendance.MISSED)
    second = create_course_session(db, art, starts_at=utc(2026, 11, 17, 14, 30))
    for _ in range(3):
        book(second, Attendance.ATTENDED)
    book(second, Attendance.MISSED)
    book(second, Attendance.EXCUSED, Rsvp.CANT_COME)
    cancelled = create_course_session(
        db, art, starts_at=utc(2026, 11, 3, 14, 30), status=SessionStatus.CANCELLED
    )
    book(cancelled, Attendance.MISSED)
    to_come = create_course_session(db, art, starts_at=utc(2026, 12, 1, 14, 30))
    book(to_come, Attendance.UNKNOWN)
    db.commit()


def test_the_report_shows_each_past_sessions_dna_rate_and_limits_and_the_centre_line(
    config, db, history
):
    result = run(config, "attendance", "report")
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert spaced(header) == "booked came missed excused unmarked DNA RSVP reply"
    # Centre: 3 missed of 10 + 4 marked = 3/14 = 21.4%. Upper limits: 3/14 + 3 sigma, sigma =
    # sqrt(3/14 × 11/14 / n): n=10 → 0.129756, upper 0.603554 (60%); n=4 → 0.205164, upper
    # 0.829777 (83%). Lower limits are below 0, so 0. Nobody was reminded: no reply rate.
    assert [spaced(line) for line in lines[:2]] == [
        "ART1 2026-11-10 14:30 10 8 2 0 0 20% 40% - limits 0%-60%",
        "ART1 2026-11-17 14:30 5 3 1 1 0 25% 20% - limits 0%-83%",
    ]
    assert lines[2:] == ["Centre line (mean DNA rate): 21.4% over 2 sessions."]


def test_the_report_by_course_pools_the_sessions_and_since_leaves_older_ones_out(
    config, db, history
):
    by_course = run(config, "attendance", "report", "--by", "course")
    assert by_course.exit_code == 0, by_course.output
    # 15 booked, 11 came, 3 missed, 1 excused: DNA 3/14 = 21%, RSVP 5/15 = 33%.
    assert [spaced(line) for line in by_course.stdout.splitlines()[1:]] == [
        "ART1 15 11 3 1 0 21% 33% -"
    ]
    since = run(config, "attendance", "report", "--since", "2026-11-17")
    assert since.exit_code == 0, since.output
    lines = since.stdout.splitlines()
    assert [line.split()[:2] for line in lines[1:-1]] == [["ART1", "2026-11-17"]]
    assert lines[-1] == "Centre line (mean DNA rate): 25.0% over 1 sessions."


def test_naming_one_person_under_two_marks_is_refused_and_marks_nothing(config, db, register):
    result = mark_register(config, "--attended", "V-7KQ2", "--missed", "v-7kq2", course="art1")
    assert result.exit_code == 2
    assert "V-7KQ2 named more than once" in result.output
    assert marks(db, register) == UNMARKED


def test_nobody_can_be_marked_at_a_session_that_was_cancelled(config, db, register):
    register.status = SessionStatus.CANCELLED
    db.commit()
    result = mark_register(config, "--missed", "V-3MRT", course="art1")
    assert result.exit_code == 1
    assert "ART1's session on 2026-11-24 was cancelled" in result.output
    assert marks(db, register) == UNMARKED


def test_a_session_still_to_come_cannot_be_marked_from_the_command_line(config, db, register):
    result = run(
        config,
        "attendance",
        "mark",
        "ART1",
        "2026-11-24",
        "--missed",
        "V-3MRT",
        at=utc(2026, 11, 23, 12, 0),
    )
    assert result.exit_code == 1
    assert "ART1's session on 2026-11-24 has not started yet" in result.output
    assert marks(db, register) == UNMARKED
