"""Where each participant is in a conversation, kept in the database so that SMS, WhatsApp and
Telegram behave the same, and so that a restart forgets nothing."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, str_enum, utcnow


class PendingQuestion(enum.StrEnum):
    """The one question a participant has been asked and not yet answered.

        (none) ──join / first message──▶ consent_reminders ──yes/no──▶ consent_surveys ──▶ (none)
        (none) ──reminder sent──▶ rsvp ──"2"──▶ rsvp_reason ──any text──▶ (none)
        (none) ──survey step──▶ survey ──answer──▶ survey (next) … ──▶ (none)
        (none) ──staff ask the group──▶ ask ──any text──▶ (none)
        survey or ask done, first time ──▶ consent_quoting ──▶ consent_feedback ──▶ (none)
        (none) ──"delete my data"──▶ erasure_confirm ──yes/no──▶ (none)

    One pending question at a time: a new one replaces the old only by the rules in
    `bot.conversation`.
    """

    CONSENT_REMINDERS = "consent_reminders"  # may we send session reminders?
    CONSENT_SURVEYS = "consent_surveys"  # may we send short surveys?
    RSVP = "rsvp"  # coming (1), can't come (2), need help (3)?
    RSVP_REASON = "rsvp_reason"  # optional: why can't you come?
    SURVEY = "survey"  # a survey question
    ASK = "ask"  # an "ask the group" open question
    CONSENT_QUOTING = "consent_quoting"  # may staff quote your words, without your name?
    CONSENT_FEEDBACK = "consent_feedback"  # may we tell you what changed?
    ERASURE_CONFIRM = "erasure_confirm"  # after DELETE MY DATA: do you really want that?


class ConversationState(Base):
    __tablename__ = "conversation_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), unique=True)
    pending: Mapped[PendingQuestion] = mapped_column(str_enum(PendingQuestion))
    # What the question is about, e.g. {"enrolment_id": 12} or {"run_id": 3, "question": "q2"}.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # How many replies we could not understand; after one kind re-prompt we move on.
    misses: Mapped[int] = mapped_column(default=0)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusEvent(Base):
    """One delivery status callback, stored once: a replayed callback is a no-op."""

    __tablename__ = "status_events"
    __table_args__ = (UniqueConstraint("channel", "provider_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
