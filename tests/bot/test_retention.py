"""The nightly retention job: old words become a marker, counts stay, and people who stopped
long ago lose their contact details. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from bot import retention
from bot.models import (
    Address,
    Answer,
    Channel,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
)
from bot.settings import PrivacySettings, Settings
from tests.factories import (
    create_address,
    create_answer,
    create_course_session,
    create_enrolment,
    create_message,
    create_participant,
)

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
SETTINGS = Settings(privacy=PrivacySettings(keep_words_days=365, stopped_contact_days=90))
OLD = NOW - timedelta(days=366)
RECENT = NOW - timedelta(days=364)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def run(session) -> retention.Report:
    report = retention.apply(session, SETTINGS, NOW)
    session.commit()
    session.expire_all()
    return report


def test_words_older_than_the_period_become_a_marker_and_newer_ones_stay(session):
    address = create_address(session)
    old = create_message(session, address, body="old words", created_at=OLD)
    new = create_message(session, address, body="new words", created_at=RECENT)
    sent = create_message(
        session,
        address,
        direction=Direction.OUTBOUND,
        status=MessageStatus.DELIVERED,
        body="our old reply",
        created_at=OLD,
    )
    report = run(session)
    assert report.messages == 2
    assert [session.get(Message, m.id).body for m in (old, new, sent)] == [
        retention.EXPIRED,
        "new words",
        retention.EXPIRED,
    ]


def test_answers_and_reasons_lose_their_words_but_keep_the_score_and_the_rsvp(session):
    person = create_participant(session)
    answer = create_answer(
        session, participant=person, raw_text="5 loved it", parsed_value="5", answered_at=OLD
    )
    booking = create_enrolment(
        session, create_course_session(session, starts_at=OLD), participant=person
    )
    booking.rsvp_reason = "bus strike"
    session.commit()
    report = run(session)
    assert (report.answers, report.reasons) == (1, 1)
    answer = session.get(Answer, answer.id)
    assert (answer.raw_text, answer.parsed_value) == (retention.EXPIRED, "5")
    assert session.get(Enrolment, booking.id).rsvp_reason == retention.EXPIRED


def test_a_message_an_open_flag_points_at_is_kept_until_staff_close_it(session):
    address = create_address(session)
    flagged = create_message(session, address, body="i want to die", created_at=OLD)
    session.add(
        Flag(
            kind=FlagKind.SAFEGUARDING,
            participant_id=address.participant_id,
            message_id=flagged.id,
            urgent=True,
        )
    )
    session.commit()
    run(session)
    assert session.get(Message, flagged.id).body == "i want to die"


def test_a_message_not_yet_sent_is_never_blanked(session):
    address = create_address(session)
    waiting = create_message(
        session, address, direction=Direction.OUTBOUND, body="still to go", created_at=OLD
    )
    run(session)
    assert session.get(Message, waiting.id).body == "still to go"


def test_people_who_stopped_long_ago_lose_numbers_and_name_and_recent_ones_keep_them(session):
    gone = create_participant(
        session,
        display_name="Long Gone",
        status=ParticipantStatus.STOPPED,
        status_changed_at=NOW - timedelta(days=91),
    )
    recent = create_participant(
        session,
        display_name="Just Left",
        status=ParticipantStatus.STOPPED,
        status_changed_at=NOW - timedelta(days=89),
    )
    active = create_participant(session, display_name="Still Here", created_at=OLD)
    for person in (gone, recent, active):
        address = create_address(session, person)
        create_message(session, address, created_at=NOW - timedelta(days=100))
    session.commit()

    assert run(session).contacts == 1

    def addresses(person):
        return session.scalar(
            select(func.count()).select_from(Address).where(Address.participant_id == person.id)
        )

    assert [addresses(p) for p in (gone, recent, active)] == [0, 1, 1]
    names = [session.get(Participant, p.id).display_name for p in (gone, recent, active)]
    assert names == [None, "Just Left", "Still Here"]
    # Their messages are still counted, just no longer tied to a number.
    assert session.scalar(select(func.count()).select_from(Message)) == 3


def test_running_twice_changes_nothing_more(session):
    address = create_address(session)
    create_message(session, address, body="old words", created_at=OLD)
    assert run(session).messages == 1
    second = run(session)
    assert (second.messages, second.answers, second.reasons, second.contacts) == (0, 0, 0, 0)


def test_someone_who_stopped_long_ago_keeps_their_number_while_a_safeguarding_flag_is_open(
    session,
):
    person = create_participant(
        session, status=ParticipantStatus.STOPPED, status_changed_at=NOW - timedelta(days=200)
    )
    create_address(session, person)
    session.add(Flag(kind=FlagKind.SAFEGUARDING, participant_id=person.id, urgent=True))
    session.commit()
    assert run(session).contacts == 0
    assert session.scalar(select(func.count()).select_from(Address)) == 1


def test_people_who_stopped_long_ago_lose_the_chat_ids_in_the_ids_of_messages_we_sent(session):
    person = create_participant(
        session, status=ParticipantStatus.STOPPED, status_changed_at=NOW - timedelta(days=91)
    )
    chat = create_address(session, person, channel=Channel.TELEGRAM, value="5550123456")
    sent = create_message(
        session,
        chat,
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
        provider_id="5550123456:7",
    )
    session.commit()
    run(session)
    assert session.get(Message, sent.id).provider_id is None
