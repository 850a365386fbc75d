"""End to end: a session reminder travels the real road to the Telegram emulator, and pressing
"I need help to get there" comes back through `voices serve` and sets off a call-back flag.

    session planned ──▶ `voices worker --once` (fire due, dispatch) ──▶ python-telegram-bot
      ──▶ Telegram emulator ──button press──▶ webhook ──▶ engine ──▶ RSVP recorded, flag raised
"""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.models import (
    Address,
    Channel,
    Course,
    CourseSession,
    Enrolment,
    Flag,
    FlagKind,
    Participant,
    ParticipantStatus,
    Rsvp,
    utcnow,
)
from bot.reminders.schedule import schedule_session
from bot.settings import Settings
from tests.e2e.test_telegram_webhook_e2e import telegram_service, wait_for
from tests.factories import create_consent

TOKEN = "123457:reminder-e2e-token"
SECRET = "reminder-e2e-secret"
CHAT = {"id": 9301, "first_name": "Alex", "type": "private"}
USER = {"id": 9301, "is_bot": False, "first_name": "Alex"}


@pytest.fixture
def college(tmp_path, empty_database_url, telegram_emulator):
    """A running web process with Telegram on, and a participant booked on a session starting in
    an hour: whatever the hour of the day, exactly one of its reminders is due now."""
    engine = make_engine(empty_database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        person = Participant(pseudonym="V-E2E01", status=ParticipantStatus.ACTIVE)
        session.add(person)
        session.flush()
        session.add(Address(participant_id=person.id, channel=Channel.TELEGRAM, value="9301"))
        create_consent(session, person.id)
        course = Course(code="ART1", title="Art for wellbeing", location="Room 2")
        session.add(course)
        session.flush()
        starts = utcnow() + timedelta(hours=1)
        meeting = CourseSession(
            course=course, starts_at=starts, ends_at=starts + timedelta(hours=2)
        )
        session.add(meeting)
        session.flush()
        session.add(Enrolment(session_id=meeting.id, participant_id=person.id))
        schedule_session(session, meeting, Settings())
    try:
        with telegram_service(
            tmp_path,
            empty_database_url,
            telegram_emulator,
            TOKEN,
            SECRET,
            app_extra='send_window = "always"\n',
        ) as (base, env):
            yield sessions, base, env
    finally:
        engine.dispose()


def test_a_reminder_reaches_telegram_with_buttons_and_a_help_press_asks_staff_to_call(
    college, telegram_emulator
):
    sessions, base, env = college
    worker = subprocess.run(
        [*base, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr

    seen = telegram_emulator.post("/getUpdates", {"token": TOKEN, "chatId": CHAT["id"]})["result"]
    (reminder,) = seen
    assert reminder["message"]["text"].startswith("Reminder: Art for wellbeing is ")
    assert "It is at Room 2." in reminder["message"]["text"]
    assert "Reply 1" not in reminder["message"]["text"]
    with sessions() as session:
        booking = session.scalars(select(Enrolment)).one().id
    # Each button carries the booking it answers (bot.events.tagged).
    assert reminder["message"]["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "I am coming", "callback_data": f"1|r{booking}"}],
            [{"text": "I can't come", "callback_data": f"2|r{booking}"}],
            [{"text": "I need help to get there", "callback_data": f"3|r{booking}"}],
        ]
    }

    telegram_emulator.post(
        "/sendCallback",
        {
            "botToken": TOKEN,
            "from": USER,
            "data": f"3|r{booking}",
            "message": {
                "message_id": reminder["messageId"],
                "date": int(time.time()),
                "chat": CHAT,
                "from": USER,
                "text": reminder["message"]["text"],
            },
        },
    )

    (flag,) = wait_for(sessions, select(Flag).where(Flag.kind == FlagKind.CALLBACK), 1)
    with sessions() as session:
        enrolment = session.scalars(select(Enrolment)).one()
        assert enrolment.rsvp is Rsvp.NEED_HELP
        assert flag.enrolment_id == enrolment.id
