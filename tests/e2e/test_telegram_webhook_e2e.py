"""End to end: the Telegram emulator posts real updates, with the secret token, to a running
`voices serve`, after `voices telegram set-webhook` registered it through python-telegram-bot."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.models import Channel, Consent, Course, Direction, Message
from tests.peers.stand_ins import free_port, voices_serve

TOKEN = "123456:e2e-test-token"
SECRET = "e2e-webhook-secret"
CHAT = {"id": 9001, "first_name": "Robin", "type": "private"}
USER = {"id": 9001, "is_bot": False, "first_name": "Robin"}


@pytest.fixture
def service(tmp_path, empty_database_url, telegram_emulator):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        session.add(Course(code="ART1", title="Art for wellbeing"))
    try:
        with telegram_service(tmp_path, empty_database_url, telegram_emulator, TOKEN, SECRET):
            yield sessions
    finally:
        engine.dispose()


@contextmanager
def telegram_service(
    tmp_path, database_url: str, emulator, token: str, secret: str, app_extra: str = ""
):
    """`voices serve` on a free port with Telegram on, its webhook registered with the
    emulator by `voices telegram set-webhook`. Yields the command prefix and environment, for
    running other `voices` commands against the same settings."""
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[app]\npublic_url = "http://127.0.0.1:{port}"\n{app_extra}'
        f'[database]\nurl = "{database_url}"\n'
        f'[telegram]\nenabled = true\napi_base_url = "{emulator.bot_api}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_SECRET": secret}
    base = [sys.executable, "-m", "voices", "--config", str(config)]
    with voices_serve(base, env, port):
        registered = subprocess.run(
            [*base, "telegram", "set-webhook"], env=env, capture_output=True, text=True, timeout=60
        )
        assert registered.returncode == 0, registered.stderr
        yield base, env


def wait_for(sessions, query, expected: int, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sessions() as session:
            rows = session.scalars(query).all()
        if len(rows) >= expected:
            return rows
        time.sleep(0.1)
    pytest.fail(f"expected {expected} rows, found {len(rows)}")


def test_a_message_and_a_button_press_from_telegram_reach_the_engine(service, telegram_emulator):
    sessions = service
    telegram_emulator.post(
        "/sendMessage",
        {
            "botToken": TOKEN,
            "from": USER,
            "chat": CHAT,
            "date": int(time.time()),
            "text": "/start ART1",
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        },
    )
    inbound = select(Message).where(Message.direction == Direction.INBOUND)
    (first,) = wait_for(sessions, inbound, 1)
    assert first.body == "/start ART1"
    assert first.channel is Channel.TELEGRAM
    replies = wait_for(
        sessions, select(Message.body).where(Message.direction == Direction.OUTBOUND), 2
    )
    assert replies[1] == "Can we send you reminders about your sessions? Reply YES or NO."

    telegram_emulator.post(
        "/sendCallback",
        {
            "botToken": TOKEN,
            "from": USER,
            "data": "yes",
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": CHAT,
                "from": USER,
                "text": "Can we send you reminders about your sessions?",
            },
        },
    )
    wait_for(sessions, inbound, 2)
    (consent,) = wait_for(sessions, select(Consent), 1)
    assert consent.granted is True
