"""What a view needs from the app: settings, and one database transaction per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.orm import Session

from bot.db import transaction
from bot.settings import Settings


def settings() -> Settings:
    return current_app.extensions["voices"]["settings"]


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The request's one transaction: committed once at the end, rolled back on any error."""
    with transaction(current_app.extensions["voices"]["sessions"]) as session:
        yield session
