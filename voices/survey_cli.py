"""`voices survey`, `voices ask` and `voices action`: put questions to a group, read what came
back, and tell people what changed because of it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import easy_read
from bot.audit import record
from bot.db import transaction
from bot.importing.attendance import find_session
from bot.importing.local_times import LocalTimeError, local_to_utc
from bot.importing.rows import BadRow
from bot.importing.sessions import parse_clock, parse_date
from bot.models import (
    Action,
    Course,
    InviteStatus,
    RunKind,
    Survey,
    SurveyInvite,
    SurveyRun,
    utcnow,
)
from bot.settings import Settings
from bot.surveys import definitions, overview, results, runs, you_said
from voices.runtime import runtime_from_context


def _cohort_options(command):
    options = [
        click.option("--course", "course_code", metavar="CODE", help="The course's members."),
        click.option(
            "--date",
            "day",
            metavar="YYYY-MM-DD",
            help="With --course: the people who came to that day's session.",
        ),
        click.option("--start", metavar="HH:MM", help="With --date, if it met twice that day."),
        click.option(
            "--people", metavar="PSEUDONYM,…", help="Named people, comma-separated pseudonyms."
        ),
        click.option(
            "--at", metavar="YYYY-MM-DD HH:MM", help="When to start (local). Now if not given."
        ),
        click.option(
            "--days", type=click.IntRange(1, 60), help="Stop asking after this many days."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def survey() -> None:
    """Send a survey to a group, pause or close it, and read the results."""


@survey.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """The surveys in messages/surveys, and every run with how far people got."""
    runtime = runtime_from_context(ctx)
    for key, definition in sorted(definitions.shipped().items()):
        click.echo(f"{key:<16} {definition.title} ({len(definition.questions)} questions)")
    with transaction(runtime.sessions) as session:
        rows = session.execute(
            select(SurveyRun, Survey.key)
            .outerjoin(Survey, Survey.id == SurveyRun.survey_id)
            .order_by(SurveyRun.id)
        ).all()
        if rows:
            click.echo("")
        for run, key in rows:
            done = _count(session, run.id, InviteStatus.DONE)
            invited = _count(session, run.id, None)
            name = key or f"ask: {run.ask_text[:40]}"
            click.echo(
                f"run {run.id:<4} {run.status.value:<9} {run.cohort.value:<8} {name:<40} "
                f"{done}/{invited} finished"
            )


@survey.command("start")
@click.argument("survey_key", metavar="SURVEY")
@_cohort_options
@click.pass_context
def start_command(ctx: click.Context, survey_key: str, **cohort) -> None:
    """Send SURVEY to a course, the people who came to a session, or named people."""
    run_id = _start(ctx, survey_key=survey_key, **cohort)
    click.echo(f"Survey run {run_id} is set. The worker sends the questions, one at a time.")


@click.command("ask")
@click.argument("question")
@_cohort_options
@click.pass_context
def ask_command(ctx: click.Context, question: str, **cohort) -> None:
    """Put one open QUESTION to a group, ahead of a meeting. Replies are kept word for word:
    read them with `voices survey results RUN`."""
    for problem in easy_read.check_text(question, "en"):
        click.echo(f"Easy read: {problem}", err=True)
    run_id = _start(ctx, ask_text=question, **cohort)
    click.echo(f"Group question run {run_id} is set. Each person who replies is thanked once.")


def _start(
    ctx: click.Context,
    *,
    course_code: str | None,
    day: str | None,
    start: str | None,
    people: str | None,
    at: str | None,
    days: int | None,
    survey_key: str | None = None,
    ask_text: str | None = None,
) -> int:
    runtime = runtime_from_context(ctx)
    settings: Settings = runtime.settings
    zone = ZoneInfo(settings.app.timezone)
    now = utcnow()
    try:
        with transaction(runtime.sessions) as session:
            course, course_session, chosen = None, None, []
            if people:
                if course_code or day:
                    raise click.UsageError("choose --people, or --course (with --date), not both")
                chosen = overview.find_people(session, people)
            elif course_code and day:
                clock = parse_clock("start", start) if start else None
                course_session = find_session(
                    session, course_code, parse_date(day), clock, zone, started_by=now
                )
            elif course_code:
                course = session.scalar(
                    select(Course).where(func.upper(Course.code) == course_code.upper())
                )
                if course is None:
                    raise click.ClickException(f"there is no course {course_code.upper()}")
            else:
                raise click.UsageError("say who to ask: --course CODE [--date DATE], or --people")
            run = runs.create_run(
                session,
                settings,
                now=now,
                survey_key=survey_key,
                ask_text=ask_text,
                course=course,
                course_session=course_session,
                people=chosen,
                starts_at=_local(at, zone) if at else None,
                expire_after_days=days,
            )
            record(
                session,
                "survey.start" if run.kind is RunKind.SURVEY else "ask.start",
                target=run,
                detail={"cohort": run.cohort.value, "survey": survey_key},
            )
            return run.id
    except (runs.RunError, BadRow) as exc:
        raise click.ClickException(str(exc)) from None


@survey.command("pause")
@click.argument("run_id", type=int, metavar="RUN")
@click.pass_context
def pause_command(ctx: click.Context, run_id: int) -> None:
    """Stop sending RUN's questions for now. Answers still count."""
    _change(ctx, run_id, "pause", lambda s, run: runs.pause(s, run))
    click.echo(f"Run {run_id} is paused.")


@survey.command("resume")
@click.argument("run_id", type=int, metavar="RUN")
@click.pass_context
def resume_command(ctx: click.Context, run_id: int) -> None:
    """Carry on with a paused RUN."""
    _change(ctx, run_id, "resume", lambda s, run: runs.resume(s, run))
    click.echo(f"Run {run_id} is running again.")


@survey.command("close")
@click.argument("run_id", type=int, metavar="RUN")
@click.pass_context
def close_command(ctx: click.Context, run_id: int) -> None:
    """Finish RUN now. Nobody more is asked; the answers are kept."""
    _change(ctx, run_id, "close", lambda s, run: runs.close(s, run, utcnow()))
    click.echo(f"Run {run_id} is closed.")


def _change(ctx: click.Context, run_id: int, verb: str, change) -> None:
    runtime = runtime_from_context(ctx)
    try:
        with transaction(runtime.sessions) as session:
            run = _run(session, run_id)
            change(session, run)
            record(session, f"survey.{verb}", target=run)
    except runs.RunError as exc:
        raise click.ClickException(str(exc)) from None


@survey.command("results")
@click.argument("run_id", type=int, metavar="RUN")
@click.pass_context
def results_command(ctx: click.Context, run_id: int) -> None:
    """Counts and percentages for each question, and every free-text answer word for word.

    Quotes marked [quotable] are from people who agreed to be quoted without their name."""
    runtime = runtime_from_context(ctx)
    with transaction(runtime.sessions) as session:
        run = _run(session, run_id)
        found = results.results(session, run)
        # Results hold people's own words: reading them is recorded, like any export.
        record(session, "survey.results", target=run)
    statuses = ", ".join(f"{n} {s}" for s, n in found.by_status.items() if n)
    click.echo(f"{found.title}: {found.invited} invited ({statuses or 'none yet'}).")
    for question in found.questions:
        click.echo(f"\n{question.key}: {question.text}")
        extra = f"{question.answered} answered, {question.skipped} skipped, "
        click.echo(f"  {extra}{question.not_understood} not understood")
        for count in question.counts:
            click.echo(
                f"  {count.value:>3} {count.label:<28} {count.count:>5}  {count.percent:5.1f}%"
            )
        for quote in question.quotes:
            mark = "[quotable]" if quote.quotable else "[not for quoting]"
            click.echo(f"  - answer {quote.answer_id} {quote.pseudonym} {mark}: {quote.text}")


@click.group()
def action() -> None:
    """ "You said, we did": record what changed, and tell the people whose words led to it."""


@action.command("add")
@click.option("--said", required=True, help="What people said, in your own easy-read words.")
@click.option("--did", required=True, help="What was done because of it, in easy read.")
@click.option("--answer", "answer_ids", multiple=True, type=int, metavar="ID", help="Repeat.")
@click.option("--message", "message_ids", multiple=True, type=int, metavar="ID", help="Repeat.")
@click.pass_context
def action_add(
    ctx: click.Context,
    said: str,
    did: str,
    answer_ids: tuple[int, ...],
    message_ids: tuple[int, ...],
) -> None:
    """Record an action and the answers or messages that led to it."""
    for problem in easy_read.check_text(said, "en") + easy_read.check_text(did, "en"):
        click.echo(f"Easy read: {problem}", err=True)
    runtime = runtime_from_context(ctx)
    try:
        with transaction(runtime.sessions) as session:
            found = you_said.record_action(
                session,
                said=said,
                did=did,
                answer_ids=answer_ids,
                message_ids=message_ids,
                now=utcnow(),
            )
            record(session, "action.add", target=found)
            action_id = found.id
    except you_said.ActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Action {action_id} saved. Tell the people it came from: voices action tell {action_id}"
    )


@action.command("tell")
@click.argument("action_id", type=int, metavar="ACTION")
@click.pass_context
def action_tell(ctx: click.Context, action_id: int) -> None:
    """Send ACTION's "you said, we did" message, once, to each person who agreed to hear back."""
    runtime = runtime_from_context(ctx)
    try:
        with transaction(runtime.sessions) as session:
            found = session.get(Action, action_id)
            if found is None:
                raise click.ClickException(f"there is no action {action_id}")
            told = you_said.tell(session, found, utcnow())
            record(session, "action.tell", target=found, detail={"told": told.told})
    except you_said.ActionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Telling {told.told} people. Not told: {told.not_agreed} did not agree to hear back, "
        f"{told.unreachable} cannot be reached now."
    )


def _run(session: Session, run_id: int) -> SurveyRun:
    run = session.get(SurveyRun, run_id)
    if run is None:
        raise click.ClickException(f"there is no run {run_id}")
    return run


def _count(session: Session, run_id: int, status: InviteStatus | None) -> int:
    query = select(func.count()).select_from(SurveyInvite).where(SurveyInvite.run_id == run_id)
    if status is not None:
        query = query.where(SurveyInvite.status == status)
    return session.scalar(query)


def _local(text: str, zone: ZoneInfo) -> datetime:
    """A local "YYYY-MM-DD HH:MM" as UTC; a time the clocks skip or repeat is refused."""
    day, _, clock = text.strip().partition(" ")
    try:
        return local_to_utc(parse_date(day), parse_clock("--at", clock.strip()), zone)
    except (BadRow, LocalTimeError) as exc:
        raise click.BadParameter(f"{exc} (write it like 2026-11-24 18:00)", "--at") from None


def register(cli: click.Group) -> None:
    cli.add_command(survey)
    cli.add_command(ask_command)
    cli.add_command(action)
