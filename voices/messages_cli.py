"""`voices messages check`: is every word participants see easy read?

Needs no settings and no database: it reads only the copy in messages/."""

from __future__ import annotations

import click

from bot import easy_read, risk_phrases


@click.group("messages")
def messages_group() -> None:
    """Check the words participants see: easy read, short, in 2 SMS."""


@messages_group.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check all copy: short sentences, no jargon, reminders in 2 SMS, plain English; and that
    the safeguarding phrase file can be read.

    Prints each problem with its file, line and fix, and exits 1 if there is any."""
    report = easy_read.report()
    problems = [str(problem) for problem in report.problems]
    try:
        risk_phrases.check()
    except risk_phrases.PhraseFileError as exc:
        problems.append(str(exc))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        count = len(problems)
        click.echo(f"{count} problem{'' if count == 1 else 's'}.", err=True)
        ctx.exit(1)
    languages = f"{report.languages} language{'' if report.languages == 1 else 's'}"
    click.echo(f"All copy is easy read: {report.pieces} pieces checked in {languages}.")


def register(cli: click.Group) -> None:
    cli.add_command(messages_group)
