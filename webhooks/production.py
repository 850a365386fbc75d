"""Running the web process under gunicorn, for `voices serve --production`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Callable[[], Flask], options: dict[str, object]) -> None:
        self.factory, self.options = factory, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.factory()


def run_gunicorn(factory: Callable[[], Flask], host: str, port: int, workers: int) -> None:
    # Each worker builds its own app (and database pool) after the fork: no shared connections.
    _Gunicorn(
        factory,
        {
            # Threads let a worker serve other webhooks while one waits on a database commit.
            "worker_class": "gthread",
            "threads": 4,
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": None,
            "timeout": 30,
            "graceful_timeout": 20,
        },
    ).run()
