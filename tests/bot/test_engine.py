"""The conversation engine, driven through `bot.inbox.receive` as every channel drives it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import (
    Channel,
    Consent,
    ConsentPurpose,
    ConversationState,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    utcnow,
)
from bot.participants import find_address
from tests.factories import create_course, create_course_session

PHONE = "+447700900555"
_ids = itertools.count(1)


def say(session, text: str, *, phone: str = PHONE, channel: Channel = Channel.SMS) -> list[str]:
    """Send one message in; return the bodies of the replies it queued."""
    receipt = receive(session, InboundMessage(channel, phone, f"SM{next(_ids):032x}", text))
    session.commit()
    replies = session.scalars(
        select(Message.body)
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.send_key.like(f"reply:{receipt.message_id}:%"),
        )
        .order_by(Message.id)
    ).all()
    return list(replies)


def participant(session, phone: str = PHONE) -> Participant:
    session.expire_all()
    return find_address(session, Channel.SMS, phone).participant


def consented(session, phone: str = PHONE) -> None:
    say(session, "JOIN ART1", phone=phone)
    say(session, "yes", phone=phone)
    say(session, "yes", phone=phone)


@pytest.fixture
def course(session):
    course = create_course(session, code="ART1", title="Art for wellbeing")
    session.commit()
    return course


@pytest.mark.parametrize(
    "word", ["STOP", "stop", " Stop. ", "STOP!", "unsubscribe", "Cancel", "quit?"]
)
def test_an_opt_out_word_alone_stops_the_participant_with_one_confirmation(session, word):
    replies = say(session, word)
    assert replies == ["You will not get any more messages from us. To join again, text START."]
    assert participant(session).status is ParticipantStatus.STOPPED


def test_stop_cancels_every_pending_send_and_confirms_only_once(session, course):
    consented(session)
    address = find_address(session, Channel.SMS, PHONE)
    from bot.events import Reply
    from bot.outbox import queue

    pending = queue(session, address, Reply("Reminder: art tomorrow", kind="reminder"))
    session.commit()
    say(session, "STOP")
    assert say(session, "stop") == []
    session.expire_all()
    assert session.get(Message, pending.id).status is MessageStatus.CANCELLED
    assert session.scalar(select(ConversationState)) is None


@pytest.mark.parametrize(
    "text", ["stop texting me please", "please stop", "don't text me any more", "Stop thank you"]
)
def test_a_stop_request_in_words_flags_staff_pauses_and_explains_stop(session, course, text):
    consented(session)
    replies = say(session, text)
    assert replies == [
        "OK. We will send you fewer messages. To stop all messages, text the word STOP on its own."
    ]
    assert participant(session).status is ParticipantStatus.PAUSED
    flag = session.scalar(select(Flag))
    assert flag.kind is FlagKind.STOP_REQUEST


def test_stop_survey_is_not_a_stop_request(session, course):
    consented(session)
    say(session, "stop survey")
    assert session.scalar(select(Flag)) is None
    assert participant(session).status is ParticipantStatus.ACTIVE


def test_start_brings_a_stopped_participant_back(session, course):
    consented(session)
    say(session, "STOP")
    assert say(session, "START") == [
        "Welcome back. You will get messages from us again. To stop, text STOP."
    ]
    assert participant(session).status is ParticipantStatus.ACTIVE


def test_help_says_who_we_are_how_to_stop_and_who_to_contact(session):
    (reply,) = say(session, "help")
    assert "Many Voices" in reply
    assert "STOP" in reply
    assert "ask your course tutor" in reply


def test_join_with_a_code_joins_the_course_then_asks_about_reminders(session, course):
    replies = say(session, "join art1")
    assert replies == [
        "Thank you. You are now in the group Art for wellbeing.",
        "Can we send you reminders about your sessions? Reply YES or NO.",
    ]


def test_joining_books_the_person_on_the_course_sessions_still_to_come(session, course):
    past = create_course_session(session, course, starts_at=utcnow() - timedelta(days=1))
    soon = create_course_session(session, course, starts_at=utcnow() + timedelta(days=1))
    later = create_course_session(session, course, starts_at=utcnow() + timedelta(days=8))
    session.commit()
    say(session, "JOIN ART1")
    booked = session.scalars(
        select(Enrolment.session_id).where(Enrolment.participant_id == participant(session).id)
    ).all()
    assert sorted(booked) == sorted([soon.id, later.id])
    assert past.id not in booked
    say(session, "JOIN ART1")  # joining twice books nothing twice
    assert session.scalar(select(func.count()).select_from(Enrolment)) == 2


def test_an_unknown_join_code_is_answered_kindly(session, course):
    assert say(session, "JOIN NOPE9") == [
        "Sorry, we do not know the code NOPE9. Please check it and try again."
    ]


def test_a_telegram_deep_link_start_joins_like_join(session, course):
    replies = say(session, "/start ART1", phone="424242", channel=Channel.TELEGRAM)
    assert replies[0] == "Thank you. You are now in the group Art for wellbeing."
    message = session.scalar(select(Message).where(Message.kind == "consent"))
    assert message.choices == [["Yes", "yes"], ["No", "no"]]


def test_consent_asks_separately_and_records_each_answer_with_its_wording_version(session, course):
    say(session, "JOIN ART1")
    assert say(session, "yeah") == [
        "Can we send you short questions about what you think? Reply YES or NO."
    ]
    assert say(session, "nope") == [
        "Thank you. We have saved your answers. You can change them at any time. Text STOP to stop."
    ]
    answers = session.scalars(select(Consent).order_by(Consent.id)).all()
    assert [(a.purpose, a.granted) for a in answers] == [
        (ConsentPurpose.REMINDERS, True),
        (ConsentPurpose.SURVEYS, False),
    ]
    assert {a.wording_version for a in answers} == {"en:2026-11"}
    assert all(a.message_id is not None for a in answers)


def test_an_odd_consent_reply_gets_one_kind_reprompt_and_its_text_is_kept(session, course):
    say(session, "JOIN ART1")
    assert say(session, "what is this for??") == [
        "Sorry, we did not understand. Please reply YES or NO."
    ]
    assert say(session, "hmm") == [
        "That is OK. We will not send you reminders or questions for now. Text YES to start."
    ]
    bodies = session.scalars(
        select(Message.body).where(Message.direction == Direction.INBOUND)
    ).all()
    assert "what is this for??" in bodies
    assert session.scalar(select(Consent)) is None


def test_a_stranger_is_told_how_to_join_and_gets_no_consent_question_yet(session):
    assert say(session, "hello?") == ["Hello. To join a group, text JOIN and your group code."]
    assert session.scalar(select(ConversationState)) is None


def test_anything_else_is_kept_unread_and_acknowledged_at_most_once_a_day(session, course):
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        consented(session)
        assert say(session, "the room was cold") == [
            "Thank you. We got your message. A member of staff will read it."
        ]
    with time_machine.travel(start + timedelta(hours=5), tick=False):
        assert say(session, "and noisy") == []
    with time_machine.travel(start + timedelta(hours=25), tick=False):
        assert len(say(session, "better today")) == 1
    unread = session.scalars(
        select(Message.body).where(
            Message.direction == Direction.INBOUND, Message.read_at.is_(None)
        )
    ).all()
    assert {"the room was cold", "and noisy", "better today"} <= set(unread)


def test_a_stopped_participant_gets_no_reply_to_ordinary_messages(session):
    say(session, "STOP")
    assert say(session, "hello") == []


def test_replies_are_urgent_because_they_answer_the_persons_own_message(session):
    say(session, "hello")
    reply = session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert reply.urgent is True
    assert reply.status is MessageStatus.QUEUED


def test_no_to_session_messages_withdraws_waiting_reminders_and_group_messages(session, course):
    say(session, "JOIN ART1")
    person = participant(session)
    address = person.addresses[0]
    waiting = {
        kind: Message(
            direction=Direction.OUTBOUND,
            channel=Channel.SMS,
            participant_id=person.id,
            address_id=address.id,
            body=f"a {kind}",
            kind=kind,
            status=MessageStatus.HELD,
        )
        for kind in ("reminder", "tutor", "broadcast", "session_notice")
    }
    session.add_all(waiting.values())
    session.commit()
    say(session, "no")
    session.expire_all()
    assert {kind: m.status for kind, m in waiting.items()} == {
        "reminder": MessageStatus.CANCELLED,
        "tutor": MessageStatus.CANCELLED,
        "broadcast": MessageStatus.CANCELLED,
        # About a booking they made, not a reminder: it still goes.
        "session_notice": MessageStatus.HELD,
    }
