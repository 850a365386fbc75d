"""Answers to a reminder's "are you coming?", driven through `bot.inbox.receive` as every
channel drives it. The clock stands still at the day-before reminder unless a test moves it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot import conversation, copy, engine, safeguarding
from bot.conversation import Next, set_pending
from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import (
    Address,
    Attendance,
    Channel,
    ConversationState,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
    Message,
    MessageStatus,
    ParticipantStatus,
    PendingQuestion,
    Rsvp,
    SessionStatus,
)
from bot.participants import find_address
from bot.reminders.audience import Target
from bot.reminders.rsvp import expect_answers
from tests.factories import create_course, create_course_session

PHONE = "+447700900777"
CHAT_ID = "515151"
_ids = itertools.count(1)

# Tuesday 24 November 2026 at 2:30pm, asked about at the day-before reminder on Monday.
START = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
ASKED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

COMING = "Thank you. See you there."
ASK_WHY = "Thank you for telling us. Can you tell us why? You do not have to."
REASON_SAVED = "Thank you. We have saved what you told us."
CALLING_BACK = "Thank you. Someone from the team will phone you to help."
ASK_AGAIN = (
    "Sorry, we did not understand. Reply 1 if you are coming. Reply 2 if you can't come. "
    "Reply 3 if you need help to get there."
)
TAP_A_BUTTON = "Sorry, we did not understand. Are you coming? Please tap a button."
BUTTONS = [["I am coming", "1"], ["I can't come", "2"], ["I need help to get there", "3"]]
GAVE_UP = "Thank you. A member of staff will read your message."
ORDINARY = "Thank you. We got your message. A member of staff will read it."
STOPPED = "You will not get any more messages from us. To join again, text START."


# ---------------------------------------------------------------------------------------------
# Helpers


def send(
    session, text: str, *, to: str = PHONE, channel: Channel = Channel.SMS, button: bool = False
) -> int:
    """Send one message in; return the id of the stored inbound message."""
    msg = InboundMessage(channel, to, f"SM{next(_ids):032x}", text, button=button)
    receipt = receive(session, msg)
    session.commit()
    return receipt.message_id


def replies_to(session, message_id: int) -> list[Message]:
    session.expire_all()
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.send_key.like(f"reply:{message_id}:%"),
            )
            .order_by(Message.id)
        )
    )


def say(session, text: str, **kw) -> list[str]:
    """Send one message in; return the bodies of the replies it queued."""
    return [reply.body for reply in replies_to(session, send(session, text, **kw))]


def address_of(session, to: str = PHONE, channel: Channel = Channel.SMS) -> Address:
    session.expire_all()
    return find_address(session, channel, to)


def consented(session, to: str = PHONE, channel: Channel = Channel.SMS) -> None:
    say(session, "JOIN ART1", to=to, channel=channel)
    say(session, "yes", to=to, channel=channel)
    say(session, "yes", to=to, channel=channel)


def ask(session, enrolment: Enrolment, address: Address) -> None:
    """Make "are you coming?" the pending question, as queuing a reminder does."""
    target = Target(
        enrolment_id=enrolment.id,
        session_id=enrolment.session_id,
        participant_id=enrolment.participant_id,
        language="en",
        rsvp=enrolment.rsvp,
        address_id=address.id,
        channel=address.channel,
    )
    expect_answers(session, [target])
    session.commit()


def booked_and_asked(session, to: str = PHONE, channel: Channel = Channel.SMS) -> Enrolment:
    """Someone who joined ART1 (which books them on its session), agreed, and was reminded."""
    consented(session, to, channel)
    address = address_of(session, to, channel)
    enrolment = session.scalar(
        select(Enrolment).where(Enrolment.participant_id == address.participant_id)
    )
    ask(session, enrolment, address)
    return enrolment


def fresh(session, enrolment: Enrolment) -> Enrolment:
    session.expire_all()
    return session.get(Enrolment, enrolment.id)


def pending(session) -> ConversationState | None:
    session.expire_all()
    return session.scalar(select(ConversationState))


def inbound_bodies(session) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(Message.body).where(Message.direction == Direction.INBOUND).order_by(Message.id)
        )
    )


@pytest.fixture
def clock():
    with time_machine.travel(ASKED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def course(session):
    course = create_course(session, code="ART1", title="Art for wellbeing")
    session.commit()
    return course


@pytest.fixture
def art(session, course):
    art = create_course_session(session, course, starts_at=START)
    session.commit()
    return art


@pytest.fixture
def booking(session, clock, art) -> Enrolment:
    return booked_and_asked(session)


# ---------------------------------------------------------------------------------------------
# Understood answers


@pytest.mark.parametrize(
    ("text", "choice", "reply"),
    [
        ("1", Rsvp.COMING, COMING),
        ("1.", Rsvp.COMING, COMING),
        ("one", Rsvp.COMING, COMING),
        ("yes", Rsvp.COMING, COMING),
        ("y", Rsvp.COMING, COMING),
        ("yeah", Rsvp.COMING, COMING),
        ("👍", Rsvp.COMING, COMING),
        ("See you there!", Rsvp.COMING, COMING),
        ("2", Rsvp.CANT_COME, ASK_WHY),
        ("no", Rsvp.CANT_COME, ASK_WHY),
        ("cant come sorry", Rsvp.CANT_COME, ASK_WHY),
        ("I'm ill", Rsvp.CANT_COME, ASK_WHY),
        ("3", Rsvp.NEED_HELP, CALLING_BACK),
        ("need a lift", Rsvp.NEED_HELP, CALLING_BACK),
    ],
)
def test_the_replies_people_really_send_are_read_as_the_choice_they_make(
    session, booking, text, choice, reply
):
    assert say(session, text) == [reply]
    enrolment = fresh(session, booking)
    assert enrolment.rsvp is choice
    assert enrolment.rsvp_at == ASKED
    assert inbound_bodies(session)[-1] == text


@pytest.mark.parametrize(
    "text", ["No, I won't be coming", "wont be coming sorry", "I can't be coming this week"]
)
def test_saying_you_will_not_be_coming_is_read_as_cant_come_not_as_coming(session, booking, text):
    assert say(session, text) == [ASK_WHY]
    enrolment = fresh(session, booking)
    assert (enrolment.rsvp, enrolment.attendance) == (Rsvp.CANT_COME, Attendance.EXCUSED)


def test_the_answer_is_recorded_on_the_booking_the_latest_reminder_asked_about(
    session, clock, course, art
):
    later = create_course_session(session, course, starts_at=START + timedelta(days=7))
    session.commit()
    first = booked_and_asked(session)
    second = session.scalar(select(Enrolment).where(Enrolment.session_id == later.id))
    ask(session, second, address_of(session))  # next week's reminder replaces the question

    assert say(session, "1") == [COMING]

    assert fresh(session, second).rsvp is Rsvp.COMING
    assert fresh(session, first).rsvp is Rsvp.NONE


# ---------------------------------------------------------------------------------------------
# Can't come, and why


def test_cant_come_counts_as_excused_and_asks_why_once_keeping_the_reason_exactly(session, booking):
    reason = "  bus strike agian 🚌 &  my knee’s bad\nsorry x "

    assert say(session, "cant come sorry") == [ASK_WHY]
    assert fresh(session, booking).attendance is Attendance.EXCUSED
    assert pending(session).pending is PendingQuestion.RSVP_REASON

    assert say(session, reason) == [REASON_SAVED]
    enrolment = fresh(session, booking)
    assert enrolment.rsvp_reason == reason
    assert (enrolment.rsvp, enrolment.attendance) == (Rsvp.CANT_COME, Attendance.EXCUSED)
    assert pending(session) is None

    # Asked once: the next message is an ordinary one, not a second reason.
    assert say(session, "also the room was cold last week") == [ORDINARY]
    assert fresh(session, booking).rsvp_reason == reason
    assert inbound_bodies(session)[-2:] == [reason, "also the room was cold last week"]


@pytest.mark.parametrize(
    ("waited", "kept"),
    [
        pytest.param(timedelta(hours=23, minutes=59), True, id="within-a-day"),
        pytest.param(timedelta(days=1, minutes=1), False, id="over-a-day-later"),
    ],
)
def test_a_reason_is_only_taken_as_the_reason_within_a_day_of_asking(
    session, clock, booking, waited, kept
):
    # "Why?" is asked three hours after the reminder; the day is counted from then.
    told_us = ASKED + timedelta(hours=3)
    clock.move_to(told_us)
    say(session, "2")
    clock.move_to(told_us + waited)  # still before the session starts

    replies = say(session, "my mum was poorly")

    enrolment = fresh(session, booking)
    assert replies == ([REASON_SAVED] if kept else [ORDINARY])
    assert enrolment.rsvp_reason == ("my mum was poorly" if kept else None)
    assert enrolment.rsvp is Rsvp.CANT_COME
    assert pending(session) is None


def test_coming_after_all_turns_excused_back_to_not_yet_marked(session, booking):
    say(session, "2")
    assert fresh(session, booking).attendance is Attendance.EXCUSED
    # The on-the-day reminder asks again, replacing the unanswered "why?".
    ask(session, booking, address_of(session))

    assert say(session, "yes") == [COMING]

    enrolment = fresh(session, booking)
    assert (enrolment.rsvp, enrolment.attendance) == (Rsvp.COMING, Attendance.UNKNOWN)


# ---------------------------------------------------------------------------------------------
# Need help


def test_need_help_raises_one_open_call_back_flag_about_the_booking_and_the_message(
    session, booking
):
    message_id = send(session, "3")

    (flag,) = session.scalars(select(Flag)).all()
    assert (flag.kind, flag.status) == (FlagKind.CALLBACK, FlagStatus.OPEN)
    assert (flag.enrolment_id, flag.message_id) == (booking.id, message_id)
    assert flag.participant_id == booking.participant_id
    assert pending(session) is None

    # Asked again and needing help again: staff still have one call to make, not two.
    ask(session, booking, address_of(session))
    assert say(session, "I need a lift again") == [CALLING_BACK]
    assert len(session.scalars(select(Flag)).all()) == 1


# ---------------------------------------------------------------------------------------------
# Not understood


def test_an_unclear_answer_gets_one_reprompt_then_goes_to_staff_and_both_are_kept_verbatim(
    session, booking
):
    first, second = "wot time is it agen??  ", "hmm 🤔 maybe"

    assert say(session, first) == [ASK_AGAIN]
    state = pending(session)
    assert (state.pending, state.misses, state.asked_at) == (PendingQuestion.RSVP, 1, ASKED)

    assert say(session, second) == [GAVE_UP]
    assert pending(session) is None
    assert fresh(session, booking).rsvp is Rsvp.NONE

    unread = session.scalars(
        select(Message.body)
        .where(Message.direction == Direction.INBOUND, Message.read_at.is_(None))
        .order_by(Message.id)
    ).all()
    assert unread[-2:] == [first, second]
    # The question is closed: a late "1" is an ordinary message now.
    assert say(session, "1") == [ORDINARY]
    assert fresh(session, booking).rsvp is Rsvp.NONE


def test_on_telegram_the_reprompt_repeats_the_choices_as_buttons(session, clock, art):
    booking = booked_and_asked(session, CHAT_ID, Channel.TELEGRAM)

    (reprompt,) = replies_to(session, send(session, "maybe?", to=CHAT_ID, channel=Channel.TELEGRAM))

    assert reprompt.body == TAP_A_BUTTON
    assert reprompt.choices == [[label, f"{value}|r{booking.id}"] for label, value in BUTTONS]
    assert reprompt.channel is Channel.TELEGRAM
    # Pressing a button sends its value.
    assert say(session, "2", to=CHAT_ID, channel=Channel.TELEGRAM, button=True) == [ASK_WHY]
    assert fresh(session, booking).rsvp is Rsvp.CANT_COME


def test_by_text_the_reprompt_spells_the_numbers_out_and_has_no_buttons(session, booking):
    (reprompt,) = replies_to(session, send(session, "maybe?"))

    assert reprompt.body == ASK_AGAIN
    assert reprompt.choices is None


# ---------------------------------------------------------------------------------------------
# Answers that can no longer change anything


def _session_started(session, clock, booking):
    clock.move_to(START + timedelta(minutes=1))


def _session_cancelled(session, clock, booking):
    session.get(Enrolment, booking.id).session.status = SessionStatus.CANCELLED
    session.commit()


def _booking_removed(session, clock, booking):
    session.get(Enrolment, booking.id).removed_at = ASKED
    session.commit()


@pytest.mark.parametrize("text", ["1", "yes"])
@pytest.mark.parametrize("change", [_session_started, _session_cancelled, _booking_removed])
def test_an_answer_that_can_no_longer_count_is_an_ordinary_message(
    session, clock, booking, change, text
):
    change(session, clock, booking)

    assert say(session, text) == [ORDINARY]

    enrolment = fresh(session, booking)
    assert (enrolment.rsvp, enrolment.rsvp_at) == (Rsvp.NONE, None)
    assert pending(session) is None
    assert inbound_bodies(session)[-1] == text


def test_a_reason_for_a_session_since_cancelled_is_not_stored(session, booking):
    say(session, "2")
    _session_cancelled(session, None, booking)

    assert say(session, "work shift") == [ORDINARY]
    assert fresh(session, booking).rsvp_reason is None


# ---------------------------------------------------------------------------------------------
# Safety and opt-out come first


@pytest.mark.parametrize("state", ["asked", "asked why"])
def test_stop_while_an_answer_is_pending_still_opts_out(session, booking, state):
    if state == "asked why":
        say(session, "2")

    assert say(session, "STOP") == [STOPPED]

    assert address_of(session).participant.status is ParticipantStatus.STOPPED
    assert pending(session) is None
    assert fresh(session, booking).rsvp_reason is None


def test_a_stop_request_in_words_is_not_read_as_cant_come(session, booking):
    replies = say(session, "cant come. please stop texting me")

    assert replies == [
        "OK. We will send you fewer messages. To stop all messages, text the word STOP on its own."
    ]
    assert session.scalar(select(Flag.kind)) is FlagKind.STOP_REQUEST
    assert fresh(session, booking).rsvp is Rsvp.NONE


def test_help_while_an_answer_is_pending_answers_help_and_leaves_the_question_open(
    session, booking
):
    (reply,) = say(session, "help")
    assert "Many Voices" in reply
    assert pending(session).pending is PendingQuestion.RSVP

    assert say(session, "1") == [COMING]


def test_the_safeguarding_check_sees_a_message_before_it_can_be_read_as_an_rsvp(session, booking):
    assert engine.RULES.index(safeguarding.check) < engine.RULES.index(conversation.answer_pending)
    text = "2 i cant go on anymore"
    assert say(session, text) == [copy.text("safeguarding.signposting")]
    enrolment = fresh(session, booking)
    assert (enrolment.rsvp, enrolment.attendance) == (Rsvp.NONE, Attendance.UNKNOWN)


# ---------------------------------------------------------------------------------------------
# How replies go


def test_every_reply_in_the_conversation_is_queued_urgent(session, booking):
    ids = [send(session, text) for text in ("maybe", "2", "flat tyre")]
    # Asked again by hand, as staff tools may, with the booking as the question's context.
    set_pending(
        session, booking.participant_id, Next(PendingQuestion.RSVP, {"enrolment_id": booking.id})
    )
    session.commit()
    ids.append(send(session, "3"))

    replies = [reply for message_id in ids for reply in replies_to(session, message_id)]

    assert [reply.body for reply in replies] == [ASK_AGAIN, ASK_WHY, REASON_SAVED, CALLING_BACK]
    assert {(reply.urgent, reply.status) for reply in replies} == {(True, MessageStatus.QUEUED)}
