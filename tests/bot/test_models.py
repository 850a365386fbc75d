"""The data model keeps its promises on every backend: UTC times, and keys that stop doubles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from bot.models import Channel, Direction, Message, Participant, ParticipantStatus
from tests.factories import create_address, create_message, create_participant


def test_times_come_back_as_aware_utc(session):
    moment = datetime(2026, 3, 29, 0, 30, tzinfo=timezone(timedelta(hours=-5)))
    participant = create_participant(session, status_changed_at=moment)
    session.commit()
    session.expire_all()
    loaded = session.get(Participant, participant.id)
    assert loaded.status_changed_at == moment
    assert loaded.status_changed_at.tzinfo is UTC
    assert loaded.status_changed_at.hour == 5


def test_a_naive_time_is_refused_rather_than_guessed(session):
    with pytest.raises(StatementError, match="naive datetime"):
        create_participant(session, status_changed_at=datetime(2026, 1, 1, 9, 0))  # noqa: DTZ001


def test_a_new_participant_is_active_with_the_default_language(session):
    participant = create_participant(session)
    assert participant.status is ParticipantStatus.ACTIVE
    assert participant.language == "en"
    assert participant.created_at.tzinfo is UTC


def test_one_address_cannot_belong_to_two_participants_on_one_channel(session):
    create_address(session, channel=Channel.SMS, value="+447700900001")
    session.commit()
    with pytest.raises(IntegrityError):
        create_address(session, channel=Channel.SMS, value="+447700900001")


def test_the_same_number_may_be_used_on_sms_and_whatsapp(session):
    person = create_participant(session)
    create_address(session, person, channel=Channel.SMS, value="+447700900002")
    create_address(session, person, channel=Channel.WHATSAPP, value="+447700900002")
    session.commit()
    assert len(session.get(Participant, person.id).addresses) == 2


def test_a_provider_id_can_be_stored_only_once_per_channel(session):
    address = create_address(session)
    create_message(session, address, provider_id="SM" + "a" * 32)
    session.commit()
    with pytest.raises(IntegrityError):
        create_message(session, address, provider_id="SM" + "a" * 32)


def test_many_messages_may_have_no_provider_id_yet(session):
    address = create_address(session)
    for _ in range(3):
        create_message(session, address, direction=Direction.OUTBOUND)
    session.commit()
    count = len(session.scalars(select(Message).where(Message.provider_id.is_(None))).all())
    assert count == 3


def test_a_send_key_stops_the_same_logical_message_being_queued_twice(session):
    address = create_address(session)
    create_message(session, address, direction=Direction.OUTBOUND, send_key="reminder:1:day-before")
    session.commit()
    with pytest.raises(IntegrityError):
        create_message(
            session, address, direction=Direction.OUTBOUND, send_key="reminder:1:day-before"
        )


@pytest.mark.parametrize(
    "body",
    [
        "Hiya 👋🏽 can't come",
        "مرحبا، لا أستطيع الحضور",
        "x" * 1600,
        "line one\r\nline two\ttabbed \x07bell",
        "<script>alert(1)</script>'; DROP TABLE messages; --",
        "  leading and trailing spaces  ",
    ],
)
def test_a_message_body_is_stored_byte_for_byte(session, body):
    message = create_message(session, body=body)
    session.commit()
    session.expire_all()
    assert session.get(Message, message.id).body == body


def test_printing_a_row_never_shows_personal_data(session):
    participant = create_participant(session, display_name="Ann Example")
    assert "Ann" not in repr(participant)
    assert repr(participant) == f"<Participant id={participant.id}>"
