"""Checking a staff login: the password, the lockout after repeated failures, and the audit.

Every failure looks the same from outside (one generic message, one status code, about the
same time taken), so the form cannot be used to learn which emails have accounts or which
accounts are locked. The audit log says which it was, for an admin to read."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.models import StaffUser
from bot.staff import hash_password, password_matches

MAX_FAILURES = 5
LOCKED_FOR = timedelta(minutes=15)


@cache
def _stand_in_hash() -> str:
    # Checked against when there is no account to check, so that an unknown email takes as
    # long to refuse as a wrong password.
    return hash_password("no account has this password")


def attempt_login(session: Session, email: str, password: str, now: datetime) -> StaffUser | None:
    """The staff member, if the email and password are right and the account is open."""
    user = session.scalar(
        select(StaffUser).where(StaffUser.email == email.strip().lower()).with_for_update()
    )
    if user is None or not user.active:
        password_matches(_stand_in_hash(), password)
        record(session, "login.failure", detail={"reason": "no such account"})
        return None
    if user.locked_until is not None and user.locked_until > now:
        password_matches(_stand_in_hash(), password)
        record(session, "login.failure", staff_user_id=user.id, detail={"reason": "locked"})
        return None
    if not password_matches(user.password_hash, password):
        user.failed_logins += 1
        reason = "wrong password"
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKED_FOR, 0
            reason = f"wrong password; locked for {LOCKED_FOR.seconds // 60} minutes"
        record(session, "login.failure", staff_user_id=user.id, detail={"reason": reason})
        return None
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    record(session, "login.success", staff_user_id=user.id)
    return user
