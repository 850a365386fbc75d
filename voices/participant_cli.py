"""`voices participant …`: erasing a participant, and exporting all we hold on one."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from bot import subject_access
from bot.audit import record
from bot.db import transaction
from bot.erasure import CannotErase, erase
from bot.models import StaffRole, StaffUser
from bot.participant_pages import find_participant
from voices.runtime import runtime_from_context


@click.group()
def participant() -> None:
    """Erase a participant, or export everything held on one (subject access)."""


@participant.command("erase")
@click.argument("pseudonym")
@click.option(
    "--by", "by_email", required=True, help="The admin account doing this, for the audit."
)
@click.option("--yes", is_flag=True, help="Do not ask to confirm by typing the pseudonym.")
@click.pass_context
def erase_command(ctx: click.Context, pseudonym: str, by_email: str, yes: bool) -> None:
    """Erase PSEUDONYM: numbers, name and words leave every table; counts stay. Final."""
    runtime = runtime_from_context(ctx)
    if not yes:
        typed = click.prompt(f"This cannot be undone. Type {pseudonym} to erase them")
        if typed.strip() != pseudonym:
            raise click.ClickException("that was not the pseudonym, so nothing was erased")
    with transaction(runtime.sessions) as session:
        admin = _admin(session, by_email)
        person = find_participant(session, pseudonym)
        if person is None:
            raise click.ClickException(f"there is no participant {pseudonym}")
        try:
            done = erase(session, person.id, staff_user_id=admin.id)
        except CannotErase as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"Erased {pseudonym}: {done.addresses} addresses removed, {done.messages} messages "
        f"blanked, {done.answers} answers blanked, {done.cancelled} unsent messages cancelled."
    )


@participant.command("export")
@click.argument("pseudonym")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The file to write. It holds personal data: keep it safe and delete it after use.",
)
@click.option(
    "--by", "by_email", required=True, help="The staff account doing this, for the audit."
)
@click.pass_context
def export_command(ctx: click.Context, pseudonym: str, out: Path, by_email: str) -> None:
    """Write everything held on PSEUDONYM to a readable text file (a subject access request)."""
    runtime = runtime_from_context(ctx)
    settings = runtime.settings
    with transaction(runtime.sessions) as session:
        staff = _staff(session, by_email)
        person = find_participant(session, pseudonym)
        if person is None:
            raise click.ClickException(f"there is no participant {pseudonym}")
        text = subject_access.report(
            session, person, ZoneInfo(settings.app.timezone), settings.app.service_name
        )
        record(session, "participant.subject_access", staff_user_id=staff.id, target=person)
    out.write_text(text, encoding="utf-8")
    click.echo(f"Wrote everything held on {pseudonym} to {out}.")


def _staff(session, email: str) -> StaffUser:
    found = session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if found is None or not found.active:
        raise click.ClickException(f"there is no active staff account {email}")
    return found


def _admin(session, email: str) -> StaffUser:
    found = _staff(session, email)
    if found.role is not StaffRole.ADMIN:
        raise click.ClickException(f"{email} is not an admin: only an admin can erase")
    return found


def register(cli: click.Group) -> None:
    cli.add_command(participant)
