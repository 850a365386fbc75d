"""What every command needs: checked settings and a database that is reachable and up to date.

Problems here are the operator's to fix, so they become one clear line, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass

import click
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory, reading_only
from bot.live_settings import LiveSettings
from bot.migrate import current_revision, head_revision
from bot.settings import ConfigError, Settings, load_settings


@dataclass
class Runtime:
    # With any change an admin made on the Settings page, as it stood when the command began.
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # What config.toml and the environment say: long-running processes start from this and
    # follow the admin page's changes as they are made (bot.live_settings).
    base: Settings

    def live(self) -> LiveSettings:
        return LiveSettings(self.base, make_session_factory(reading_only(self.engine)))


def settings_or_exit(config_path: str | None = None) -> Settings:
    try:
        return load_settings(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def database_or_exit(settings: Settings, *, require_current: bool = True) -> Runtime:
    engine = make_engine(settings.database.url)
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else "it did not answer"
        raise click.ClickException(
            f"cannot reach the database ({reason}).\n"
            f"  Check [database] url in {settings.source}, or DATABASE_URL."
        ) from None
    if require_current and current != head_revision():
        raise click.ClickException(
            "the database is not up to date with this version of Many Voices.\n"
            "  Run `voices db upgrade` (or `voices init` for a new install)."
        )
    sessions = make_session_factory(engine)
    if not require_current:
        # An older schema may have no table of changes yet: the file's settings it is.
        return Runtime(settings, engine, sessions, settings)
    runtime = Runtime(settings, engine, sessions, settings)
    runtime.settings = runtime.live().refresh()
    return runtime


def runtime_from_context(ctx: click.Context) -> Runtime:
    """The settings and database for this command, loaded once and shared by subcommands."""
    root = ctx.find_root()
    runtime = root.meta.get("voices.runtime")
    if runtime is None:
        runtime = database_or_exit(settings_or_exit(root.params.get("config")))
        root.meta["voices.runtime"] = runtime
    return runtime
