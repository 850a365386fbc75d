"""End to end: `voices telegram poll` fetches updates from the emulator with python-telegram-bot
and feeds them through the same inbox as the webhook."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.models import Channel, Direction, Message
from tests.e2e.test_telegram_webhook_e2e import wait_for

TOKEN = "654321:poll-test-token"
CHAT = {"id": 9002, "first_name": "Ash", "type": "private"}
USER = {"id": 9002, "is_bot": False, "first_name": "Ash"}


def test_polling_stores_a_message_once_and_queues_the_reply(
    tmp_path, empty_database_url, telegram_emulator
):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "{empty_database_url}"\n'
        f'[telegram]\napi_base_url = "{telegram_emulator.bot_api}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    poller = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voices",
            "--config",
            str(config),
            "telegram",
            "poll",
            "--interval",
            "0.1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        telegram_emulator.post(
            "/sendMessage",
            {
                "botToken": TOKEN,
                "from": USER,
                "chat": CHAT,
                "date": int(time.time()),
                "text": "hello from a phone 📱",
            },
        )
        inbound = select(Message).where(Message.direction == Direction.INBOUND)
        (message,) = wait_for(sessions, inbound, 1, seconds=30)
        assert message.body == "hello from a phone 📱"
        assert message.channel is Channel.TELEGRAM
        wait_for(sessions, select(Message).where(Message.direction == Direction.OUTBOUND), 1)
        time.sleep(1)  # more polls happen; the same update must not be stored again
        with sessions() as session:
            assert len(session.scalars(inbound).all()) == 1
    finally:
        poller.terminate()
        poller.wait(timeout=30)
        engine.dispose()
