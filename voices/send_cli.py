"""`voices send`: a one-off message from staff."""

from __future__ import annotations

import click

from bot.models import Participant
from bot.one_off import OneOffError, queue_one_off
from voices.runtime import runtime_from_context


@click.command()
@click.option(
    "--to", "to", required=True, help="+447700900123, whatsapp:+44… or telegram:<chat id>"
)
@click.option("--text", required=True, help="The message, exactly as it should arrive.")
@click.option("--check", is_flag=True, help="Show the segments and cost only; queue nothing.")
@click.pass_context
def send(ctx: click.Context, to: str, text: str, check: bool) -> None:
    """Queue a one-off message to one participant. The worker sends it."""
    runtime = runtime_from_context(ctx)
    try:
        with runtime.sessions() as session:
            message, cost = queue_one_off(session, runtime.settings, to, text)
            pseudonym = session.get(Participant, message.participant_id).pseudonym
            how = f"{pseudonym} by {message.channel.value}"
            if check:
                session.rollback()
            else:
                session.commit()
    except OneOffError as exc:
        raise click.ClickException(str(exc)) from None
    parts = "1 segment" if cost.segments == 1 else f"{cost.segments} segments"
    if check:
        click.echo(f"Would send to {how}: {parts}, about {cost.pence:g}p. Nothing was queued.")
        return
    click.echo(
        f"Queued message {message.id} to {how}: {parts}, about {cost.pence:g}p. "
        "The worker sends it inside the send window."
    )


def register(cli: click.Group) -> None:
    cli.add_command(send)
