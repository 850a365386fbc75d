"""Group messages: one message from staff to many people at once (bot.broadcasts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, utcnow


class Broadcast(Base):
    """What was sent, to which group, by whom, and how many it was queued for. Each copy is a
    row in `messages` pointing back here, so its progress is counted from there."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # From the form that sent it: a second press of Send finds this row instead of sending again.
    token: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str] = mapped_column(Text)
    # Which group: "course", "session", "people" or "everyone", and staff's own words for it.
    group_kind: Mapped[str] = mapped_column(String(10))
    group_name: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("course_sessions.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Copies not sent by then expire: news about Tuesday must not arrive on Friday.
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    # The group at the moment of sending, and why some of it was left out.
    in_group: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    not_agreed: Mapped[int] = mapped_column(default=0)
    unreachable: Mapped[int] = mapped_column(default=0)
