"""The long-running processes: the web process and the worker."""

from __future__ import annotations

import signal

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
        run_gunicorn(lambda: create_app(runtime.base), host, port, workers)
        return
    app = create_app(runtime.base)
    click.echo(f"Many Voices is listening on http://{host}:{port} (development server).")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@click.command()
@click.option(
    "--once",
    is_flag=True,
    help="Run every job once and exit (for cron-style hosting). Exits at once if another "
    "worker is running.",
)
@click.pass_context
def worker(ctx: click.Context, once: bool) -> None:
    """Run the worker: send the outbox, fire due reminders, tidy stuck sends."""
    from bot.sending.adapters import build_adapters
    from scheduler.worker import Jobs, build_scheduler
    from scheduler.worker_lock import LockUnavailable, worker_lock

    runtime = runtime_from_context(ctx)
    adapters = build_adapters(runtime.settings)
    jobs = Jobs.build(runtime.sessions, runtime.settings, adapters, live=runtime.live())
    lost = False
    try:
        with worker_lock(runtime.engine, wait=not once) as still_held:
            if once:
                jobs.run_all_once()
                return
            scheduler = build_scheduler(jobs)

            def lock_lost() -> None:
                nonlocal lost
                lost = True
                scheduler.shutdown(wait=False)

            jobs.lock_held, jobs.on_lock_lost = still_held, lock_lost
            # SIGTERM (systemd, docker stop) and Ctrl+C: finish the send in hand, claim
            # nothing new, and only then give up the lock, so a standby worker never overlaps.
            signal.signal(signal.SIGTERM, _interrupt)
            click.echo("The worker is running. Press Ctrl+C to stop.")
            try:
                scheduler.start()
            except KeyboardInterrupt:
                pass
            finally:
                jobs.stop()
                if scheduler.running:
                    # Waits for the job thread: the send in hand finishes and is recorded.
                    scheduler.shutdown(wait=True)
    except LockUnavailable:
        click.echo("Another worker is running, so this one has nothing to do.", err=True)
    finally:
        for adapter in set(adapters.values()):
            close = getattr(adapter, "close", None)
            if close:
                close()
    if lost:
        raise click.ClickException("the worker lost its lock and stopped; start it again")


def _interrupt(*_: object) -> None:
    # SIGTERM takes the same road as Ctrl+C out of the scheduler's loop.
    raise KeyboardInterrupt


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(worker)
