"""Shared fixtures. Every database test runs on SQLite, and on PostgreSQL when
VOICES_TEST_POSTGRES_URL is set (CI sets it). Each test run gets its own fresh PostgreSQL
database, dropped at the end."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from bot.db import make_engine, make_session_factory, reading_only
from bot.models import Base
from bot.settings import DatabaseSettings, Settings

BACKENDS = ["sqlite", "postgresql"]
POSTGRES_ENV = "VOICES_TEST_POSTGRES_URL"


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if "://" in url else url


class PostgresServer:
    """Makes throwaway databases on the test server and drops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = make_url(_psycopg(url))
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.prefix = f"voices_test_{os.getpid()}_{secrets.token_hex(3)}"
        self.made: list[str] = []

    def new_database(self) -> str:
        name = f"{self.prefix}_{len(self.made)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set, so the PostgreSQL run is skipped")
    server = PostgresServer(url)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def postgres_schema_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    """One database for the whole run with the schema built once; tests empty it after use."""
    engine = make_engine(postgres_server.new_database())
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with the current schema and no rows, on the parametrised backend."""
    if backend == "sqlite":
        sqlite_engine = make_engine(f"sqlite:///{tmp_path / 'voices.db'}")
        Base.metadata.create_all(sqlite_engine)
        yield sqlite_engine
        sqlite_engine.dispose()
        return
    pg_engine = request.getfixturevalue("postgres_schema_engine")
    try:
        yield pg_engine
    finally:
        _empty_tables(pg_engine)


@pytest.fixture
def empty_database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An address of a database with no tables at all, for migration and `voices init` tests."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    # reading_only: tests keep this session open while the app under test writes.
    with make_session_factory(reading_only(engine))() as db_session:
        yield db_session


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(source="(test)", database=DatabaseSettings(url=database_url))


@pytest.fixture(scope="session")
def telegram_emulator():
    from tests.peers.stand_ins import TelegramEmulator

    emulator = TelegramEmulator()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="session")
def twilio_prism():
    from tests.peers.stand_ins import Prism

    prism = Prism()
    yield prism
    prism.stop()
