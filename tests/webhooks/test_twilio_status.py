"""POST /webhooks/twilio/status: de-duplicated, never backwards, opt-outs and failures acted on."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from bot.delivery_status import apply_early_statuses, apply_twilio_status, record_event
from bot.models import (
    Address,
    AddressStatus,
    Channel,
    Direction,
    Flag,
    FlagKind,
    Message,
    MessageStatus,
    StatusEvent,
    utcnow,
)
from bot.sending.claiming import claim_due
from bot.time_windows import TimeWindow
from tests.factories import create_address, create_message
from tests.webhooks.conftest import ACCOUNT_SID, new_sid, post_twilio

PATH = "/webhooks/twilio/status"


def status_form(sid: str, status: str, error_code: str = "") -> dict:
    form = {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": "+447700900123",
        "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": "+447700900000",
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        form["ErrorCode"] = error_code
    return form


def sent_message(session, status=MessageStatus.SENT):
    sid = new_sid()
    message = create_message(
        session, direction=Direction.OUTBOUND, status=status, provider_id=sid, body="Reminder"
    )
    session.commit()
    return message, sid


def reload(session, message):
    session.expire_all()
    return session.get(Message, message.id)


def test_a_delivered_callback_moves_a_sent_message_on(client, session):
    message, sid = sent_message(session)
    assert post_twilio(client, PATH, status_form(sid, "delivered")).status_code == 200
    assert reload(session, message).status is MessageStatus.DELIVERED


def test_a_late_sent_never_overwrites_delivered(client, session):
    message, sid = sent_message(session)
    post_twilio(client, PATH, status_form(sid, "delivered"))
    post_twilio(client, PATH, status_form(sid, "sent"))
    assert reload(session, message).status is MessageStatus.DELIVERED


def test_a_replayed_callback_is_stored_once(client, session):
    _, sid = sent_message(session)
    for _ in range(3):
        assert post_twilio(client, PATH, status_form(sid, "delivered")).status_code == 200
    assert session.scalar(select(func.count()).select_from(StatusEvent)) == 1


def test_error_21610_stops_the_address(client, session):
    message, sid = sent_message(session)
    post_twilio(client, PATH, status_form(sid, "undelivered", "21610"))
    loaded = reload(session, message)
    assert session.get(Address, loaded.address_id).status is AddressStatus.STOPPED
    assert loaded.error_code == "21610"


def test_an_undeliverable_code_raises_a_delivery_failure_flag_with_the_reason(client, session):
    message, sid = sent_message(session)
    post_twilio(client, PATH, status_form(sid, "undelivered", "30003"))
    flag = session.scalar(select(Flag))
    assert flag.kind is FlagKind.DELIVERY_FAILURE
    assert flag.message_id == message.id
    assert reload(session, message).error_text == "the phone is switched off or unreachable"


def test_a_forged_status_callback_gets_403_and_changes_nothing(client, session):
    message, sid = sent_message(session)
    response = post_twilio(client, PATH, status_form(sid, "delivered"), signature="forged")
    assert response.status_code == 403
    assert reload(session, message).status is MessageStatus.SENT
    assert session.scalar(select(func.count()).select_from(StatusEvent)) == 0


def test_a_callback_for_an_unknown_message_is_accepted_quietly(client, session):
    response = post_twilio(client, PATH, status_form(new_sid(), "delivered"))
    assert response.status_code == 200


def whatsapp_message(session, **kw):
    address = create_address(session, channel=Channel.WHATSAPP, value="+447911123456")
    sid = new_sid()
    message = create_message(
        session,
        address,
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
        provider_id=sid,
        body="Reminder: Art for wellbeing is tomorrow.",
        kind="reminder",
        **kw,
    )
    session.commit()
    return message, sid


def whatsapp_form(sid: str, status: str, error_code: str) -> dict:
    form = status_form(sid, status, error_code)
    form["To"], form["From"] = "whatsapp:+447911123456", "whatsapp:+447700900000"
    return form


def test_a_whatsapp_63016_by_callback_sends_the_message_again_by_the_closed_window_road(
    client, session
):
    message, sid = whatsapp_message(session)
    post_twilio(client, PATH, whatsapp_form(sid, "undelivered", "63016"))
    post_twilio(client, PATH, whatsapp_form(sid, "failed", "63016"))  # Twilio often sends both

    again = session.scalars(
        select(Message).where(Message.id != message.id, Message.direction == Direction.OUTBOUND)
    ).all()
    assert [(m.status, m.error_code, m.body, m.kind) for m in again] == [
        (MessageStatus.QUEUED, "63016", message.body, "reminder")
    ]
    assert reload(session, message).status is MessageStatus.UNDELIVERED
    # Not a failure for staff yet: the claim flags it only if it has to hold it.
    assert session.scalars(select(Flag)).all() == []


def test_the_message_sent_again_after_63016_goes_by_sms_when_there_is_no_template(
    client, session, settings
):
    message, sid = whatsapp_message(session)
    sms = create_address(
        session, session.get(Address, message.address_id).participant, value="+447911123457"
    )
    session.commit()
    post_twilio(client, PATH, whatsapp_form(sid, "undelivered", "63016"))

    always = dataclasses.replace(settings.app, send_window=TimeWindow.parse("always"))
    claim = claim_due(
        session,
        dataclasses.replace(settings, app=always),
        [Channel.SMS, Channel.WHATSAPP],
        utcnow(),
        10,
    )
    session.commit()
    (claimed,) = claim.claimed
    assert claimed.envelope.channel is Channel.SMS
    assert claimed.envelope.to == sms.value


def test_undelivered_then_failed_for_one_message_flags_staff_once(client, session):
    message, sid = sent_message(session)
    post_twilio(client, PATH, status_form(sid, "undelivered", "30003"))
    post_twilio(client, PATH, status_form(sid, "failed", "30003"))
    flags = session.scalars(select(Flag).where(Flag.kind == FlagKind.DELIVERY_FAILURE)).all()
    assert [flag.message_id for flag in flags] == [message.id]


def test_a_63016_on_the_copy_sent_again_is_a_failure_for_staff_not_another_copy(client, session):
    message, sid = whatsapp_message(session)
    post_twilio(client, PATH, whatsapp_form(sid, "undelivered", "63016"))
    copy = session.scalar(select(Message).where(Message.send_key == f"63016:{message.id}"))
    copy.status, copy.provider_id = MessageStatus.SENT, new_sid()
    session.commit()

    post_twilio(client, PATH, whatsapp_form(copy.provider_id, "undelivered", "63016"))

    outbound = session.scalars(select(Message.id).where(Message.direction == Direction.OUTBOUND))
    assert sorted(outbound) == [message.id, copy.id]
    flags = session.scalars(select(Flag.message_id).where(Flag.kind == FlagKind.DELIVERY_FAILURE))
    assert list(flags) == [copy.id]


def test_applying_stored_statuses_again_after_a_batch_does_not_flag_twice(session):
    _, sid = sent_message(session)
    assert record_event(session, Channel.SMS, sid, "undelivered", "30003")
    assert apply_twilio_status(session, Channel.SMS, sid, "undelivered", "30003") is not None
    assert apply_early_statuses(session, [(Channel.SMS, sid)]) == 0
    session.commit()
    flags = session.scalars(select(Flag).where(Flag.kind == FlagKind.DELIVERY_FAILURE)).all()
    assert len(flags) == 1
