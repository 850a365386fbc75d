"""Flags: things a member of staff must look at and act on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, str_enum, utcnow


class FlagKind(enum.StrEnum):
    SAFEGUARDING = "safeguarding"  # a message suggests someone may be at risk: urgent
    STOP_REQUEST = "stop_request"  # asked to stop in words, not with the STOP keyword
    CALLBACK = "callback"  # asked for help to get to a session, or for a call
    MISSED_SESSION = "missed_session"  # did not attend: please phone
    DELIVERY_FAILURE = "delivery_failure"  # a message could not be delivered
    UNKNOWN_DELIVERY = "unknown_delivery"  # the worker died mid-send: did it go?
    ERASURE_REQUEST = "erasure_request"  # asked us to delete their data


class FlagStatus(enum.StrEnum):
    """open ──staff records what they did──▶ resolved"""

    OPEN = "open"  # waiting for staff
    RESOLVED = "resolved"  # done; `action_taken` says what was done


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_status_kind", "status", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[FlagKind] = mapped_column(str_enum(FlagKind))
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus), default=FlagStatus.OPEN)
    urgent: Mapped[bool] = mapped_column(default=False)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    action_taken: Mapped[str | None] = mapped_column(Text)


class AlertStatus(enum.StrEnum):
    """queued ──sent──▶ sent
    queued ──failed, attempts left──▶ queued (later)    queued ──out of attempts──▶ failed
    A worker that dies mid-send leaves it queued, so it is sent again: twice beats never."""

    QUEUED = "queued"  # waiting for the worker, or for its next try
    SENT = "sent"  # the mail server or duty line took it
    FAILED = "failed"  # gave up; shown on the flag's page


class StaffAlert(Base):
    """One alert to staff about one urgent flag, by email or duty-line webhook. It holds no
    names, numbers or words: only which flag, and a link to it."""

    __tablename__ = "staff_alerts"
    __table_args__ = (Index("ix_staff_alerts_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id"), index=True)
    via: Mapped[str] = mapped_column(String(10))  # "email" or "webhook"
    status: Mapped[AlertStatus] = mapped_column(str_enum(AlertStatus), default=AlertStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why the last try failed, in the library's words (never a secret or a body).
    error_text: Mapped[str | None] = mapped_column(String(300))
