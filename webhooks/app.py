"""The web process: `create_app(settings=None)` builds the Flask application."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.db import make_engine, make_session_factory, reading_only
from bot.live_settings import LiveSettings
from bot.log_privacy import keep_logs_private
from bot.settings import Settings, load_settings
from webhooks import admin, errors, health, pictures, telegram, twilio

# Provider payloads are small: Twilio's largest form is a few KiB, Telegram updates likewise.
MAX_REQUEST_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, *, demo: bool = False) -> Flask:
    """The web process. `demo` adds the phone simulator page: only `voices demo` sets it."""
    settings = settings or load_settings()
    # Also when the app is served by something other than `voices serve`.
    keep_logs_private()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        # Without a configured key, logins last only as long as this process: fine for a demo.
        SECRET_KEY=settings.app.secret_key or secrets.token_hex(32),
        SESSION_COOKIE_SECURE=settings.app.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # The admin login's longest life; webhooks.admin.auth also ends it after 30 idle minutes.
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        # A form's token lasts as long as the login does.
        WTF_CSRF_TIME_LIMIT=None,
    )
    if settings.app.proxy_hops:
        hops = settings.app.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    engine = make_engine(settings.database.url)
    app.extensions["voices"] = {
        # What config.toml and the environment say, with the admin page's changes on top,
        # read again every few seconds (bot.live_settings).
        "settings": LiveSettings(settings, make_session_factory(reading_only(engine))),
        "engine": engine,
        "sessions": make_session_factory(engine),
    }
    errors.register(app)
    csrf = CSRFProtect(app)
    # Providers cannot send our token; their signatures protect these routes instead.
    for webhook in (twilio.blueprint, telegram.blueprint):
        csrf.exempt(webhook)
    for blueprint in (
        health.blueprint,
        twilio.blueprint,
        telegram.blueprint,
        pictures.blueprint,
        admin.blueprint,
    ):
        app.register_blueprint(blueprint)
    if demo:
        from webhooks import simulator

        app.register_blueprint(simulator.blueprint)
    return app
