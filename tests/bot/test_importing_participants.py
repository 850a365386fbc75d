"""Importing participants: one person per (channel, address), every bad row named by its line."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.importing.participants import COLUMNS, apply_participants, check_participants
from bot.importing.rows import ImportFileError, read_table
from bot.models import (
    Address,
    AuditEvent,
    Channel,
    ConversationState,
    CourseMembership,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    PendingQuestion,
    SessionStatus,
    utcnow,
)
from tests.factories import create_course, create_course_session

NOW = utcnow()
ANN = "07911 123456"  # UK national form of +447911123456
ANN_E164 = "+447911123456"


def write(tmp_path, text: str, *, encoding: str = "utf-8", name: str = "people.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def check(session, settings, tmp_path, text: str):
    return check_participants(session, read_table(write(tmp_path, text), COLUMNS), settings.app)


def run_import(session, settings, tmp_path, text: str):
    checked = check(session, settings, tmp_path, text)
    report = apply_participants(session, checked, settings.app, now=NOW)
    session.flush()
    return checked, report


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_new_participant_gets_a_pseudonym_a_normalised_address_and_the_defaults(
    session, settings, tmp_path
):
    _, report = run_import(session, settings, tmp_path, f"channel,address\nsms,{ANN}\n")
    person = session.scalar(select(Participant))
    assert report.as_dict() == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0}
    assert person.pseudonym.startswith("V-") and len(person.pseudonym) == 7
    assert [(a.channel, a.value) for a in person.addresses] == [(Channel.SMS, ANN_E164)]
    assert person.language == settings.app.default_language == "en"
    assert person.easy_read is False
    assert person.display_name is None


def test_someone_added_by_staff_is_asked_for_consent_before_anything_else(
    session, settings, tmp_path
):
    run_import(session, settings, tmp_path, f"channel,address\nsms,{ANN}\n")
    person = session.scalar(select(Participant))
    queued = session.scalars(
        select(Message).where(Message.participant_id == person.id).order_by(Message.id)
    ).all()
    assert [(m.kind, m.status, m.body) for m in queued] == [
        (
            "consent",
            MessageStatus.QUEUED,
            "Hello. This is Many Voices. A member of staff added you to our list.",
        ),
        (
            "consent",
            MessageStatus.QUEUED,
            "Can we send you reminders about your sessions? Reply YES or NO.",
        ),
    ]
    state = session.scalar(
        select(ConversationState).where(ConversationState.participant_id == person.id)
    )
    assert state.pending is PendingQuestion.CONSENT_REMINDERS
    # Importing them again, or anyone already known, asks nothing a second time.
    run_import(session, settings, tmp_path, f"channel,address,name\nsms,{ANN},Ann\n")
    assert count(session, Message) == 2


def test_the_header_ignores_case_and_the_columns_may_come_in_any_order(session, settings, tmp_path):
    text = "Name,EASY_READ,Language,Address,Channel\nAnn,Yes,CY,12345,telegram\n"
    run_import(session, settings, tmp_path, text)
    person = session.scalar(select(Participant))
    assert (person.display_name, person.language, person.easy_read) == ("Ann", "cy", True)
    assert person.addresses[0].value == "12345"


def test_importing_the_same_file_twice_creates_no_duplicates(session, settings, tmp_path):
    course = create_course(session, code="ART24")
    create_course_session(session, course, starts_at=NOW + timedelta(days=3))
    text = (
        "channel,address,name,course\n"
        f"sms,{ANN},Ann,art24\n"
        f"whatsapp,{ANN_E164},Ann,ART24\n"
        "telegram,987654321,,ART24\n"
    )
    _, first = run_import(session, settings, tmp_path, text)
    _, second = run_import(session, settings, tmp_path, text)
    assert (first.created, second.created, second.unchanged) == (3, 0, 3)
    assert count(session, Participant) == 3
    assert count(session, Address) == 3
    assert count(session, CourseMembership) == 3
    assert count(session, Enrolment) == 3


def test_the_national_and_international_forms_of_a_number_are_one_participant(
    session, settings, tmp_path
):
    run_import(session, settings, tmp_path, f"channel,address,name\nsms,{ANN},Ann\n")
    _, report = run_import(session, settings, tmp_path, f"channel,address,name\nsms,{ANN_E164},A\n")
    assert (report.created, report.updated) == (0, 1)
    assert session.scalars(select(Participant.display_name)).all() == ["A"]


def test_a_second_import_updates_name_language_and_easy_read(session, settings, tmp_path):
    run_import(session, settings, tmp_path, f"channel,address,name\nsms,{ANN},Ann\n")
    text = f"channel,address,name,language,easy_read\nsms,{ANN},Annie,pl,1\n"
    _, report = run_import(session, settings, tmp_path, text)
    person = session.scalar(select(Participant))
    assert report.updated == 1
    assert (person.display_name, person.language, person.easy_read) == ("Annie", "pl", True)


def test_an_empty_optional_cell_leaves_what_is_stored_alone(session, settings, tmp_path):
    text = f"channel,address,name,language,easy_read\nsms,{ANN},Ann,cy,yes\n"
    run_import(session, settings, tmp_path, text)
    _, report = run_import(session, settings, tmp_path, f"channel,address,name\nsms,{ANN},\n")
    person = session.scalar(select(Participant))
    assert report.unchanged == 1
    assert (person.display_name, person.language, person.easy_read) == ("Ann", "cy", True)


def test_a_course_makes_a_member_booked_on_every_scheduled_future_session_only(
    session, settings, tmp_path
):
    course = create_course(session, code="ART24")
    future = create_course_session(session, course, starts_at=NOW + timedelta(days=2))
    later = create_course_session(session, course, starts_at=NOW + timedelta(days=9))
    create_course_session(session, course, starts_at=NOW - timedelta(days=2))
    create_course_session(
        session, course, starts_at=NOW + timedelta(days=5), status=SessionStatus.CANCELLED
    )
    create_course_session(session, starts_at=NOW + timedelta(days=2))  # another course
    run_import(session, settings, tmp_path, f"channel,address,course\nsms,{ANN},art24\n")
    person = session.scalar(select(Participant))
    membership = session.scalar(select(CourseMembership))
    booked = session.scalars(select(Enrolment.session_id).order_by(Enrolment.session_id)).all()
    assert (membership.course_id, membership.participant_id) == (course.id, person.id)
    assert booked == [future.id, later.id]


def test_an_existing_participant_joining_a_course_counts_as_updated(session, settings, tmp_path):
    create_course(session, code="ART24")
    run_import(session, settings, tmp_path, f"channel,address\nsms,{ANN}\n")
    _, report = run_import(
        session, settings, tmp_path, f"channel,address,course\nsms,{ANN},ART24\n"
    )
    assert (report.updated, report.unchanged) == (1, 0)
    assert count(session, CourseMembership) == 1


def test_every_bad_row_is_reported_with_its_physical_line_number(session, settings, tmp_path):
    text = (
        "channel,address,name,language,easy_read,course\n"  # line 1
        "pigeon,07911123456,Ann,,,\n"  # 2: unknown channel
        "\n"  # 3: blank, still counted
        'sms,07911123457,"Bob\nSmith",,,\n'  # 4-5: a good row with a line break in it
        "sms,12,Cat,,,\n"  # 6: not a phone number
        "telegram,@cat,,,,\n"  # 7: not a chat id
        "sms,07911123458,,english,maybe,NOPE\n"  # 8: three problems at once
        "simulator,1,,,,\n"  # 9: not importable
        "sms,,,,,\n"  # 10: empty address
        "sms,07911123459,,,,,extra\n"  # 11: a value under no header
    )
    checked = check(session, settings, tmp_path, text)
    assert [str(error) for error in checked.errors] == [
        "line 2: the channel must be one of: sms, whatsapp, telegram",
        "line 6: address: this phone number is not valid",
        "line 7: address: a Telegram chat id is a whole number",
        "line 8: the language must be a two- or three-letter code, like en or cy; "
        "easy_read must be yes or no (or true/false, 1/0); "
        "there is no course with the code in the course column",
        "line 9: the channel must be one of: sms, whatsapp, telegram",
        "line 10: the address is empty",
        "line 11: column 7 has a value but no name in the header",
    ]
    assert [row.line for row in checked.rows] == [4]
    assert checked.rows[0].name == "Bob\nSmith"


def test_the_same_address_twice_in_one_file_is_bad_on_the_second_occurrence(
    session, settings, tmp_path
):
    text = (
        "channel,address,name\n"
        f"sms,{ANN},Ann\n"
        f"whatsapp,{ANN},Ann\n"
        f"sms,{ANN_E164},Ann again\n"
        "sms,07911 000 000,\n"
    )
    checked = check(session, settings, tmp_path, text)
    assert [str(error) for error in checked.errors] == ["line 4: the same sms address as line 2"]
    assert [row.line for row in checked.rows] == [2, 3, 5]


def test_error_messages_and_logs_never_repeat_a_phone_number_or_a_name(
    session, settings, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    text = (
        "channel,address,name,language,easy_read,course\n"
        "sms,0791112345,Zebedee,zz9,no,\n"
        f"sms,{ANN},Zebedee Jones,,perhaps,Zebedee\n"
        f"sms,{ANN},{'Zebedee' * 20},,,\n"
    )
    checked = check(session, settings, tmp_path, text)
    apply_participants(session, checked, settings.app, now=NOW)
    shown = " ".join(str(error) for error in checked.errors) + caplog.text
    assert len(checked.errors) == 3
    for secret in ("0791112345", "7911123456", "Zebedee", "zz9"):
        assert secret not in shown


def test_bad_rows_are_counted_as_skipped_and_the_audit_holds_counts_only(
    session, settings, tmp_path
):
    text = f"channel,address,name\nsms,{ANN},Ann\nsms,999,Bob\n"
    _, report = run_import(session, settings, tmp_path, text)
    event = session.scalar(select(AuditEvent))
    assert report.as_dict() == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}
    assert event.action == "import.participants"
    assert event.detail == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1}


def test_an_excel_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = write(tmp_path, f"channel,address\r\nsms,{ANN}\r\n", encoding="utf-8-sig")
    rows = read_table(path, COLUMNS)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert [(row.line, row.values["channel"]) for row in rows] == [(2, "sms")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no header line"),
        ("\n\n", "no header line"),
        (f"sms,{ANN},Ann\n", "no header line"),
        ("channel;address\nsms;1\n", "separated by ';'"),
        ("channel,name\n", "the header has no address column (required: channel, address)"),
        ("channel,address,phone,notes\n", "unknown column(s): column 3, column 4."),
        ("channel,address,langauge\n", 'column 3 ("langauge": did you mean language?)'),
        ("channel,address,Address\n", "names a column twice: address"),
        ("channel,address\nsms," + "1" * 200_000 + "\n", "line 2: this is not valid CSV"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_says_why(tmp_path, text, message):
    with pytest.raises(ImportFileError) as caught:
        read_table(write(tmp_path, text), COLUMNS)
    assert message in str(caught.value)
    assert "7911" not in str(caught.value)


def test_an_unknown_column_that_looks_like_a_number_is_named_by_position(tmp_path):
    with pytest.raises(ImportFileError, match=r"unknown column\(s\): column 3\."):
        read_table(write(tmp_path, "channel,address,07911123456\n"), COLUMNS)


@pytest.mark.parametrize("cell", ["+44 7911 123 123", "Jo Bloggs"])
def test_an_unknown_column_is_never_echoed_as_it_may_be_a_number_or_a_name(tmp_path, cell):
    # A file with no header row: its first row of data is read as the header.
    with pytest.raises(ImportFileError) as caught:
        read_table(write(tmp_path, f"channel,address,{cell}\n"), COLUMNS)
    assert cell.lower() not in str(caught.value).lower()
    assert "column 3" in str(caught.value)


def test_a_file_that_is_not_utf8_says_so_and_on_which_line(tmp_path):
    path = write(tmp_path, "channel,address,name\nsms,07911123456,Zoë\n", encoding="cp1252")
    with pytest.raises(ImportFileError, match=r"not UTF-8 text .*on line 2(.|\n)*CSV UTF-8"):
        read_table(path, COLUMNS)


def test_a_file_saved_as_utf16_is_refused_rather_than_read_with_nul_characters(tmp_path):
    path = write(tmp_path, "channel,address\nsms,07911123456\n", encoding="utf-16-le")
    with pytest.raises(ImportFileError, match=r"not UTF-8 text .*on line 1"):
        read_table(path, COLUMNS)


def test_a_missing_file_or_a_folder_is_named_plainly(tmp_path):
    with pytest.raises(ImportFileError, match="there is no such file"):
        read_table(tmp_path / "nope.csv", COLUMNS)
    with pytest.raises(ImportFileError, match="a folder, not a file"):
        read_table(tmp_path, COLUMNS)
