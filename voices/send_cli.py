"""`voices send`: a one-off message from staff."""

from __future__ import annotations

import click

from bot.db import transaction
from bot.models import Participant
from bot.one_off import OneOffError, queue_one_off
from voices.runtime import runtime_from_context


@click.command()
@click.option(
    "--to", "to", required=True, help="+447700900123, whatsapp:+44… or telegram:<chat id>"
)
@click.option("--text", required=True, help="The message, exactly as it should arrive.")
@click.pass_context
def send(ctx: click.Context, to: str, text: str) -> None:
    """Queue a one-off message to one participant. The worker sends it."""
    runtime = runtime_from_context(ctx)
    try:
        with transaction(runtime.sessions) as session:
            message, cost = queue_one_off(session, runtime.settings, to, text)
            pseudonym = session.get(Participant, message.participant_id).pseudonym
    except OneOffError as exc:
        raise click.ClickException(str(exc)) from None
    parts = "1 segment" if cost.segments == 1 else f"{cost.segments} segments"
    click.echo(
        f"Queued message {message.id} to {pseudonym} by {message.channel.value}: "
        f"{parts}, about {cost.pence:g}p. The worker sends it inside the send window."
    )


def register(cli: click.Group) -> None:
    cli.add_command(send)
