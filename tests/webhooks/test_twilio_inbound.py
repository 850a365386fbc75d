"""POST /webhooks/twilio/messages: signed, stored verbatim once, answered with empty TwiML."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from bot.models import Channel, Direction, Message, Participant
from tests.webhooks.conftest import PUBLIC_URL, new_sid, post_twilio, sign, sms_form

PATH = "/webhooks/twilio/messages"


def count(session, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(*conditions))


def test_a_signed_sms_is_stored_verbatim_and_answered_with_empty_twiml(client, session):
    response = post_twilio(client, PATH, sms_form(body="  Hello there!  "))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.data.decode().endswith("<Response/>")
    inbound = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert inbound.body == "  Hello there!  "
    assert inbound.channel is Channel.SMS
    assert count(session, Message.direction == Direction.OUTBOUND) == 1


def test_a_forged_signature_gets_403_and_nothing_is_written(client, session):
    form = sms_form()
    response = post_twilio(client, PATH, form, signature=sign(PUBLIC_URL + PATH, form, "wrong"))
    assert response.status_code == 403
    assert count(session) == 0
    assert session.scalar(select(func.count()).select_from(Participant)) == 0


def test_a_missing_signature_gets_403(client, session):
    response = client.post(PATH, data=sms_form())
    assert response.status_code == 403
    assert count(session) == 0


def test_a_signature_over_changed_fields_is_refused(client, session):
    form = sms_form(body="I can come")
    signature = sign(PUBLIC_URL + PATH, form)
    response = post_twilio(client, PATH, {**form, "Body": "STOP"}, signature=signature)
    assert response.status_code == 403
    assert count(session) == 0


def test_a_signature_made_with_the_default_port_is_accepted(client, session):
    form = sms_form()
    url = "https://voices.example.org:443" + PATH
    response = post_twilio(client, PATH, form, url=url)
    assert response.status_code == 200
    assert count(session, Message.direction == Direction.INBOUND) == 1


def test_without_an_auth_token_every_twilio_webhook_is_refused(settings, session):
    from webhooks.app import create_app

    client = create_app(settings).test_client()
    response = post_twilio(client, PATH, sms_form())
    assert response.status_code == 403
    assert count(session) == 0


def test_a_whatsapp_message_is_stored_on_the_whatsapp_channel(client, session):
    post_twilio(client, PATH, sms_form(sender="whatsapp:+447700900321"))
    inbound = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert inbound.channel is Channel.WHATSAPP


def test_a_replayed_webhook_gets_200_and_makes_one_message_and_one_reply(client, session):
    form = sms_form(body="hello")
    answers = [post_twilio(client, PATH, form).status_code for _ in range(10)]
    assert answers == [200] * 10
    assert count(session, Message.direction == Direction.INBOUND) == 1
    assert count(session, Message.direction == Direction.OUTBOUND) == 1


def test_concurrent_replays_make_one_message_and_one_reply(app, session):
    form = sms_form(body="hello", sid=new_sid())

    def post(_):
        return post_twilio(app.test_client(), PATH, form).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(post, range(10)))
    assert answers == [200] * 10
    assert count(session, Message.direction == Direction.INBOUND) == 1
    assert count(session, Message.direction == Direction.OUTBOUND) == 1


def test_a_form_without_a_message_sid_gets_400_with_a_reason(client, session):
    form = sms_form()
    del form["MessageSid"]
    response = post_twilio(client, PATH, form)
    assert response.status_code == 400
    assert "MessageSid" in response.get_json()["error"]
    assert count(session) == 0


def test_a_body_over_the_size_limit_gets_413(client, session):
    form = sms_form(body="x" * 70_000)
    response = post_twilio(client, PATH, form)
    assert response.status_code == 413
    assert count(session) == 0


ODD_BODIES = [
    "👍🏽🎉 can't come 😢",
    "אני לא יכול לבוא",
    "لا أستطيع الحضور",
    "a" * 1600,
    "bell\x07 tab\t cr\r\n vt\x0b esc\x1b",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE messages;--",
    "",
    "%00 %s {name} {0} \\N",
]


@pytest.mark.parametrize("body", ODD_BODIES)
def test_whatever_a_participant_types_is_stored_exactly_and_never_causes_a_500(
    client, session, body
):
    response = post_twilio(client, PATH, sms_form(body=body))
    assert response.status_code == 200
    inbound = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert inbound.body == body


def test_a_nul_character_is_kept_as_a_replacement_mark_not_refused(client, session):
    response = post_twilio(client, PATH, sms_form(body="before\x00after"))
    assert response.status_code == 200
    inbound = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert inbound.body == "before\ufffdafter"
