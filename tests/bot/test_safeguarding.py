"""Safeguarding: a message suggesting risk is answered at once, whatever else is going on,
flagged for staff, audited, and never read as an answer. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from bot import copy
from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import (
    AddressStatus,
    AuditEvent,
    Channel,
    Direction,
    Flag,
    FlagKind,
    FlagStatus,
    InviteStatus,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    PendingQuestion,
    Rsvp,
    StaffAlert,
)
from bot.sending.claiming import claim_due
from bot.settings import SafeguardingSettings, Settings
from tests.bot import test_rsvp_replies as rsvp
from tests.bot.test_survey_conversation import (
    answers,
    bodies,
    invite_of,
    pending,
    person,
    start,
    worker_pass,
)
from tests.factories import (
    create_address,
    create_course,
    create_course_session,
    create_message,
    create_participant,
)

# Monday 23 November 2026, 11:00 in London: inside the sending hours.
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
# 03:00 the next night: far outside the 09:00-20:00 sending hours.
NIGHT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
PHONE = "+447911000101"
RISK = "i just want to end it all tbh"
SIGNPOSTING = copy.text("safeguarding.signposting")
_ids = itertools.count(1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def send(session, text, *, to=PHONE, channel=Channel.SMS, settings=None, **kw) -> int:
    sid = f"SM{next(_ids):032x}"
    receipt = receive(session, InboundMessage(channel, to, sid, text, **kw), settings)
    session.commit()
    return receipt.message_id


def replies_to(session, message_id: int) -> list[Message]:
    session.expire_all()
    return list(
        session.scalars(
            select(Message)
            .where(Message.send_key.like(f"reply:{message_id}:%"))
            .order_by(Message.id)
        )
    )


def open_flags(session, kind=FlagKind.SAFEGUARDING) -> list[Flag]:
    session.expire_all()
    return list(
        session.scalars(select(Flag).where(Flag.kind == kind, Flag.status == FlagStatus.OPEN))
    )


def test_the_signposting_says_999_nhs_111_option_2_samaritans_shout_and_not_watched():
    assert "call 999" in SIGNPOSTING
    assert "NHS 111 and choose option 2" in SIGNPOSTING
    assert "Samaritans free on 116 123, at any time" in SIGNPOSTING
    assert "text SHOUT to 85258" in SIGNPOSTING
    assert "We do not read this number all the time." in SIGNPOSTING


@pytest.mark.parametrize(
    "text",
    [RISK, "I want to KILL my self", "suicidal again", "selfharm", "wanna dieeee", "su1c1de"],
)
def test_a_risk_message_gets_the_signposting_as_an_urgent_reply_and_an_urgent_flag(
    session, clock, text
):
    message_id = send(session, text)
    (reply,) = replies_to(session, message_id)
    assert (reply.body, reply.kind, reply.urgent) == (SIGNPOSTING, "safeguarding", True)
    (flag,) = open_flags(session)
    assert (flag.urgent, flag.message_id) == (True, message_id)
    stored = session.get(Message, message_id)
    assert stored.body == text  # kept exactly as written


def test_a_polish_speaker_gets_the_signposting_in_polish(session, clock):
    speaker = create_participant(session, language="pl")
    create_address(session, speaker, value=PHONE)
    session.commit()
    (reply,) = replies_to(session, send(session, "chcę umrzeć"))
    assert reply.body == copy.text("safeguarding.signposting", "pl")
    assert "116 123" in reply.body and "85258" in reply.body and "999" in reply.body


def test_an_ordinary_message_raises_no_flag_and_gets_no_signposting(session, clock):
    message_id = send(session, "I hurt my knee so I might be late, sorry")
    assert all(reply.kind != "safeguarding" for reply in replies_to(session, message_id))
    assert open_flags(session) == []


def test_the_match_is_audited_with_the_listed_phrase_never_their_words(session, clock):
    message_id = send(session, "honestly I want to end it all now")
    (event,) = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "safeguarding.match")
    ).all()
    (flag,) = open_flags(session)
    assert (event.target_type, event.target_id) == ("Flag", flag.id)
    assert event.detail == {"message_id": message_id, "phrase": "end it all"}
    assert "honestly" not in str(event.detail)


def test_a_second_risk_message_is_answered_again_and_joins_the_open_flag(session, clock):
    first = send(session, RISK)
    second = send(session, "i mean it i want to die")
    assert [r.body for r in replies_to(session, second)] == [SIGNPOSTING]
    (flag,) = open_flags(session)
    assert flag.message_id == first
    matches = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "safeguarding.match")
    ).all()
    assert [event.detail["message_id"] for event in matches] == [first, second]


def test_someone_who_texted_stop_still_gets_the_signposting_and_it_is_not_cancelled(session, clock):
    send(session, "STOP")
    message_id = send(session, RISK)
    (reply,) = replies_to(session, message_id)
    assert reply.body == SIGNPOSTING
    _stop_confirmation, signposting = sent_now(session, NOW)
    assert signposting == reply.id


def test_stop_a_moment_after_a_risk_message_leaves_the_signposting_to_go(session, clock):
    message_id = send(session, RISK)
    send(session, "STOP")
    (reply,) = replies_to(session, message_id)
    assert reply.status is MessageStatus.QUEUED
    assert reply.id in sent_now(session, NOW)


def test_the_signposting_goes_at_three_in_the_morning_while_a_reminder_waits_for_morning(
    session,
):
    with time_machine.travel(NIGHT, tick=False):
        message_id = send(session, RISK)
        (reply,) = replies_to(session, message_id)
        reminder = create_message(
            session,
            _address(session, message_id),
            direction=Direction.OUTBOUND,
            kind="reminder",
            next_attempt_at=NIGHT,
        )
        session.commit()
        assert sent_now(session, NIGHT) == [reply.id]
    session.expire_all()
    assert session.get(Message, reminder.id).next_attempt_at > NIGHT


def test_a_paused_participant_gets_the_signposting(session, clock):
    participant = create_participant(session, status=ParticipantStatus.PAUSED)
    create_address(session, participant, value=PHONE)
    session.commit()
    (reply,) = replies_to(session, send(session, RISK))
    assert sent_now(session, NOW) == [reply.id]


def test_a_risk_message_mid_survey_is_not_an_answer_and_the_survey_pauses(session, clock):
    participant = person(session)
    start(session, [participant])
    worker_pass(session)
    assert invite_of(session, participant).status is InviteStatus.ASKING

    send(session, "3 i want to die")

    assert answers(session, participant) == []
    assert invite_of(session, participant).status is InviteStatus.PAUSED
    assert pending(session, participant) is None
    assert bodies(session, participant)[-1] == SIGNPOSTING
    # The worker asks nothing while it is paused, however many passes run.
    asked = len(bodies(session, participant))
    worker_pass(session, NOW + timedelta(hours=1))
    worker_pass(session, NOW + timedelta(days=1))
    assert len(bodies(session, participant)) == asked


def test_a_risk_message_answering_a_reminder_is_not_taken_as_an_rsvp(session):
    course = create_course(session, code="ART1")
    create_course_session(session, course, starts_at=rsvp.START)
    session.commit()
    with time_machine.travel(rsvp.ASKED, tick=False):
        enrolment = rsvp.booked_and_asked(session, to=PHONE)
        send(session, "2 cant come i want to kill myself")
    enrolment = rsvp.fresh(session, enrolment)
    assert (enrolment.rsvp, enrolment.rsvp_reason) == (Rsvp.NONE, None)
    (flag,) = open_flags(session)
    assert flag.participant_id == enrolment.participant_id
    # The question is still open: their next "1" is their answer.
    with time_machine.travel(rsvp.ASKED + timedelta(minutes=5), tick=False):
        send(session, "1")
    assert rsvp.fresh(session, enrolment).rsvp is Rsvp.COMING


def test_an_edited_telegram_message_that_now_suggests_risk_is_answered(session, clock):
    first = send(session, "hello", to="555001", channel=Channel.TELEGRAM)
    edit = send(
        session, "i want to kill myself", to="555001", channel=Channel.TELEGRAM, edited=True
    )
    assert replies_to(session, first)[0].kind != "safeguarding"
    assert [r.body for r in replies_to(session, edit)] == [SIGNPOSTING]
    assert len(open_flags(session)) == 1


def test_a_pressed_button_is_never_read_as_a_risk_message(session, clock):
    message_id = send(session, "kms", to="555002", channel=Channel.TELEGRAM, button=True, tag="r12")
    assert open_flags(session) == []
    assert all(r.kind != "safeguarding" for r in replies_to(session, message_id))


def test_staff_alerts_are_queued_only_for_the_ways_set_up(session, clock):
    emailing = Settings(
        safeguarding=SafeguardingSettings(alert_emails=("duty@example.org",), smtp_host="mail")
    )
    send(session, RISK, settings=emailing)
    send(session, "still want to die", settings=emailing)
    alerts = session.scalars(select(StaffAlert)).all()
    assert [(a.via, a.status.value) for a in alerts] == [("email", "queued")]

    send(session, "kms", to="+447911000202")  # no alert set up: none queued
    assert len(session.scalars(select(StaffAlert)).all()) == 1


def test_a_listed_phrase_and_a_survey_stop_are_both_honoured_by_erring_to_safety(session, clock):
    participant = person(session)
    start(session, [participant])
    worker_pass(session)
    send(session, "stop survey i want to end it all")
    assert invite_of(session, participant).status is InviteStatus.PAUSED
    assert bodies(session, participant)[-1] == SIGNPOSTING


def test_resuming_after_staff_close_the_flag_asks_the_same_question_again(session, clock):
    from bot.flag_pages import resolve

    participant = person(session)
    start(session, [participant])
    worker_pass(session)
    question = bodies(session, participant)[-1]
    send(session, RISK)
    (flag,) = open_flags(session)
    staff = _staff(session)
    resolve(session, flag.id, "Phoned. Safe.", staff_user_id=staff, resume_surveys=True)
    session.commit()
    assert invite_of(session, participant).status is InviteStatus.ASKING
    worker_pass(session, NOW + timedelta(minutes=5))
    assert bodies(session, participant)[-1] == copy.text("survey.asked_again") + "\n" + question
    assert pending(session, participant).pending is PendingQuestion.SURVEY


def _staff(session) -> int:
    from bot.staff import add_staff

    user = add_staff(session, "duty@example.org", "a long enough password")
    session.flush()
    return user.id


def sent_now(session, now) -> list[int]:
    """The ids the dispatcher would send at `now` (on SMS), in order."""
    claim = claim_due(session, Settings(), [Channel.SMS], now, 50)
    session.commit()
    return [claimed.message_id for claimed in claim.claimed]


def _address(session, message_id: int):
    from bot.models import Address

    return session.get(Address, session.get(Message, message_id).address_id)


def test_a_new_risk_message_half_an_hour_on_alerts_staff_again_but_a_burst_alerts_once(session):
    emailing = Settings(
        safeguarding=SafeguardingSettings(alert_emails=("duty@example.org",), smtp_host="mail")
    )
    for minutes in (0, 5, 20):
        with time_machine.travel(NOW + timedelta(minutes=minutes), tick=False):
            send(session, RISK, settings=emailing)
    assert len(session.scalars(select(StaffAlert)).all()) == 1
    with time_machine.travel(NOW + timedelta(minutes=55), tick=False):
        send(session, "i still want to die", settings=emailing)
    alerts = session.scalars(select(StaffAlert)).all()
    assert len(alerts) == 2
    assert len({alert.flag_id for alert in alerts}) == 1


def test_the_signposting_is_tried_even_on_an_address_the_network_marked_stopped(session, clock):
    participant = create_participant(session)
    create_address(session, participant, value=PHONE, status=AddressStatus.STOPPED)
    session.commit()
    (reply,) = replies_to(session, send(session, RISK))
    reminder = create_message(
        session,
        _address(session, reply.id),
        direction=Direction.OUTBOUND,
        kind="reminder",
        next_attempt_at=NOW,
    )
    session.commit()
    assert sent_now(session, NOW) == [reply.id]
    session.expire_all()
    assert session.get(Message, reminder.id).status is MessageStatus.CANCELLED


def test_a_survey_question_still_waiting_to_go_is_withdrawn_so_only_the_signposting_follows(
    session, clock
):
    participant = create_participant(session)
    address = create_address(session, participant, channel=Channel.WHATSAPP, value=PHONE)
    held = create_message(
        session,
        address,
        direction=Direction.OUTBOUND,
        kind="survey",
        status=MessageStatus.HELD,
        body="How was the session today?",
    )
    session.commit()
    (reply,) = replies_to(session, send(session, RISK, channel=Channel.WHATSAPP))
    session.expire_all()
    assert session.get(Message, held.id).status is MessageStatus.CANCELLED
    claim = claim_due(session, Settings(), [Channel.WHATSAPP], NOW, 50)
    assert [claimed.message_id for claimed in claim.claimed] == [reply.id]


def test_leave_me_alone_with_a_risk_phrase_gets_signposting_and_pauses_messages(session, clock):
    (reply,) = replies_to(session, send(session, "leave me alone i want to die"))
    assert reply.body == SIGNPOSTING
    person = session.get(Message, reply.id).participant_id
    assert session.get(Participant, person).status is ParticipantStatus.PAUSED
    kinds = sorted(f.kind.value for f in session.scalars(select(Flag)))
    assert kinds == ["safeguarding", "stop_request"]


def test_wanting_to_stop_living_is_not_read_as_a_request_to_stop_messages(session, clock):
    (reply,) = replies_to(session, send(session, "I want to stop living"))
    assert reply.body == SIGNPOSTING
    assert session.get(Participant, reply.participant_id).status is ParticipantStatus.ACTIVE
    assert [f.kind for f in session.scalars(select(Flag))] == [FlagKind.SAFEGUARDING]
