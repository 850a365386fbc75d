"""Reading the audit log, newest first, a page at a time. Read-only: the log is append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import AuditEvent, StaffUser

PER_PAGE = 50


@dataclass(frozen=True)
class EventRow:
    id: int
    at: datetime
    action: str
    staff_email: str | None
    target_type: str | None
    target_id: int | None
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    page: int
    pages: int
    total: int


def event_page(session: Session, page: int, per_page: int = PER_PAGE) -> EventPage:
    """Page `page` (from 1) of the log, newest first. A page past the end is the last page."""
    total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.execute(
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.action,
            StaffUser.email,
            AuditEvent.target_type,
            AuditEvent.target_id,
            AuditEvent.detail,
        )
        .outerjoin(StaffUser, StaffUser.id == AuditEvent.staff_user_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return EventPage([EventRow(*row) for row in rows], page, pages, total)
