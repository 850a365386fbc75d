"""Participants, the addresses we reach them on, and what they have agreed to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, UTCDateTime, str_enum, utcnow


class ParticipantStatus(enum.StrEnum):
    """Where a participant stands with us.

    active ──pause──▶ paused ──resume──▶ active
      │                 │
      └──STOP──▶ stopped ◀──┘     stopped ──START──▶ active
    any ──erasure──▶ erased       (final: personal data removed)
    """

    ACTIVE = "active"  # gets reminders and surveys they consented to
    PAUSED = "paused"  # non-essential messages held, e.g. after "please stop texting me"
    STOPPED = "stopped"  # opted out: nothing is sent but the one STOP confirmation
    ERASED = "erased"  # personal data removed; the row stays for anonymous counts


class Channel(enum.StrEnum):
    SMS = "sms"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    SIMULATOR = "simulator"  # the demo phone page; never leaves our database


class AddressStatus(enum.StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # carrier opt-out (21610), Telegram block, or STOP on this channel


class ConsentPurpose(enum.StrEnum):
    REMINDERS = "reminders"  # session reminders and follow-ups
    SURVEYS = "surveys"  # surveys and "ask the group" questions
    QUOTING = "quoting"  # staff may quote their words, unnamed, in reports
    FEEDBACK = "feedback"  # "you said, we did" messages about what changed


class Participant(Base):
    __tablename__ = "participants"
    # The participant search walks this in pseudonym order without visiting the table.
    __table_args__ = (Index("ix_participants_search", "pseudonym", "display_name", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown to staff and in exports instead of any phone number. Generated, never personal.
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    easy_read: Mapped[bool] = mapped_column(default=False)
    # The participant's own window, like "10:00-19:00"; None means the service default.
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    status: Mapped[ParticipantStatus] = mapped_column(
        str_enum(ParticipantStatus), default=ParticipantStatus.ACTIVE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    addresses: Mapped[list[Address]] = relationship(back_populates="participant")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="participant", order_by="Consent.recorded_at"
    )


class Address(Base):
    """One way to reach a participant: an E.164 phone number, or a Telegram chat id."""

    __tablename__ = "addresses"
    __table_args__ = (UniqueConstraint("channel", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    value: Mapped[str] = mapped_column(String(64))
    status: Mapped[AddressStatus] = mapped_column(
        str_enum(AddressStatus), default=AddressStatus.ACTIVE
    )
    # WhatsApp only allows free-form messages within 24 hours of the person's last message.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="addresses")


class Consent(Base):
    """One answer to one consent question. The newest row per purpose is the one in force."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose))
    granted: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Which wording of the question they answered, e.g. "consent-2026-11".
    wording_version: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    note: Mapped[str | None] = mapped_column(Text)

    participant: Mapped[Participant] = relationship(back_populates="consents")
