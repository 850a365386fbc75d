"""`voices demo`: the whole service on one computer, with no accounts, for a first look.

One process runs the web pages and the worker together (production runs them apart), on a
local SQLite database seeded with a Recovery College course (bot.demo_seed). Every channel
goes to the phone simulator page instead of a provider, so messages travel the real road:
inbox, engine, outbox, dispatcher, then the simulator's adapter. It listens on 127.0.0.1 only:
the simulator page needs no login, because it stands for the participants' own phones."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import click

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.models import Channel, utcnow
from bot.sending.adapters import SimulatorAdapter
from bot.settings import AppSettings, DatabaseSettings, Settings
from bot.time_windows import TimeWindow

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


def demo_settings(database: Path, port: int) -> Settings:
    """The demo's own settings: no config file, no secrets, messages at any hour (a demo at
    9pm should still show a reminder arriving)."""
    return Settings(
        source="(voices demo)",
        database=DatabaseSettings(url=f"sqlite:///{database}"),
        app=AppSettings(
            public_url=f"http://{HOST}:{port}",
            send_window=TimeWindow.parse("always"),
            secure_cookies=False,  # plain http on this computer only
            service_name="Many Voices demo",
            help_contact="ask the person showing you this demo",
            secret_key=secrets.token_hex(32),
        ),
    )


@click.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--db",
    "database",
    default="demo.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The demo's SQLite database. Made and seeded if it does not exist.",
)
@click.option("--reset", is_flag=True, help="Delete the demo database and seed it again.")
def demo(port: int, database: Path, reset: bool) -> None:
    """Run a demo with a phone simulator: web pages and worker in one process, no accounts."""
    from bot.demo_seed import DEMO_EMAIL, DEMO_PASSWORD, is_seeded, seed
    from scheduler.worker import Jobs, build_scheduler
    from scheduler.worker_lock import LockUnavailable, worker_lock
    from webhooks.app import create_app

    if reset:
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            path.unlink(missing_ok=True)
    settings = demo_settings(database.resolve(), port)
    engine = make_engine(settings.database.url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    # The demo's own chatter (each seeded reply, each scheduler tick) would bury the addresses
    # printed below; warnings still show.
    for noisy in ("bot.inbox", "apscheduler", "scheduler.worker"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with sessions() as session:
        if not is_seeded(session):
            click.echo(f"Seeding {database} with a demo Recovery College course...")
            seed(session, settings, utcnow())
    app = create_app(settings, demo=True)
    live = app.extensions["voices"]["settings"]
    # Every channel goes to the simulator: no message can reach a real phone from a demo.
    adapters = {channel: SimulatorAdapter() for channel in Channel}
    jobs = Jobs.build(sessions, settings, adapters, live=live)
    try:
        with worker_lock(engine, wait=False) as still_held:
            jobs.lock_held = still_held
            scheduler = build_scheduler(jobs, background=True)
            scheduler.start()
            url = f"http://{HOST}:{port}"
            click.echo(
                f"\nMany Voices demo is running.\n"
                f"  Phone simulator: {url}/simulator/\n"
                f"  Staff admin page: {url}/admin/\n"
                f"  Demo staff login: {DEMO_EMAIL}  password: {DEMO_PASSWORD}\n"
                "Stop it with Ctrl-C.\n"
            )
            try:
                app.run(host=HOST, port=port, debug=False, use_reloader=False, threaded=True)
            finally:
                jobs.stop()
                scheduler.shutdown(wait=True)
    except LockUnavailable:
        raise click.ClickException(
            f"another demo or worker is using {database}. Stop it first, or use --db."
        ) from None
    finally:
        engine.dispose()


def register(cli: click.Group) -> None:
    cli.add_command(demo)
