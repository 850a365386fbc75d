"""The long-running processes: the web process and the worker."""

from __future__ import annotations

import click

from voices.runtime import runtime_from_context


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--production", is_flag=True, help="Run under gunicorn instead of Flask's server.")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes (with --production).",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, production: bool, workers: int) -> None:
    """Run the web process: provider webhooks and the staff admin page."""
    runtime = runtime_from_context(ctx)
    from webhooks.app import create_app

    if production:
        from webhooks.production import run_gunicorn

        if not runtime.settings.app.secret_key:
            raise click.ClickException(
                "VOICES_SECRET_KEY is not set. Production needs a fixed secret for staff logins.\n"
                "  Make one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        run_gunicorn(lambda: create_app(runtime.settings), host, port, workers)
        return
    app = create_app(runtime.settings)
    click.echo(f"Many Voices is listening on http://{host}:{port} (development server).")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@click.command()
def worker() -> None:
    """Run the worker that sends messages and reminders (not built yet)."""
    raise click.ClickException(
        "the worker is not built yet. It arrives with the capability "
        "'Deliver every message once' (issue 4). Nothing is sent until then."
    )


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(worker)
