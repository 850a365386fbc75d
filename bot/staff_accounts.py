"""Staff accounts as an admin manages them on the admin page: the list, adding one (by the rules
of bot.staff), and deactivating one. Deactivated accounts cannot log in, and a login already
open ends at its next page (webhooks.admin.auth checks `active` on every request). The row
stays, so the audit log still says who did what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.models import AuditEvent, StaffRole, StaffUser
from bot.staff import StaffError, add_staff


@dataclass(frozen=True)
class StaffRow:
    id: int
    email: str
    admin: bool
    active: bool
    last_login_at: datetime | None
    created_at: datetime


def staff_list(session: Session) -> list[StaffRow]:
    """Active accounts first, then by email."""
    users = session.scalars(
        select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.email)
    ).all()
    return [
        StaffRow(u.id, u.email, u.role is StaffRole.ADMIN, u.active, u.last_login_at, u.created_at)
        for u in users
    ]


def add_account(
    session: Session,
    email: str,
    password: str,
    repeated: str,
    *,
    admin: bool,
    by_staff_id: int,
) -> StaffUser:
    """Add an account, the password typed twice. Raises StaffError saying what is wrong."""
    if password != repeated:
        raise StaffError("the two passwords are not the same")
    user = add_staff(session, email, password, admin=admin)
    # add_staff audits the creation; say which admin did it.
    claim_audit(session, "staff.created", by_staff_id)
    return user


def deactivate(session: Session, staff_id: int, *, by_staff_id: int) -> StaffUser:
    """Close an account. Nobody can close their own: an admin cannot lock every admin out."""
    if staff_id == by_staff_id:
        raise StaffError("you cannot deactivate your own account")
    user = session.get(StaffUser, staff_id)
    if user is None:
        raise StaffError("there is no such staff account")
    if user.active:
        user.active = False
        record(session, "staff.deactivated", staff_user_id=by_staff_id, target=user)
    return user


def claim_audit(session: Session, action: str, staff_user_id: int) -> None:
    """Say which member of staff did it, on audit events not yet flushed that bot/ recorded
    without one (add_staff, the imports: the command line has no login to name)."""
    for event in session.new:
        if isinstance(event, AuditEvent) and event.action == action and event.staff_user_id is None:
            event.staff_user_id = staff_user_id
