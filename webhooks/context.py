"""What a view needs from the app: settings, and one database transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.orm import Session

from bot.db import transaction
from bot.settings import Settings


def settings() -> Settings:
    """The settings in force now, with any change an admin made on the Settings page."""
    return current_app.extensions["voices"]["settings"].current()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The request's one transaction: committed once at the end, rolled back on any error."""
    with transaction(current_app.extensions["voices"]["sessions"]) as session:
        yield session
