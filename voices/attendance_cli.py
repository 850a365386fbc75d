"""`voices attendance`: mark who came, and read the DNA rates and chart."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from bot import dna_rates
from bot.attendance import NotYet, mark
from bot.audit import record
from bot.db import transaction
from bot.importing.attendance import find_booking, find_session
from bot.importing.rows import BadRow
from bot.importing.sessions import parse_clock, parse_date
from bot.models import Attendance, Enrolment, Participant, utcnow
from voices.runtime import runtime_from_context


@click.group()
def attendance() -> None:
    """Mark attendance, and see DNA rates and the chart."""


def _day(text: str) -> date:
    try:
        return parse_date(text)
    except BadRow as exc:
        raise click.BadParameter(str(exc)) from None


@attendance.command("mark")
@click.argument("course")
@click.argument("day", metavar="DATE")
@click.option("--start", help="The start time, HH:MM, if the course meets twice that day.")
@click.option("--attended", multiple=True, metavar="PSEUDONYM", help="Came. Repeat as needed.")
@click.option("--missed", multiple=True, metavar="PSEUDONYM", help="Did not come, no word.")
@click.option("--excused", multiple=True, metavar="PSEUDONYM", help="Told us they could not.")
@click.option("--rest", type=click.Choice(["attended", "missed"]), help="Everyone not named.")
@click.pass_context
def mark_command(
    ctx: click.Context,
    course: str,
    day: str,
    start: str | None,
    attended: tuple[str, ...],
    missed: tuple[str, ...],
    excused: tuple[str, ...],
    rest: str | None,
) -> None:
    """Mark attendance at one session of COURSE on DATE (YYYY-MM-DD).

    With no marks, lists who is booked and how they are marked."""
    runtime = runtime_from_context(ctx)
    settings = runtime.settings
    zone = ZoneInfo(settings.app.timezone)
    wanted = [(p, Attendance.ATTENDED) for p in attended]
    wanted += [(p, Attendance.MISSED) for p in missed]
    wanted += [(p, Attendance.EXCUSED) for p in excused]
    named_twice = sorted(
        {p.upper() for p, _ in wanted if [q.upper() for q, _ in wanted].count(p.upper()) > 1}
    )
    if named_twice:
        raise click.UsageError(f"{', '.join(named_twice)} named more than once: give one mark each")
    now = utcnow()
    try:
        with transaction(runtime.sessions) as session:
            clock = parse_clock("start", start) if start else None
            course_session = find_session(session, course, _day(day), clock, zone, started_by=now)
            marks = [(find_booking(session, course_session, p), a) for p, a in wanted]
            named = {enrolment.id for enrolment, _ in marks}
            if rest:
                marks += [
                    (enrolment, Attendance(rest))
                    for enrolment in _booked(session, course_session.id)
                    if enrolment.id not in named and enrolment.attendance is Attendance.UNKNOWN
                ]
            changed = sum(mark(session, e, a, settings, now) for e, a in marks)
            if marks:
                record(
                    session,
                    "attendance.mark",
                    detail={"session": course_session.id, "changed": changed},
                )
            rows = _listing(session, course_session.id)
    except (BadRow, NotYet) as exc:
        raise click.ClickException(str(exc)) from None
    when = course_session.starts_at.astimezone(zone)
    click.echo(f"{course.upper()} {when:%Y-%m-%d %H:%M}: {len(marks)} marked, {changed} changed.")
    for pseudonym, name, rsvp, mark_now in rows:
        click.echo(f"  {pseudonym:<10} {mark_now:<9} rsvp {rsvp:<10} {name or ''}")


def _booked(session, session_id: int) -> list[Enrolment]:
    return list(
        session.scalars(
            select(Enrolment)
            .where(Enrolment.session_id == session_id, Enrolment.removed_at.is_(None))
            .order_by(Enrolment.id)
        )
    )


def _listing(session, session_id: int) -> list[tuple[str, str | None, str, str]]:
    rows = session.execute(
        select(
            Participant.pseudonym, Participant.display_name, Enrolment.rsvp, Enrolment.attendance
        )
        .join(Participant, Participant.id == Enrolment.participant_id)
        .where(Enrolment.session_id == session_id, Enrolment.removed_at.is_(None))
        .order_by(Participant.pseudonym)
    )
    return [(p, n, r.value, a.value) for p, n, r, a in rows]


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


@attendance.command("report")
@click.option("--course", help="One course code; all courses if left out.")
@click.option(
    "--by",
    "grouping",
    type=click.Choice(["session", "course", "month"]),
    default="session",
    show_default=True,
)
@click.option("--since", help="Only sessions from this date, YYYY-MM-DD.")
@click.pass_context
def report(ctx: click.Context, course: str | None, grouping: str, since: str | None) -> None:
    """DNA, RSVP and response rates; by session, with the p-chart's limits and signals."""
    runtime = runtime_from_context(ctx)
    zone = ZoneInfo(runtime.settings.app.timezone)
    start = datetime.combine(_day(since), datetime.min.time(), tzinfo=zone) if since else None
    with runtime.sessions() as session:
        sessions = dna_rates.by_session(
            session, zone, course_code=course, since=start, until=utcnow()
        )
    click.echo(HEADER)
    if grouping == "session":
        chart = dna_rates.dna_chart(sessions)
        points = {point.label: point for point in chart.points}
        for item in sessions:
            point = points.get(item.tally.label)
            extra = (
                f"  limits {point.lower:.0%}-{point.upper:.0%} {' '.join(point.signals)}"
                if point
                else ""
            )
            click.echo((_line(item.tally) + extra).rstrip())
        click.echo(
            f"Centre line (mean DNA rate): {chart.centre:.1%} over {len(chart.points)} sessions."
        )
        return
    groups = (
        dna_rates.by_course(sessions)
        if grouping == "course"
        else dna_rates.by_month(sessions, zone)
    )
    for tally in groups:
        click.echo(_line(tally))


HEADER = (
    f"{'':<22} {'booked':>6} {'came':>5} {'missed':>6} {'excused':>7} {'unmarked':>8} "
    f"{'DNA':>5} {'RSVP':>5} {'reply':>5}"
)


def _line(t: dna_rates.Tally) -> str:
    return (
        f"{t.label:<22} {t.booked:>6} {t.attended:>5} {t.missed:>6} {t.excused:>7} {t.unmarked:>8} "
        f"{_percent(t.dna_rate):>5} {_percent(t.rsvp_rate):>5} {_percent(t.response_rate):>5}"
    )


def register(cli: click.Group) -> None:
    cli.add_command(attendance)
