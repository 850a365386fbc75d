"""The audit log: append-only, and never holding names, numbers or message bodies."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.models import AuditEvent


def record(
    session: Session,
    action: str,
    *,
    staff_user_id: int | None = None,
    target: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        staff_user_id=staff_user_id,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        detail=detail,
    )
    session.add(event)
    return event
