"""Nothing a participant can type makes the service answer a provider with a 500."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.events import storable_text
from bot.models import Direction, Message
from tests.webhooks.conftest import new_sid, post_telegram, post_twilio, sms_form

UPDATE_IDS = itertools.count(10_000_000)
FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture]
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=1700)


@settings(max_examples=60, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(body=ANY_TEXT)
def test_any_sms_body_is_accepted_and_stored_exactly(client, session, body):
    sid = new_sid()
    response = post_twilio(client, "/webhooks/twilio/messages", sms_form(body=body, sid=sid))
    assert response.status_code == 200
    session.rollback()  # end the last read snapshot so the next read sees the new row
    stored = session.scalar(select(Message.body).where(Message.provider_id == sid))
    assert stored == storable_text(body)


@settings(max_examples=40, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(text=ANY_TEXT)
def test_any_telegram_text_is_accepted_and_never_a_500(client, session, text):
    # The database outlives each example, so every example needs an update_id of its own.
    update_id = next(UPDATE_IDS)
    update = {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1790000000,
            "text": text,
            "chat": {"id": 77, "type": "private"},
        },
    }
    response = post_telegram(client, update)
    assert response.status_code == 200
    session.rollback()  # end the last read snapshot so the next read sees the new row
    stored = session.scalars(
        select(Message.body).where(
            Message.provider_id == str(update_id), Message.direction == Direction.INBOUND
        )
    ).all()
    assert stored == [storable_text(text)]


@settings(max_examples=40, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(
    form=st.dictionaries(
        st.sampled_from(["MessageSid", "From", "Body", "To", "NumMedia", "x"]),
        st.text(max_size=50),
        max_size=6,
    )
)
def test_odd_or_missing_twilio_fields_get_a_4xx_answer_never_a_500(client, form):
    response = post_twilio(client, "/webhooks/twilio/messages", form)
    assert response.status_code in (200, 400)
