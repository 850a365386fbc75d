"""`voices`: the one command line for running and operating Many Voices."""

from __future__ import annotations

import logging
import shutil
import sys
from importlib import resources
from pathlib import Path

import click

from bot.log_privacy import keep_logs_private
from bot.migrate import current_revision, upgrade
from voices.runtime import database_or_exit, settings_or_exit

STARTER_CONFIG = resources.files("bot").joinpath("starter_config.toml")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    envvar="VOICES_CONFIG",
    type=click.Path(dir_okay=False),
    help="The settings file. Default: config.toml here, or $VOICES_CONFIG.",
)
@click.version_option(package_name="many-voices", prog_name="voices")
def cli(config: str | None) -> None:
    """Many Voices: reminders, surveys and replies by SMS, WhatsApp and Telegram."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic narrates every step at INFO; operators need only its warnings.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Libraries that would log a bot token, a number, a name or a message body: kept quiet.
    keep_logs_private()


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Write a starter config.toml (if missing) and create the database."""
    path = Path(ctx.find_root().params.get("config") or "config.toml")
    if path.exists():
        click.echo(f"Keeping the existing {path}.")
    else:
        with resources.as_file(STARTER_CONFIG) as starter:
            shutil.copyfile(starter, path)
        click.echo(f"Wrote {path}. Read it and change what you need.")
    _upgrade(str(path))


@cli.group()
def db() -> None:
    """Look after the database."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create the database tables, or bring them up to date."""
    _upgrade(ctx.find_root().params.get("config"))


def _upgrade(config_path: str | None) -> None:
    runtime = database_or_exit(settings_or_exit(config_path), require_current=False)
    upgrade(runtime.engine)
    click.echo(f"The database is up to date (revision {current_revision(runtime.engine)}).")
    runtime.engine.dispose()


def _register_commands() -> None:
    # Each command family lives in its own small module; they attach themselves here.
    from voices import (
        attendance_cli,
        course_cli,
        data_cli,
        demo_cli,
        messages_cli,
        participant_cli,
        process_cli,
        send_cli,
        staff_cli,
        survey_cli,
        telegram_cli,
    )

    modules = (
        process_cli,
        demo_cli,
        staff_cli,
        data_cli,
        telegram_cli,
        send_cli,
        attendance_cli,
        course_cli,
        messages_cli,
        survey_cli,
        participant_cli,
    )
    for module in modules:
        module.register(cli)


_register_commands()


def main() -> None:
    try:
        cli(prog_name="voices")
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
        sys.exit(130)
