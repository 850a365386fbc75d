"""POST /webhooks/telegram: the secret token, real update shapes, and each update_id once."""

from __future__ import annotations

import itertools

from sqlalchemy import func, select

from bot.models import Address, AddressStatus, Channel, Direction, Message
from tests.factories import create_address
from tests.webhooks.conftest import post_telegram

_ids = itertools.count(500_000)
CHAT_ID = 7_000_001
USER = {"id": CHAT_ID, "is_bot": False, "first_name": "Sam", "language_code": "en"}
CHAT = {"id": CHAT_ID, "first_name": "Sam", "type": "private"}


def message_update(text: str, update_id: int | None = None) -> dict:
    uid = update_id or next(_ids)
    return {
        "update_id": uid,
        "message": {
            "message_id": uid,
            "from": USER,
            "chat": CHAT,
            "date": 1790000000,
            "text": text,
        },
    }


def count(session, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(*conditions))


def test_a_text_message_is_stored_verbatim_and_gets_a_reply_queued(client, session):
    response = post_telegram(client, message_update("hi 👋"))
    assert response.status_code == 200
    inbound = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert inbound.body == "hi 👋"
    assert inbound.channel is Channel.TELEGRAM
    assert count(session, Message.direction == Direction.OUTBOUND) == 1


def test_a_wrong_secret_token_gets_403_and_nothing_is_written(client, session):
    assert post_telegram(client, message_update("hi"), secret="guess").status_code == 403
    assert post_telegram(client, message_update("hi"), secret=None).status_code == 403
    assert count(session) == 0


def test_the_same_update_id_twice_is_processed_once(client, session):
    update = message_update("hello")
    assert post_telegram(client, update).status_code == 200
    assert post_telegram(client, update).status_code == 200
    assert count(session, Message.direction == Direction.INBOUND) == 1
    assert count(session, Message.direction == Direction.OUTBOUND) == 1


def test_a_button_press_is_stored_as_a_button_and_answered_in_the_response(client, session):
    uid = next(_ids)
    update = {
        "update_id": uid,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "from": USER,
            "chat_instance": "-1234567890",
            "data": "yes",
            "message": {
                "message_id": 11,
                "date": 1790000000,
                "chat": CHAT,
                "from": {"id": 666, "is_bot": True, "first_name": "Voices"},
                "text": "Can we send you reminders about your sessions?",
            },
        },
    }
    response = post_telegram(client, update)
    assert response.get_json() == {
        "method": "answerCallbackQuery",
        "callback_query_id": "4382bfdwdsb323b2d9",
    }
    inbound = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
    assert (inbound.body, inbound.kind) == ("yes", "button")


def test_blocking_the_bot_stops_that_address(client, session):
    address = create_address(session, channel=Channel.TELEGRAM, value=str(CHAT_ID))
    session.commit()
    update = {
        "update_id": next(_ids),
        "my_chat_member": {
            "chat": CHAT,
            "from": USER,
            "date": 1790000000,
            "old_chat_member": {
                "user": {"id": 666, "is_bot": True, "first_name": "Voices"},
                "status": "member",
            },
            "new_chat_member": {
                "user": {"id": 666, "is_bot": True, "first_name": "Voices"},
                "status": "kicked",
                "until_date": 0,
            },
        },
    }
    assert post_telegram(client, update).status_code == 200
    session.expire_all()
    assert session.get(Address, address.id).status is AddressStatus.STOPPED


def test_an_edited_message_is_kept_as_an_edit_and_not_answered_again(client, session):
    uid = next(_ids)
    update = {
        "update_id": uid,
        "edited_message": {
            "message_id": 5,
            "from": USER,
            "chat": CHAT,
            "date": 1790000000,
            "edit_date": 1790000100,
            "text": "sorry, I meant Tuesday",
        },
    }
    assert post_telegram(client, update).status_code == 200
    inbound = session.scalar(select(Message))
    assert (inbound.body, inbound.kind) == ("sorry, I meant Tuesday", "edit")
    assert count(session, Message.direction == Direction.OUTBOUND) == 0


def test_a_body_that_is_not_json_gets_400(client, session):
    response = client.post(
        "/webhooks/telegram",
        data="{not json",
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": "telegram-test-secret-token"},
    )
    assert response.status_code == 400
    assert count(session) == 0


def test_json_that_is_not_an_update_gets_400(client, session):
    assert post_telegram(client, {"hello": "world"}).status_code == 400
    assert post_telegram(client, [1, 2, 3]).status_code == 400
    assert post_telegram(client, {"update_id": 1, "message": {"text": 5}}).status_code == 400
    assert count(session) == 0
