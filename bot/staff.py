"""Staff accounts: creating them and checking passwords.

Passwords are hashed with Argon2id at OWASP's recommended minimum (19 MiB, 2 iterations,
parallelism 1), so a leaked table is slow to attack."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record
from bot.models import StaffRole, StaffUser

MIN_PASSWORD_LENGTH = 12

_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class StaffError(ValueError):
    """A staff account request that cannot be done, said in words for the person at the desk."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long")


def add_staff(session: Session, email: str, password: str, admin: bool = False) -> StaffUser:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise StaffError("that does not look like an email address")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise StaffError("a staff account with that email already exists")
    check_new_password(password)
    user = StaffUser(
        email=email,
        password_hash=hash_password(password),
        role=StaffRole.ADMIN if admin else StaffRole.STAFF,
    )
    session.add(user)
    session.flush()
    record(session, "staff.created", target=user, detail={"role": user.role.value})
    return user
