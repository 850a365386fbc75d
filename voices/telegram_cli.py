"""`voices telegram …`: connecting the Telegram bot, by webhook or by polling."""

from __future__ import annotations

import asyncio
import logging

import click
from telegram import Bot, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.telegram_inbound import ALLOWED_UPDATES, apply_event
from bot.channels.telegram_parse import parse_update
from bot.db import transaction
from bot.events import PayloadError
from voices.runtime import Runtime, runtime_from_context

log = logging.getLogger(__name__)


@click.group()
def telegram() -> None:
    """Connect the Telegram bot: by webhook (public address) or by polling."""


def _require_token(runtime: Runtime) -> str:
    token = runtime.settings.telegram.bot_token
    if not token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set. Get one from @BotFather.")
    return token


@telegram.command("set-webhook")
@click.pass_context
def set_webhook(ctx: click.Context) -> None:
    """Tell Telegram to post updates to public_url + /webhooks/telegram, with the secret."""
    runtime = runtime_from_context(ctx)
    token, tg = _require_token(runtime), runtime.settings.telegram
    if not tg.webhook_secret:
        raise click.ClickException("TELEGRAM_WEBHOOK_SECRET is not set: the webhook needs it.")
    url = runtime.settings.app.public_url + "/webhooks/telegram"

    async def register() -> bool:
        async with Bot(token, base_url=tg.api_base_url) as bot:
            return await bot.set_webhook(
                url, secret_token=tg.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )

    if not asyncio.run(register()):
        raise click.ClickException("Telegram did not accept the webhook.")
    click.echo(f"Telegram will post updates to {url}")


@telegram.command("poll")
@click.option(
    "--interval",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05, 60),
    help="Seconds between polls.",
)
@click.pass_context
def poll(ctx: click.Context, interval: float) -> None:
    """Fetch updates by polling, for running without a public address. Stop with Ctrl-C."""
    runtime = runtime_from_context(ctx)
    token, tg = _require_token(runtime), runtime.settings.telegram
    live = runtime.live()  # a long-running process: it follows the Settings page's changes

    async def handle(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            event = parse_update(update.to_dict())
        except PayloadError:
            log.warning("telegram poll: skipped an update that could not be read")
            return
        with transaction(runtime.sessions) as session:
            apply_event(session, event, live.current())
        if update.callback_query is not None:
            await update.callback_query.answer()

    app = Application.builder().token(token).base_url(tg.api_base_url).build()
    app.add_handler(TypeHandler(Update, handle))
    click.echo("Polling Telegram for updates. Stop with Ctrl-C.")
    # The database transaction above is short and synchronous; the Telegram answer comes after
    # the commit, so a crash between the two loses nothing.
    app.run_polling(
        poll_interval=interval, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
    )


def register(cli: click.Group) -> None:
    cli.add_command(telegram)
