"""Things that fall due by the clock: reminders before sessions, the next step of a survey.

Each producer looks at what is due at `now`, queues messages into the outbox inside the
caller's transaction, and returns how many it queued. Producers must be idempotent (they
use the outbox's unique send_key), because a pass can be repeated after a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.reminders.firing import fire_due_reminders
from bot.settings import Settings
from bot.surveys.stepping import fire_due_surveys

Producer = Callable[[Session, Settings, datetime], int]

# Reminders first: in one pass, a reminder's question is opened before a survey could take it.
PRODUCERS: list[Producer] = [fire_due_reminders, fire_due_surveys]


def fire_due(session: Session, settings: Settings, now: datetime) -> int:
    return sum(producer(session, settings, now) for producer in PRODUCERS)
