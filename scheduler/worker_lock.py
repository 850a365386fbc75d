"""Only one worker may dispatch: a second `voices worker` waits on standby until the first goes.

PostgreSQL: a session-level advisory lock, held by one dedicated connection for the worker's
life, so it is released the moment that process dies, however it dies. SQLite: an exclusive
flock on a file next to the database, which the kernel also releases when the process dies."""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# An arbitrary constant that names "the Many Voices dispatcher" among advisory locks.
ADVISORY_KEY = 0x4D56_0001
STANDBY_LOG_EVERY = 60.0


class LockUnavailable(Exception):
    """Raised by try_once() when another worker holds the lock."""


@contextmanager
def worker_lock(
    engine: Engine,
    *,
    wait: bool = True,
    poll_seconds: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Callable[[], bool]]:
    """Yields a check, `still_held()`, to ask before each pass."""
    """Hold the dispatcher lock for the block. Waits (logging now and then) unless wait=False."""
    holder = _PostgresLock(engine) if engine.dialect.name == "postgresql" else _FileLock(engine)
    waited, last_log = 0.0, None
    while not holder.acquire():
        if not wait:
            raise LockUnavailable("another worker is running")
        if last_log is None or waited - last_log >= STANDBY_LOG_EVERY:
            log.info("another worker is dispatching; waiting on standby")
            last_log = waited
        sleep(poll_seconds)
        waited += poll_seconds
    log.info("worker lock acquired; this worker dispatches")
    try:
        yield holder.still_held
    finally:
        holder.release()


class _PostgresLock:
    def __init__(self, engine: Engine) -> None:
        self.connection = engine.connect()

    def acquire(self) -> bool:
        got = self.connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        )
        # End the implicit transaction: the lock is held by the session, not the transaction.
        self.connection.commit()
        return bool(got)

    def still_held(self) -> bool:
        # The lock dies with its connection (a killed backend, a PostgreSQL restart), silently.
        try:
            held = self.connection.scalar(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND objid = :key AND granted"
                ),
                {"key": ADVISORY_KEY},
            )
            self.connection.commit()
        except DBAPIError:
            return False
        return bool(held)

    def release(self) -> None:
        try:
            self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            self.connection.commit()
        finally:
            self.connection.close()


class _FileLock:
    def __init__(self, engine: Engine) -> None:
        database = make_url(str(engine.url)).database
        # An in-memory database lives in one process, so there is nobody to share it with.
        self.path = (
            None if not database or database == ":memory:" else Path(f"{database}.worker-lock")
        )
        self.handle = None

    def acquire(self) -> bool:
        if self.path is None:
            return True
        handle = self.path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def still_held(self) -> bool:
        return True  # a flock lasts as long as this process holds the open file

    def release(self) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
