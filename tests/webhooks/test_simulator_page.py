"""The phone simulator page through Flask's test client, on SQLite and PostgreSQL: it exists only
in demo mode; typing on a phone goes into the inbox verbatim, once per form however often it is
sent; a button press keeps the value and drops our question tag; only what was sent shows."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.models import Channel, Direction, Message, MessageStatus
from tests.factories import create_address, create_message, create_participant
from webhooks.app import create_app

HTML_TAG = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def demo_app(settings):
    app = create_app(replace(settings, app=replace(settings.app, secure_cookies=False)), demo=True)
    yield app
    app.extensions["voices"]["engine"].dispose()


@pytest.fixture
def sam(session):
    person = create_participant(session, pseudonym="V-SAM01", display_name="Sam")
    address = create_address(session, person, channel=Channel.TELEGRAM, value="700000101")
    session.commit()
    return person, address


def phone_page(client, pseudonym="V-SAM01") -> str:
    answer = client.get(f"/simulator/{pseudonym}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def form_fields(html: str) -> dict[str, str]:
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return {"csrf_token": HTML_TAG.search(html).group(1), "token": token}


def inbound(session) -> list[Message]:
    session.rollback()
    return list(
        session.scalars(
            select(Message).where(Message.direction == Direction.INBOUND).order_by(Message.id)
        )
    )


def test_there_is_no_simulator_outside_demo_mode(settings):
    app = create_app(settings)
    assert app.test_client().get("/simulator/").status_code == 404
    app.extensions["voices"]["engine"].dispose()


def test_typing_on_a_phone_is_stored_verbatim_and_answered_through_the_outbox(
    demo_app, session, sam
):
    client = demo_app.test_client()
    html = phone_page(client)
    assert re.search(r"Sam(&#39;|')s phone</h1>", html)
    text = "  hello <b>there</b> 👋\n2nd line "
    answer = client.post("/simulator/V-SAM01/send", data={**form_fields(html), "text": text})
    assert answer.status_code == 303
    got = inbound(session)
    assert [(m.body, m.channel, m.address_id) for m in got] == [(text, Channel.TELEGRAM, sam[1].id)]
    replies = session.scalars(
        select(Message).where(Message.direction == Direction.OUTBOUND, Message.urgent.is_(True))
    ).all()
    assert replies and all(m.status is MessageStatus.QUEUED for m in replies)
    # What is typed shows escaped, never as markup.
    assert "hello &lt;b&gt;there&lt;/b&gt;" in phone_page(client)


def test_sending_the_same_form_twice_stores_the_message_once(demo_app, session, sam):
    client = demo_app.test_client()
    fields = form_fields(phone_page(client)) | {"text": "see you tuesday"}
    client.post("/simulator/V-SAM01/send", data=fields)
    client.post("/simulator/V-SAM01/send", data=fields)
    assert [m.body for m in inbound(session)] == ["see you tuesday"]


def test_a_button_press_keeps_the_value_and_drops_the_question_tag(demo_app, session, sam):
    client = demo_app.test_client()
    fields = form_fields(phone_page(client))
    client.post(
        "/simulator/V-SAM01/send", data={"csrf_token": fields["csrf_token"], "button": "1|s3.1234"}
    )
    got = inbound(session)
    assert [(m.body, m.kind) for m in got] == [("1", "button")]


def test_an_empty_message_is_refused_kindly_and_nothing_is_stored(demo_app, session, sam):
    client = demo_app.test_client()
    fields = form_fields(phone_page(client)) | {"text": "   "}
    answer = client.post("/simulator/V-SAM01/send", data=fields, follow_redirects=True)
    assert "Type a message of 1 to 1600 characters" in answer.get_data(as_text=True)
    assert inbound(session) == []


def test_a_post_without_a_csrf_token_is_refused(demo_app, session, sam):
    answer = demo_app.test_client().post(
        "/simulator/V-SAM01/send", data={"text": "hi", "token": "x"}
    )
    assert answer.status_code == 400
    assert inbound(session) == []


def test_a_phone_shows_what_reached_it_and_not_what_still_waits(demo_app, session, sam):
    _, address = sam
    create_message(
        session,
        address,
        body="Sent already",
        direction=Direction.OUTBOUND,
        status=MessageStatus.SENT,
    )
    create_message(
        session,
        address,
        body="Still queued",
        direction=Direction.OUTBOUND,
        status=MessageStatus.QUEUED,
    )
    session.commit()
    html = phone_page(demo_app.test_client())
    assert "Sent already" in html
    assert "Still queued" not in html


def test_an_unknown_phone_is_not_found(demo_app):
    assert demo_app.test_client().get("/simulator/V-NOBODY").status_code == 404
