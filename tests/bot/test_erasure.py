"""Erasure and "DELETE MY DATA": personal data leaves every table, counts stay, nothing
waiting goes out, and it is audited. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, inspect, select

from bot import copy
from bot.erasure import CLOSED_BY_ERASURE, ERASED, CannotErase, erase
from bot.erasure_request import SAID_NO
from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import (
    Address,
    Answer,
    AuditEvent,
    Base,
    Channel,
    Consent,
    ConsentPurpose,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    Rsvp,
)
from bot.participants import find_address
from bot.sending.claiming import claim_due
from bot.settings import Settings
from tests.factories import (
    create_address,
    create_answer,
    create_course_session,
    create_enrolment,
    create_message,
    create_participant,
)

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
PHONE = "+447911000404"
NAME = "Bartholomew Quince"
_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def send(session, text: str, *, to: str = PHONE) -> list[Message]:
    receipt = receive(session, InboundMessage(Channel.SMS, to, f"SM{next(_ids):032x}", text))
    session.commit()
    session.expire_all()
    return list(
        session.scalars(
            select(Message)
            .where(Message.send_key.like(f"reply:{receipt.message_id}:%"))
            .order_by(Message.id)
        )
    )


def somebody_with_history(session) -> Participant:
    """A person with a name, two addresses, messages both ways, an answer, a reason and a note."""
    person = create_participant(session, display_name=NAME, quiet_hours="10:00-18:00")
    sms = create_address(session, person, value=PHONE)
    create_address(session, person, channel=Channel.TELEGRAM, value="880044")
    create_message(session, sms, body="my secret words zebra-7719")
    create_message(
        session,
        sms,
        direction=Direction.OUTBOUND,
        body="Hello Bartholomew",
        status=MessageStatus.SENT,
    )
    create_message(
        session, sms, direction=Direction.OUTBOUND, kind="reminder", status=MessageStatus.QUEUED
    )
    create_answer(session, participant=person, raw_text="4 it was lovely", parsed_value="4")
    booking = create_enrolment(session, create_course_session(session), participant=person)
    booking.rsvp, booking.rsvp_reason = Rsvp.CANT_COME, "my mum is in hospital"
    session.add(
        Consent(
            participant_id=person.id,
            purpose=ConsentPurpose.REMINDERS,
            granted=True,
            wording_version="en:2026-11",
            note="said yes on the phone to Jo",
        )
    )
    session.add(
        Flag(kind=FlagKind.CALLBACK, participant_id=person.id, action_taken="rang Bartholomew")
    )
    session.commit()
    return person


def every_text_value(session) -> str:
    """Every string in every row of every table, joined: where personal data would hide."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            found += [str(value) for value in row if isinstance(value, str)]
    return "\n".join(found)


def test_erasure_removes_numbers_names_and_words_from_every_table(session):
    person = somebody_with_history(session)
    erase(session, person.id, staff_user_id=None)
    session.commit()

    everything = every_text_value(session)
    for private in (PHONE, "880044", NAME, "Bartholomew", "zebra", "lovely", "hospital", "Jo"):
        assert private not in everything


def test_erasure_keeps_the_anonymous_counts(session):
    person = somebody_with_history(session)
    before = {
        "messages": session.scalar(select(func.count()).select_from(Message)),
        "answers": session.scalar(select(Answer.parsed_value)),
        "rsvp": session.scalar(select(Enrolment.rsvp)),
        "consents": session.scalar(select(func.count()).select_from(Consent)),
    }
    erase(session, person.id, staff_user_id=None)
    session.commit()
    session.expire_all()
    assert before == {
        "messages": session.scalar(select(func.count()).select_from(Message)),
        "answers": session.scalar(select(Answer.parsed_value)),
        "rsvp": session.scalar(select(Enrolment.rsvp)),
        "consents": session.scalar(select(func.count()).select_from(Consent)),
    }
    erased = session.get(Participant, person.id)
    assert (erased.status, erased.display_name) == (ParticipantStatus.ERASED, None)
    assert session.scalars(select(Message.body).where(Message.direction == "in")).all() == [ERASED]


def test_erasure_cancels_every_pending_send_and_closes_open_flags(session):
    person = somebody_with_history(session)
    found = erase(session, person.id, staff_user_id=None)
    session.commit()
    assert found.cancelled == 1
    statuses = session.scalars(select(Message.status).where(Message.kind == "reminder")).all()
    assert statuses == [MessageStatus.CANCELLED]
    assert claim_due(session, Settings(), [Channel.SMS], NOW, 50).claimed == []
    (flag,) = session.scalars(select(Flag)).all()
    assert (flag.status, flag.action_taken) == (FlagStatus.RESOLVED, CLOSED_BY_ERASURE)


def test_erasure_is_audited_with_counts_and_never_the_data(session):
    person = somebody_with_history(session)
    erase(session, person.id, staff_user_id=None)
    session.commit()
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "participant.erase"))
    assert (event.target_type, event.target_id) == ("Participant", person.id)
    assert event.detail == {"messages": 3, "addresses": 2}


def test_erasing_twice_or_nobody_is_refused_with_a_plain_reason(session):
    person = somebody_with_history(session)
    erase(session, person.id, staff_user_id=None)
    session.commit()
    with pytest.raises(CannotErase, match="already erased"):
        erase(session, person.id, staff_user_id=None)
    with pytest.raises(CannotErase, match="no participant 999999"):
        erase(session, 999999, staff_user_id=None)


def test_the_same_number_texting_after_erasure_is_a_new_person_and_old_replays_do_nothing(
    session,
):
    first = receive(session, InboundMessage(Channel.SMS, PHONE, "SM-before", "hello"))
    session.commit()
    old = find_address(session, Channel.SMS, PHONE).participant_id
    erase(session, old, staff_user_id=None)
    session.commit()

    replay = receive(session, InboundMessage(Channel.SMS, PHONE, "SM-before", "hello"))
    session.commit()
    assert (first.duplicate, replay.duplicate) == (False, True)
    send(session, "hi again")
    assert find_address(session, Channel.SMS, PHONE).participant_id != old
    assert (
        session.scalar(select(func.count()).select_from(Message).where(Message.body == "hello"))
        == 0
    )


def test_every_table_with_a_participant_is_handled_by_erasure():
    # A new table holding a participant's data must be added to bot.erasure, not forgotten.
    # Memberships, invites and action sources hold links and statuses only, no words: kept.
    handled = {
        "action_sources",
        "addresses",
        "messages",
        "answers",
        "enrolments",
        "consents",
        "flags",
        "survey_invites",
        "conversation_states",
        "course_memberships",
    }
    with_participant = {
        table.name
        for table in Base.metadata.sorted_tables
        if "participant_id" in table.columns and table.name != "participants"
    }
    assert with_participant == handled


# --- DELETE MY DATA --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["DELETE MY DATA", "please delete all my data", "Can you erase my details?", "forget me"],
)
def test_asking_to_delete_their_data_gets_a_yes_no_question_and_a_staff_flag(session, text):
    (question,) = send(session, text)
    assert question.body == copy.text("erasure.confirm")
    assert [label for label, _ in question.choices] == ["Yes", "No"]
    (flag,) = session.scalars(select(Flag)).all()
    assert (flag.kind, flag.status) == (FlagKind.ERASURE_REQUEST, FlagStatus.OPEN)


def test_yes_stops_all_messages_and_the_confirmation_still_goes(session):
    send(session, "delete my data")
    (confirmed,) = send(session, "yes")
    assert confirmed.body == copy.text("erasure.confirmed")
    person = find_address(session, Channel.SMS, PHONE).participant
    assert person.status is ParticipantStatus.STOPPED
    (claimed,) = claim_due(session, Settings(), [Channel.SMS], NOW, 50).claimed[-1:]
    assert claimed.message_id == confirmed.id
    # Nothing is erased on a text alone: staff do it, and the flag stays open for them.
    assert person.status is not ParticipantStatus.ERASED
    (flag,) = session.scalars(select(Flag)).all()
    assert flag.status is FlagStatus.OPEN


def test_no_keeps_everything_and_closes_the_flag_with_a_note(session):
    send(session, "delete my data")
    (kept,) = send(session, "no")
    assert kept.body == copy.text("erasure.kept")
    (flag,) = session.scalars(select(Flag)).all()
    assert (flag.status, flag.action_taken) == (FlagStatus.RESOLVED, SAID_NO)
    assert find_address(session, Channel.SMS, PHONE).participant.status is ParticipantStatus.ACTIVE


def test_an_unclear_answer_gets_one_kind_reprompt_then_is_left_to_staff(session):
    send(session, "delete my data")
    (again,) = send(session, "what do you mean")
    assert again.body == copy.text("consent.reprompt")
    (thanks,) = send(session, "hmm")
    assert thanks.body == copy.text("general.thanks")
    (flag,) = session.scalars(select(Flag)).all()
    assert flag.status is FlagStatus.OPEN
    assert inspect(flag).persistent


def test_someone_with_an_open_safeguarding_flag_cannot_be_erased_until_staff_close_it(session):
    person = somebody_with_history(session)
    flag = Flag(kind=FlagKind.SAFEGUARDING, participant_id=person.id, urgent=True)
    session.add(flag)
    session.commit()
    with pytest.raises(CannotErase, match=r"open safeguarding flag\. Close it first"):
        erase(session, person.id, staff_user_id=None)
    session.rollback()
    assert session.get(Participant, person.id).display_name == NAME
    flag.status, flag.action_taken = FlagStatus.RESOLVED, "Phoned: safe."
    session.commit()
    erase(session, person.id, staff_user_id=None)


def test_erasure_removes_telegram_chat_ids_hidden_in_the_ids_of_messages_we_sent(session):
    person = somebody_with_history(session)
    telegram = session.scalar(select(Address).where(Address.channel == Channel.TELEGRAM))
    create_message(
        session,
        telegram,
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
        provider_id="880044:42",
    )
    session.commit()
    erase(session, person.id, staff_user_id=None)
    session.commit()
    assert "880044" not in every_text_value(session)


def test_someone_who_stopped_then_asks_to_delete_their_data_still_gets_the_question(session):
    send(session, "STOP")
    (question,) = send(session, "delete my data")
    claimed = claim_due(session, Settings(), [Channel.SMS], NOW, 50).claimed
    assert question.id in [c.message_id for c in claimed]
    (confirmed,) = send(session, "yes")
    claimed = claim_due(session, Settings(), [Channel.SMS], NOW, 50).claimed
    assert [c.message_id for c in claimed] == [confirmed.id]


def test_stop_texting_me_and_delete_my_number_pauses_at_once_and_asks(session):
    (question,) = send(session, "please stop texting me and delete my number")
    assert question.body == copy.text("erasure.confirm")
    person = find_address(session, Channel.SMS, PHONE).participant
    assert person.status is ParticipantStatus.PAUSED
    kinds = sorted(flag.kind.value for flag in session.scalars(select(Flag)))
    assert kinds == ["erasure_request", "stop_request"]


def test_a_yes_days_after_the_question_is_not_taken_as_confirming(session, clock):
    send(session, "delete my data")
    clock.shift(timedelta(days=3))
    send(session, "yes")
    person = find_address(session, Channel.SMS, PHONE).participant
    assert person.status is ParticipantStatus.ACTIVE
    (flag,) = session.scalars(select(Flag)).all()
    assert flag.status is FlagStatus.OPEN
