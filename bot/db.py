"""Engines and sessions. Domain functions take a session and never commit; callers own the
transaction: one per web request, one per scheduler job, one per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: object) -> Engine:
    # Errors must never carry SQL parameters into a log: they hold message bodies and numbers.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # Several processes share one SQLite file (web and worker): wait for locks, don't fail.
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT, which the replay guard relies on.
    # Let SQLAlchemy issue BEGIN itself (the recipe in SQLAlchemy's SQLite dialect docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web process read while the worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: objects stay readable after the transaction that loaded them ends.
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit if the block finishes, roll back if it raises."""
    with factory() as session, session.begin():
        yield session


def _sqlite_begin(connection) -> None:
    # IMMEDIATE takes the write lock at the start, so a transaction that reads and then writes
    # waits its turn (busy timeout) instead of failing with "database is locked" when another
    # process wrote in between. SQLite serialises writers anyway; PostgreSQL needs none of this.
    # A session that only looks (a test checking what the service wrote) asks for DEFERRED via
    # reading_only(), so that holding it open does not block every writer.
    mode = connection.get_execution_options().get(_BEGIN_OPTION, "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


_BEGIN_OPTION = "voices_sqlite_begin"


def reading_only(engine: Engine) -> Engine:
    """The same engine, but its SQLite transactions take no write lock until they write."""
    return engine.execution_options(**{_BEGIN_OPTION: "DEFERRED"})
