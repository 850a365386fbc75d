"""Fixtures for command-line tests that need a real, migrated database behind `voices`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.db import make_engine, make_session_factory, reading_only
from bot.migrate import upgrade
from tests.voices.test_cli import write_config


@pytest.fixture
def config(tmp_path, empty_database_url) -> Path:
    # The CLI refuses a database that is not at the Alembic head, so migrate, not create_all.
    engine = make_engine(empty_database_url)
    upgrade(engine)
    engine.dispose()
    return write_config(tmp_path, empty_database_url)


@pytest.fixture
def db(config, empty_database_url) -> Iterator[Session]:
    """A session on the CLI's own database, to set up rows and to look at what it wrote."""
    engine = make_engine(empty_database_url)
    # reading_only: this session stays open while the CLI writes, so it must not hold a lock.
    with make_session_factory(reading_only(engine))() as session:
        yield session
    engine.dispose()
