"""Starting the servers under test on loopback, and a database for them."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bot.db import make_engine
from bot.migrate import upgrade

PG_ENV = "VOICES_BENCH_POSTGRES_URL"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_listening(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("server did not start")


@contextmanager
def database(backend: str, workdir: Path):
    """A migrated, empty database on `backend`, dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade(make_engine(url))
        yield url
        return
    server = make_url(
        os.environ.get(PG_ENV, DEFAULT_PG).replace("postgresql://", "postgresql+psycopg://")
    )
    name = f"voices_bench_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def serve(args: list[str], port: int, env: dict[str, str] | None = None):
    process = subprocess.Popen(
        args,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def voices_production(config: Path, port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voices",
        "--config",
        str(config),
        "serve",
        "--production",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def bare_flask(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        # The same worker model as webhooks/production.py, so only the app differs.
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "bench.bare_app:app",
    ]
