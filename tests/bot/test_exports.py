"""Exports: pseudonyms instead of numbers, bodies byte for byte, rows streamed in order."""

from __future__ import annotations

import csv
import io
import types
from datetime import UTC, datetime, timedelta

from bot.exports import (
    MESSAGE_COLUMNS,
    RESPONSE_COLUMNS,
    iso_utc,
    message_rows,
    response_rows,
)
from bot.models import Channel, Direction, Message, MessageStatus
from tests.factories import (
    create_address,
    create_answer,
    create_message,
    create_participant,
    create_survey_run,
)

T0 = datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=UTC)
AWKWARD = 'Café 😀, "quoted",\nnew line\r\nand =SUM(A1:A9) \t tab, trailing space '


def round_trip(rows) -> list[list[str]]:
    """Write rows as the CLI does and read them back, as an analysis tool would."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))


def test_the_message_columns_are_fixed_and_in_order():
    assert MESSAGE_COLUMNS == ("time", "direction", "channel", "participant", "status", "body")


def test_a_message_row_has_utc_time_direction_channel_pseudonym_status_and_body(session):
    person = create_participant(session, pseudonym="V-ABCDE")
    address = create_address(session, person, channel=Channel.WHATSAPP, value="+447911123456")
    create_message(
        session,
        address,
        body="Yes please",
        direction=Direction.OUTBOUND,
        status=MessageStatus.DELIVERED,
        created_at=T0,
    )
    assert list(message_rows(session)) == [
        ["2026-03-29T00:30:15Z", "out", "whatsapp", "V-ABCDE", "delivered", "Yes please"]
    ]


def test_a_body_with_emoji_newlines_commas_and_quotes_survives_byte_for_byte(session):
    create_message(session, body=AWKWARD, created_at=T0)
    (row,) = round_trip(message_rows(session))
    assert row[5] == AWKWARD
    assert row[5].encode("utf-8") == AWKWARD.encode("utf-8")


def test_the_participant_is_named_by_pseudonym_never_by_phone_number(session):
    person = create_participant(session, pseudonym="V-PQRST", display_name="Ann Example")
    address = create_address(session, person, value="+447911123456")
    create_message(session, address, body="hi")
    exported = "\n".join(",".join(row) for row in message_rows(session))
    assert "V-PQRST" in exported
    assert "7911123456" not in exported
    assert "Ann Example" not in exported


def test_messages_come_out_by_time_then_id_in_batches(session):
    address = create_address(session)
    made = [
        create_message(session, address, body=f"m{i}", created_at=T0 + timedelta(minutes=i % 3))
        for i in range(7)
    ]
    rows = message_rows(session, batch_size=2)
    assert isinstance(rows, types.GeneratorType)
    expected = sorted(made, key=lambda m: (m.created_at, m.id))
    assert [row[5] for row in rows] == [m.body for m in expected]
    assert [m.body for m in expected][:3] == ["m0", "m3", "m6"]


def test_a_message_with_no_participant_has_an_empty_participant_cell(session):
    # Not yet tied to anyone: a message stored before its sender was matched to a participant.
    stranger = Message(
        direction=Direction.INBOUND,
        channel=Channel.SMS,
        body="from a stranger",
        status=MessageStatus.RECEIVED,
        created_at=T0,
    )
    session.add(stranger)
    session.flush()
    (row,) = list(message_rows(session))
    assert row[3] == ""


def test_a_response_row_has_pseudonym_survey_question_raw_parsed_channel_and_time(session):
    assert RESPONSE_COLUMNS == (
        "participant",
        "survey",
        "question",
        "raw_text",
        "parsed_value",
        "channel",
        "time",
    )
    person = create_participant(session, pseudonym="V-HJKLM")
    address = create_address(session, person, channel=Channel.TELEGRAM, value="55501")
    reply = create_message(session, address, body='4, it was "good" 👍')
    run = create_survey_run(session, key="post-session")
    create_answer(
        session,
        run,
        person,
        question_key="q1",
        raw_text='4, it was "good" 👍',
        parsed_value="4",
        message_id=reply.id,
        answered_at=T0,
    )
    create_answer(
        session,
        run,
        person,
        question_key="q2",
        raw_text=None,
        parsed_value="skipped",
        answered_at=T0 + timedelta(hours=1),
    )
    assert round_trip(response_rows(session)) == [
        [
            "V-HJKLM",
            "post-session",
            "q1",
            '4, it was "good" 👍',
            "4",
            "telegram",
            "2026-03-29T00:30:15Z",
        ],
        ["V-HJKLM", "post-session", "q2", "", "skipped", "", "2026-03-29T01:30:15Z"],
    ]


def test_times_are_written_in_utc_whatever_zone_they_were_given_in():
    from zoneinfo import ZoneInfo

    summer = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    assert iso_utc(summer) == "2026-06-01T09:00:00Z"
