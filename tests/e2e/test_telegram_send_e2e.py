"""End to end: the adapter sends through python-telegram-bot to the Telegram emulator, the
person sees the text and the answer buttons, and pressing one comes back into the service by
the webhook (`voices serve`, registered by `voices telegram set-webhook`)."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.models import Address, Channel, Direction, Message
from bot.sending.envelope import Envelope
from bot.sending.telegram_adapter import TelegramAdapter
from bot.settings import TelegramSettings
from tests.e2e import test_telegram_webhook_e2e as webhook_e2e
from tests.e2e.test_telegram_webhook_e2e import wait_for

# The running service from the webhook test: a migrated database behind `voices serve`, with
# the emulator posting updates for webhook_e2e.TOKEN to it.
service = webhook_e2e.service

CHOICES = (("Yes, I will come", "yes"), ("No, not this time", "no"))
TEXT = "Art for wellbeing is on Tuesday at 10:00. Will you come?"


def adapter_for(emulator, token: str) -> TelegramAdapter:
    return TelegramAdapter(
        TelegramSettings(enabled=True, bot_token=token, api_base_url=emulator.bot_api)
    )


def envelope(chat_id: int) -> Envelope:
    return Envelope(
        message_id=1, channel=Channel.TELEGRAM, to=str(chat_id), text=TEXT, choices=CHOICES
    )


def test_a_message_with_two_answer_buttons_reaches_the_person(telegram_emulator):
    token, chat_id = "777001:send-e2e-token", 9101
    adapter = adapter_for(telegram_emulator, token)
    try:
        provider_id = adapter.send(envelope(chat_id))
    finally:
        adapter.close()

    seen = telegram_emulator.post("/getUpdates", {"token": token, "chatId": chat_id})["result"]

    (update,) = seen
    assert provider_id == f"{chat_id}:{update['messageId']}"
    assert update["message"]["text"] == TEXT
    assert update["message"]["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Yes, I will come", "callback_data": "yes"}],
            [{"text": "No, not this time", "callback_data": "no"}],
        ]
    }


def test_pressing_a_button_on_a_sent_message_stores_the_answer(service, telegram_emulator):
    sessions = service
    chat = {"id": 9102, "first_name": "Sam", "type": "private"}
    person = {"id": 9102, "is_bot": False, "first_name": "Sam"}
    adapter = adapter_for(telegram_emulator, webhook_e2e.TOKEN)
    try:
        provider_id = adapter.send(envelope(chat["id"]))
    finally:
        adapter.close()
    message_id = int(provider_id.split(":")[1])

    # The person presses "No" under the message the adapter sent.
    telegram_emulator.post(
        "/sendCallback",
        {
            "botToken": webhook_e2e.TOKEN,
            "from": person,
            "data": "no",
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "from": person,
                "text": TEXT,
            },
        },
    )

    inbound = select(Message).where(Message.direction == Direction.INBOUND)
    (press,) = wait_for(sessions, inbound, 1)
    assert press.body == "no"
    assert press.kind == "button"
    assert press.channel is Channel.TELEGRAM
    with sessions() as session:
        assert session.get(Address, press.address_id).value == str(chat["id"])
