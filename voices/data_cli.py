"""`voices import …` and `voices export …`: CSV files in and out.

The checking and importing live in bot.importing and bot.exports; this module owns the
transaction, the progress bar and the words on the screen.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import click
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import exports
from bot.audit import record
from bot.db import transaction
from bot.importing.kinds import ATTENDANCE, PARTICIPANTS, SESSIONS, ImportKind
from bot.importing.rows import CsvRow, ImportFileError, ImportReport, read_table
from bot.settings import Settings
from voices.runtime import runtime_from_context

FILE = click.argument("file", type=click.Path(path_type=Path))
SKIP = click.option(
    "--skip-bad-rows", is_flag=True, help="Import the good rows and list the bad ones."
)


@click.group("import")
def import_group() -> None:
    """Import participants or course sessions from a CSV file."""


@import_group.command("participants")
@FILE
@SKIP
@click.pass_context
def import_participants(ctx: click.Context, file: Path, skip_bad_rows: bool) -> None:
    """Import participants: channel, address, name, language, easy_read, course."""
    _run_import(ctx, PARTICIPANTS, file, skip_bad_rows)


@import_group.command("sessions")
@FILE
@SKIP
@click.pass_context
def import_sessions(ctx: click.Context, file: Path, skip_bad_rows: bool) -> None:
    """Import course sessions: course, title, date, start, end, location, online_url, ref."""
    _run_import(ctx, SESSIONS, file, skip_bad_rows)


@import_group.command("attendance")
@FILE
@SKIP
@click.pass_context
def import_attendance(ctx: click.Context, file: Path, skip_bad_rows: bool) -> None:
    """Mark attendance: course, date, start, participant, attendance."""
    _run_import(ctx, ATTENDANCE, file, skip_bad_rows)


def _run_import(ctx: click.Context, kind: ImportKind, path: Path, skip_bad_rows: bool) -> None:
    runtime = runtime_from_context(ctx)
    try:
        rows = read_table(path, kind.columns)
    except ImportFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    try:
        report = _check_and_apply(runtime.sessions, kind, rows, runtime.settings, skip_bad_rows)
    except IntegrityError:
        # Another process (say, the web process taking a first message) added the same address
        # or session at the same moment. The whole import rolled back, so a rerun is safe.
        raise click.ClickException(
            "the database changed while importing, so nothing was imported. Run it again."
        ) from None
    click.echo(
        f"{kind.noun.capitalize()}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.skipped} skipped."
    )


def _check_and_apply(
    factory: sessionmaker[Session],
    kind: ImportKind,
    rows: list[CsvRow],
    settings: Settings,
    skip_bad_rows: bool,
) -> ImportReport:
    with transaction(factory) as session:
        checked = kind.check(session, rows, settings.app)
        for error in checked.errors:
            click.echo(str(error), err=True)
        if checked.errors and not skip_bad_rows:
            # Raising inside the transaction rolls it back; nothing has been written anyway.
            raise click.ClickException(_refusal(len(checked.errors), len(checked.rows)))
        label = f"Importing {kind.noun}"
        # On standard error, so that standard output carries only the summary.
        with click.progressbar(length=len(checked.rows), label=label, file=sys.stderr) as bar:
            return kind.apply(session, checked, settings, lambda: bar.update(1))


def _refusal(bad: int, good: int) -> str:
    rows = "row has a problem" if bad == 1 else "rows have problems"
    return (
        f"nothing was imported: {bad} of {bad + good} {rows} (listed above).\n"
        f"  Fix the file, or run again with --skip-bad-rows to import the other {good}."
    )


@click.group()
def export() -> None:
    """Export messages or survey answers as CSV (pseudonyms, no numbers)."""


CSV_PATH = click.option(
    "--csv", "path", required=True, metavar="PATH", help="The file to write, or - for the screen."
)


@export.command("messages")
@CSV_PATH
@click.pass_context
def export_messages(ctx: click.Context, path: str) -> None:
    """One row per message: time, direction, channel, participant, status, body."""
    _run_export(ctx, path, "messages", exports.MESSAGE_COLUMNS, exports.message_rows)


@export.command("responses")
@CSV_PATH
@click.pass_context
def export_responses(ctx: click.Context, path: str) -> None:
    """One row per survey answer: participant, survey, question, raw_text, parsed_value, …"""
    _run_export(ctx, path, "responses", exports.RESPONSE_COLUMNS, exports.response_rows)


def _run_export(
    ctx: click.Context,
    path: str,
    noun: str,
    columns: tuple[str, ...],
    rows: Callable[[Session], Iterator[list[str]]],
) -> None:
    runtime = runtime_from_context(ctx)
    count = 0
    try:
        # The output is outermost: the file appears only once the audit event has committed.
        with _csv_output(path) as out, transaction(runtime.sessions) as session:
            writer = csv.writer(out)
            writer.writerow(columns)
            for row in rows(session):
                writer.writerow(row)
                count += 1
            record(session, f"export.{noun}", detail={"rows": count})
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from None
    # On `-` the CSV is standard output, so the summary goes to standard error.
    click.echo(f"Exported {count} {noun} to {path}.", err=path == "-")


@contextmanager
def _csv_output(path: str) -> Iterator[TextIO]:
    if path == "-":
        # Our own UTF-8 wrapper: bodies reach the pipe as UTF-8 whatever the locale says, and
        # newline="" leaves the csv module's line endings and the bodies' own newlines alone.
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            yield out
        finally:
            out.flush()
            out.detach()
        return
    # Written beside the target and renamed at the end, so a failed export never leaves a
    # half-written file that looks complete.
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            yield out
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def register(cli: click.Group) -> None:
    cli.add_command(import_group)
    cli.add_command(export)
