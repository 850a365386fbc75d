"""`voices import …` and `voices export …` from the command line, on a migrated database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import make_engine, make_session_factory, reading_only
from bot.migrate import upgrade
from bot.models import (
    AuditEvent,
    Channel,
    CourseMembership,
    CourseSession,
    Direction,
    Enrolment,
    Participant,
    utcnow,
)
from tests.factories import create_address, create_answer, create_message, create_participant
from voices.cli import cli

PEOPLE = (
    "channel,address,name,easy_read\n"
    "sms,07911 123456,Ann,yes\n"
    "whatsapp,+447911123457,Bob,no\n"
    "telegram,123456789,,\n"
)


@pytest.fixture
def config(tmp_path, empty_database_url) -> Path:
    # The CLI refuses a database that is not at the Alembic head, so migrate, not create_all.
    engine = make_engine(empty_database_url)
    upgrade(engine)
    engine.dispose()
    path = tmp_path / "voices.toml"
    path.write_text(f'[database]\nurl = "{empty_database_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
def db(empty_database_url) -> Iterator[Session]:
    """A session on the CLI's own database, to set up rows and to look at what it wrote."""
    engine = make_engine(empty_database_url)
    # reading_only: this session stays open while the CLI writes, so it must not hold a lock.
    with make_session_factory(reading_only(engine))() as session:
        yield session
    engine.dispose()


def run(config: Path, *args: str):
    # catch_exceptions=False: an unexpected exception fails the test with its traceback.
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "upload.csv"
    path.write_bytes(text.encode(encoding))
    return path


def count(db: Session, model) -> int:
    db.rollback()  # see what the CLI committed since this session last looked
    return db.scalar(select(func.count()).select_from(model))


def test_importing_participants_prints_a_summary_and_a_second_run_changes_nothing(
    config, db, tmp_path
):
    path = write(tmp_path, PEOPLE)
    first = run(config, "import", "participants", str(path))
    second = run(config, "import", "participants", str(path))
    assert first.exit_code == 0, first.output
    assert first.stdout == "Participants: 3 created, 0 updated, 0 unchanged, 0 skipped.\n"
    assert "Importing participants" in first.stderr
    assert second.stdout == "Participants: 0 created, 0 updated, 3 unchanged, 0 skipped.\n"
    assert count(db, Participant) == 3
    audits = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(a.action, a.detail["created"], a.detail["unchanged"]) for a in audits] == [
        ("import.participants", 3, 0),
        ("import.participants", 0, 3),
    ]


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_line(config, db, tmp_path):
    text = PEOPLE + "fax,07911123458,Cat,\nsms,07911123459,Dan,perhaps\n\nsms,123,Eve,\n"
    result = run(config, "import", "participants", str(write(tmp_path, text)))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "line 5: the channel must be one of: sms, whatsapp, telegram",
        "line 6: easy_read must be yes or no (or true/false, 1/0)",
        "line 8: address: this phone number is not valid",
    ]
    assert "Error: nothing was imported: 3 of 6 rows have problems" in result.stderr
    assert "--skip-bad-rows" in result.stderr
    assert result.stdout == ""
    for secret in ("Cat", "Dan", "Eve", "0791112345", "123,"):
        assert secret not in result.output
    assert count(db, Participant) == 0
    assert count(db, AuditEvent) == 0


def test_skip_bad_rows_imports_the_good_rows_and_still_lists_the_bad_ones(config, db, tmp_path):
    path = write(tmp_path, PEOPLE + "sms,123,Eve,\n")
    result = run(config, "import", "participants", str(path), "--skip-bad-rows")
    assert result.exit_code == 0, result.output
    assert "line 5: address: this phone number is not valid" in result.stderr
    assert result.stdout == "Participants: 3 created, 0 updated, 0 unchanged, 1 skipped.\n"
    assert count(db, Participant) == 3


def test_a_file_saved_by_excel_with_a_byte_order_mark_imports(config, db, tmp_path):
    path = write(tmp_path, PEOPLE.replace("\n", "\r\n"), encoding="utf-8-sig")
    result = run(config, "import", "participants", str(path))
    assert result.exit_code == 0, result.output
    assert count(db, Participant) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "there is no such file"),
        ("channel,address,name\nsms,07911123456,Zoë\n".encode("cp1252"), "not UTF-8 text"),
        (b"", "the file has no header line"),
        (b"channel,name\nsms,Ann\n", "the header has no address column"),
        (b"channel,address,notes\n", "unknown column(s): column 3."),
    ],
)
def test_a_file_problem_is_one_clear_message_with_no_traceback(
    config, db, tmp_path, content, message
):
    path = tmp_path / "upload.csv"
    if content is not None:
        path.write_bytes(content)
    result = run(config, "import", "participants", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert count(db, Participant) == 0


def test_importing_sessions_refuses_clock_change_times_by_line(config, db, tmp_path):
    text = (
        "course,title,date,start,end\n"
        "ART24,Art together,2026-03-29,01:30,03:00\n"
        "ART24,,2026-10-25,01:30,02:30\n"
        "ART24,,2026-10-26,10:00,12:00\n"
    )
    result = run(config, "import", "sessions", str(write(tmp_path, text)))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "line 2: start: 01:30 on 2026-03-29 does not exist in Europe/London: "
        "the clocks go forward then",
        "line 3: start: 01:30 on 2026-10-25 happens twice in Europe/London: "
        "the clocks go back then, so it is ambiguous",
    ]
    assert count(db, CourseSession) == 0


def test_sessions_then_participants_make_members_booked_on_future_sessions(config, db, tmp_path):
    soon = utcnow().date() + timedelta(days=30)
    timetable = (
        "course,title,date,start,end,ref\n"
        f"art24,Art together,{soon},10:00,12:00,A1\n"
        f"ART24,,{soon + timedelta(days=7)},10:00,12:00,A2\n"
    )
    sessions = run(config, "import", "sessions", str(write(tmp_path, timetable)))
    assert sessions.stdout == "Sessions: 2 created, 0 updated, 0 unchanged, 0 skipped.\n"
    people = "channel,address,course\nsms,07911123456,art24\ntelegram,42,ART24\n"
    joined = run(config, "import", "participants", str(write(tmp_path, people)))
    assert joined.exit_code == 0, joined.output
    assert (count(db, CourseMembership), count(db, Enrolment)) == (2, 4)
    newer = f"course,date,start,end,ref\nART24,{soon + timedelta(days=14)},10:00,12:00,A3\n"
    newer_import = run(config, "import", "sessions", str(write(tmp_path, newer)))
    assert newer_import.exit_code == 0, newer_import.output
    assert count(db, Enrolment) == 6


def seed_messages(db: Session) -> str:
    person = create_participant(db, pseudonym="V-ABCDE", display_name="Ann Example")
    address = create_address(db, person, channel=Channel.SMS, value="+447911123456")
    create_message(db, address, body='Hi, "Ann" 😀\nsee you =then')
    create_message(db, address, body="Thanks", direction=Direction.OUTBOUND)
    db.commit()
    return person.pseudonym


def test_exporting_messages_to_standard_output_names_people_by_pseudonym(config, db):
    pseudonym = seed_messages(db)
    result = run(config, "export", "messages", "--csv", "-")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))
    assert rows[0] == ["time", "direction", "channel", "participant", "status", "body"]
    assert [row[1:] for row in rows[1:]] == [
        ["in", "sms", pseudonym, "received", 'Hi, "Ann" 😀\nsee you =then'],
        ["out", "sms", pseudonym, "queued", "Thanks"],
    ]
    assert "7911123456" not in result.stdout
    assert "Ann Example" not in result.stdout
    assert result.stderr == "Exported 2 messages to -.\n"
    db.rollback()
    assert db.scalar(select(AuditEvent.detail).where(AuditEvent.action == "export.messages")) == {
        "rows": 2
    }


def test_exporting_responses_to_a_file_writes_every_answer(config, db, tmp_path):
    person = create_participant(db, pseudonym="V-HJKLM")
    create_answer(db, participant=person, question_key="q1", raw_text="4, great", parsed_value="4")
    db.commit()
    target = tmp_path / "responses.csv"
    result = run(config, "export", "responses", "--csv", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Exported 1 responses to {target}.\n"
    rows = list(csv.reader(target.open(encoding="utf-8", newline="")))
    assert rows[0] == [
        "participant",
        "survey",
        "question",
        "raw_text",
        "parsed_value",
        "channel",
        "time",
    ]
    assert rows[1][:6] == ["V-HJKLM", rows[1][1], "q1", "4, great", "4", ""]
    assert rows[1][1].startswith("survey-")
    assert rows[1][6].endswith("Z")
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []
    db.rollback()
    assert db.scalar(select(AuditEvent.action)) == "export.responses"


def test_an_export_to_a_folder_that_does_not_exist_fails_plainly(config, db, tmp_path):
    seed_messages(db)
    result = run(config, "export", "messages", "--csv", str(tmp_path / "nope" / "out.csv"))
    assert result.exit_code == 1
    assert "cannot write" in result.stderr and "No such file or directory" in result.stderr
    assert count(db, AuditEvent) == 0
