"""Settings an admin changed on the admin page, over what config.toml says (bot.live_settings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, UTCDateTime, utcnow


class SettingChange(Base):
    """The value in force for one setting, as the admin typed it. Putting the file's value back
    deletes the row. Each change is also in the audit log, so the history is kept there."""

    __tablename__ = "setting_changes"

    section: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
