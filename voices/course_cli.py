"""`voices course`: a course's own reminder plan (and the tutor's message between sessions), and
taking people off a session."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from sqlalchemy import func, select

from bot.audit import record
from bot.db import transaction
from bot.importing.attendance import find_booking, find_session
from bot.importing.rows import BadRow
from bot.importing.sessions import parse_clock, parse_date
from bot.models import Course, utcnow
from bot.reminders.plan import (
    TUTOR_DAYS_MAX,
    describe,
    parse_day_before,
    parse_hours_before,
    plan_for,
)
from bot.reminders.schedule import reschedule_course
from bot.reminders.session_changes import remove_booking
from bot.surveys import definitions
from voices.runtime import runtime_from_context


@click.group()
def course() -> None:
    """A course's reminder plan and its after-session survey."""


@course.command("plan")
@click.argument("code")
@click.option("--day-before", metavar="HH:MM|off|default", help="The day-before reminder's time.")
@click.option("--hours-before", metavar="N|default", help="On-the-day reminder; 0 is off.")
@click.option("--tutor-message", metavar="TEXT", help="Sent as written, between sessions.")
@click.option("--no-tutor-message", is_flag=True, help="Stop sending the tutor's message.")
@click.option(
    "--tutor-days", type=click.IntRange(1, TUTOR_DAYS_MAX), help="Days after each session."
)
@click.pass_context
def plan(
    ctx: click.Context,
    code: str,
    day_before: str | None,
    hours_before: str | None,
    tutor_message: str | None,
    no_tutor_message: bool,
    tutor_days: int | None,
) -> None:
    """Show or change the reminder plan of course CODE. With no options, shows it.

    Changes re-plan every session still to come; reminders already sent stay sent."""
    if tutor_message is not None and no_tutor_message:
        raise click.UsageError("give --tutor-message or --no-tutor-message, not both")
    runtime = runtime_from_context(ctx)
    settings = runtime.settings
    now = utcnow()
    with transaction(runtime.sessions) as session:
        found = session.scalar(select(Course).where(func.upper(Course.code) == code.upper()))
        if found is None:
            raise click.ClickException(f"there is no course {code.upper()}")
        changes = _apply(
            found, day_before, hours_before, tutor_message, no_tutor_message, tutor_days
        )
        replanned = 0
        if changes:
            replanned = reschedule_course(session, found, settings, now)
            record(session, "course.plan", detail={"course": found.id, "changed": sorted(changes)})
        shown = describe(plan_for(found, settings.reminders), ZoneInfo(settings.app.timezone))
        title = found.title
    click.echo(f"{code.upper()} ({title}): {shown}")
    if changes:
        click.echo(f"Re-planned {replanned} sessions still to come.")


def _apply(
    found: Course,
    day_before: str | None,
    hours_before: str | None,
    tutor_message: str | None,
    no_tutor_message: bool,
    tutor_days: int | None,
) -> set[str]:
    # The parsing is bot.reminders.plan's, which the course's admin page uses too.
    changes: set[str] = set()
    if day_before is not None:
        try:
            found.reminder_day_before = parse_day_before(day_before)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--day-before") from None
        changes.add("day_before")
    if hours_before is not None:
        try:
            found.reminder_hours_before = parse_hours_before(hours_before)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--hours-before") from None
        changes.add("hours_before")
    if tutor_message is not None:
        if not tutor_message.strip():
            raise click.BadParameter("the message is empty", param_hint="--tutor-message")
        found.tutor_message = tutor_message
        changes.add("tutor_message")
    if no_tutor_message:
        found.tutor_message = None
        changes.add("tutor_message")
    if tutor_days is not None:
        found.tutor_message_days_after = tutor_days
        changes.add("tutor_days")
    return changes


@course.command("survey")
@click.argument("code")
@click.argument("choice", required=False, metavar="[SURVEY|off|default]")
@click.pass_context
def survey(ctx: click.Context, code: str, choice: str | None) -> None:
    """Show or choose the survey sent after each session of course CODE to the people who came.

    "default" follows [surveys] after_session in the settings; "off" sends none."""
    runtime = runtime_from_context(ctx)
    chosen = None
    if choice is not None:
        try:
            chosen = definitions.after_session_choice(choice)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    with transaction(runtime.sessions) as session:
        found = session.scalar(select(Course).where(func.upper(Course.code) == code.upper()))
        if found is None:
            raise click.ClickException(f"there is no course {code.upper()}")
        if choice is not None:
            found.survey_after_session = chosen
            wanted = chosen or "default"
            record(session, "course.survey", target=found, detail={"survey": wanted})
        own = found.survey_after_session
    default = runtime.settings.surveys.after_session or "off"
    shown = f"{default} (the default)" if own is None else own
    hours = runtime.settings.surveys.after_session_hours
    click.echo(f"{code.upper()}: after each session, {shown}, {hours:g} h after it ends.")


@course.command("unbook")
@click.argument("code")
@click.argument("day", metavar="DATE")
@click.argument("pseudonyms", nargs=-1, required=True, metavar="PSEUDONYM...")
@click.option("--start", help="The start time, HH:MM, if the course meets twice that day.")
@click.pass_context
def unbook(
    ctx: click.Context, code: str, day: str, pseudonyms: tuple[str, ...], start: str | None
) -> None:
    """Take people off one session of CODE on DATE (YYYY-MM-DD). Their reminders for it are
    withdrawn; the booking is kept, marked removed, for the record."""
    runtime = runtime_from_context(ctx)
    zone = ZoneInfo(runtime.settings.app.timezone)
    now = utcnow()
    try:
        with transaction(runtime.sessions) as session:
            clock = parse_clock("start", start) if start else None
            found = find_session(session, code, parse_date(day), clock, zone)
            bookings = [find_booking(session, found, pseudonym) for pseudonym in pseudonyms]
            for enrolment in bookings:
                remove_booking(session, enrolment, now)
            record(
                session,
                "course.unbook",
                detail={"session": found.id, "enrolments": [e.id for e in bookings]},
            )
    except BadRow as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Took {len(bookings)} off {code.upper()} on {day}. Their reminders are withdrawn.")


def register(cli: click.Group) -> None:
    cli.add_command(course)
