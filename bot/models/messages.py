"""Every message in both directions, in one table, kept verbatim."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, str_enum, utcnow
from bot.models.people import Channel


class Direction(enum.StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class MessageStatus(enum.StrEnum):
    """The lifecycle of a message.

    Inbound messages are born `received` and stay so.

    Outbound:

        queued ──claim──▶ sending ──provider accepted──▶ sent ──▶ delivered
          ▲  │               │  │                          └──▶ undelivered
          │  │               │  └──transient error──▶ queued (retry later, bounded)
          │  │               ├──permanent error──▶ failed
          │  │               └──crash, timed out──▶ unknown   (never resent blindly)
          │  ├──stale before it could go──▶ expired
          │  ├──opt-out, erasure, session cancelled──▶ cancelled
          │  └──WhatsApp window closed, no template──▶ held ──released──┘

    A status never goes backwards: a late `sent` callback never overwrites `delivered`.
    """

    RECEIVED = "received"  # inbound, stored verbatim
    QUEUED = "queued"  # waiting in the outbox until next_attempt_at
    HELD = "held"  # waiting for staff or for the participant's window to open
    SENDING = "sending"  # claimed by the worker; the provider call is under way
    SENT = "sent"  # the provider accepted it and gave us its id
    DELIVERED = "delivered"  # the handset or chat confirmed it
    UNDELIVERED = "undelivered"  # the provider accepted it but could not deliver it
    FAILED = "failed"  # a permanent error; the reason is shown to staff
    EXPIRED = "expired"  # went stale before it could be sent (e.g. the session began)
    CANCELLED = "cancelled"  # withdrawn before sending (opt-out, erasure, cancellation)
    UNKNOWN = "unknown"  # the worker died mid-send; may or may not have gone; staff told


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A provider's id is unique per channel: a replayed webhook cannot make a second row.
        UniqueConstraint("channel", "provider_id"),
        # The outbox query (bot/sending/claiming.py): queued rows, urgent or not, oldest first.
        Index("ix_messages_outbox", "status", "urgent", "next_attempt_at", "id"),
        Index("ix_messages_participant_id_created_at", "participant_id", "created_at"),
        Index("ix_messages_enrolment_id", "enrolment_id"),
        # A group message's progress. Partial: most messages belong to no group message, and
        # an inbound webhook should not pay to index a NULL.
        Index(
            "ix_messages_broadcast_id",
            "broadcast_id",
            sqlite_where=text("broadcast_id IS NOT NULL"),
            postgresql_where=text("broadcast_id IS NOT NULL"),
        ),
        # The dashboard's unread replies, newest first: only inbound messages nobody has read.
        Index(
            "ix_messages_unread",
            "created_at",
            "id",
            "direction",
            "read_at",
            sqlite_where=text("direction = 'in' AND read_at IS NULL"),
            postgresql_where=text("direction = 'in' AND read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, length=3))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id"))
    # The booking a reminder, change notice or follow-up is about, so that moving or
    # cancelling a session can find what is still waiting to go.
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    # The group message this is one copy of (bot.broadcasts).
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"))
    # Exactly what the person wrote or what we sent. Never trimmed, never corrected.
    body: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus))
    # Why a message was sent: reply, reminder, survey, broadcast, safeguarding, ...
    kind: Mapped[str] = mapped_column(String(30), default="reply")
    # The same logical message (e.g. "reminder:enrolment 42:day-before") can never go twice.
    send_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # Urgent messages (safeguarding, replies to the person's own message) ignore quiet hours.
    urgent: Mapped[bool] = mapped_column(default=False)
    # Answer buttons for chat channels: [["Yes", "yes"], ["No", "no"]]. SMS shows the words.
    choices: Mapped[list[list[str]] | None] = mapped_column(JSON)
    # An easy-read picture sent with the words, where the channel can show one.
    media_url: Mapped[str | None] = mapped_column(String(500))
    segments: Mapped[int | None]
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_text: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Past this moment the message is stale and expires instead of arriving late.
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a member of staff read an inbound message; None means unread.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
