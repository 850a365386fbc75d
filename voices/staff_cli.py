"""`voices staff …`: staff accounts."""

from __future__ import annotations

import sys

import click

from bot.db import transaction
from bot.staff import StaffError, add_staff, check_new_password
from voices.runtime import runtime_from_context


@click.group()
def staff() -> None:
    """Manage staff accounts for the admin page."""


@staff.command("add")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Also allow managing staff and erasing participants.")
@click.pass_context
def staff_add(ctx: click.Context, email: str, admin: bool) -> None:
    """Add a staff account. Asks for the password twice (or reads one line from a pipe)."""
    runtime = runtime_from_context(ctx)
    password = _read_password()
    try:
        check_new_password(password)
        with transaction(runtime.sessions) as session:
            user = add_staff(session, email, password, admin=admin)
            role = user.role.value
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added the {role} account {email.strip().lower()}.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    # A pipe: the first line is the password, so scripts can create accounts.
    return sys.stdin.readline().rstrip("\r\n")


def register(cli: click.Group) -> None:
    cli.add_command(staff)
