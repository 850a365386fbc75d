"""Raising flags for staff, without raising the same open flag twice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Flag, FlagKind, FlagStatus


def raise_flag(
    session: Session,
    kind: FlagKind,
    *,
    participant_id: int | None = None,
    message_id: int | None = None,
    enrolment_id: int | None = None,
    urgent: bool = False,
    once: bool = True,
) -> Flag:
    """Raise a flag. With `once`, an open flag of the same kind for the same person (and the
    same booking, when it is about one) is reused."""
    if once and participant_id is not None:
        existing = session.scalar(
            select(Flag).where(
                Flag.kind == kind,
                Flag.participant_id == participant_id,
                Flag.enrolment_id == enrolment_id if enrolment_id is not None else True,
                Flag.status == FlagStatus.OPEN,
            )
        )
        if existing is not None:
            return existing
    flag = Flag(
        kind=kind,
        participant_id=participant_id,
        message_id=message_id,
        enrolment_id=enrolment_id,
        urgent=urgent,
    )
    session.add(flag)
    return flag
