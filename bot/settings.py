"""Settings: `config.toml` for what is not secret, the environment for what is.

Every value is checked once, at start-up. A bad value raises `ConfigError`, which names the
file, the key, what is wrong and an example of a right value, so that the command line can
print one clear line instead of a traceback.

Precedence, lowest first: built-in defaults, the config file, `VOICES_<SECTION>_<KEY>`
environment variables, and the dedicated variables (`DATABASE_URL` and the secrets).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from bot import risk_phrases
from bot.settings_checks import (
    check_bool,
    check_clock_or_off,
    check_database_url,
    check_emails,
    check_http_url,
    check_language,
    check_optional_text,
    check_positive_int,
    check_positive_number,
    check_region,
    check_sid,
    check_survey_or_off,
    check_text,
    check_timezone,
    check_window,
)
from bot.time_windows import TimeWindow

DEFAULT_CONFIG_PATH = Path("config.toml")

# Secrets never live in config.toml: these names are refused there and read from the environment.
SECRET_ENV = {
    "secret_key": "VOICES_SECRET_KEY",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "bot_token": "TELEGRAM_BOT_TOKEN",
    "webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
    "smtp_password": "SMTP_PASSWORD",
    # A duty-line webhook address usually holds its own key (Teams, Slack and the like).
    "alert_webhook_url": "SAFEGUARDING_WEBHOOK_URL",
}


class ConfigError(Exception):
    """A setting that cannot be used. The message is written for the person running the service."""

    def __init__(self, source: str, key: str, problem: str, example: str) -> None:
        self.source, self.key, self.problem, self.example = source, key, problem, example
        super().__init__(f"{source}: {key}: {problem}\n  Fix it like this: {example}")


@dataclass(frozen=True)
class AppSettings:
    public_url: str = "http://localhost:5000"
    timezone: str = "Europe/London"
    send_window: TimeWindow = field(default_factory=lambda: TimeWindow.parse("09:00-20:00"))
    default_language: str = "en"
    phone_region: str = "GB"
    # Set behind a TLS-terminating reverse proxy: how many proxies to trust for X-Forwarded-*.
    proxy_hops: int = 0
    secure_cookies: bool = True
    # How the service names itself, and how to reach a person, in the HELP reply.
    service_name: str = "Many Voices"
    help_contact: str = "ask your course tutor"
    secret_key: str | None = None


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///voices.db"


@dataclass(frozen=True)
class TwilioSettings:
    enabled: bool = False
    account_sid: str | None = None
    messaging_service_sid: str | None = None
    from_number: str | None = None
    whatsapp_from: str | None = None
    # An approved WhatsApp template (ContentSid, HX…) that reopens the 24-hour window.
    whatsapp_template_sid: str | None = None
    api_base_url: str = "https://api.twilio.com"
    auth_token: str | None = None


@dataclass(frozen=True)
class TelegramSettings:
    enabled: bool = False
    api_base_url: str = "https://api.telegram.org/bot"
    bot_username: str | None = None
    bot_token: str | None = None
    webhook_secret: str | None = None


@dataclass(frozen=True)
class SendingSettings:
    # Messages a second, across everyone. Defaults sit inside the providers' published limits:
    # Twilio queues beyond its per-sender rate, and Telegram allows about 30 a second overall.
    sms_per_second: float = 10.0
    whatsapp_per_second: float = 10.0
    telegram_per_second: float = 25.0
    # Telegram asks bots not to send more than one message a second to the same chat.
    telegram_per_chat_per_second: float = 1.0
    # Transient failures are retried with growing waits, this many attempts in all.
    max_attempts: int = 6
    # A message still "sending" this long after it was claimed is marked unknown, not resent.
    stuck_after_seconds: int = 600
    # Outside the WhatsApp window with no template: send by SMS if the person has an SMS address.
    whatsapp_fallback_to_sms: bool = True
    # For the cost estimate staff see before sending, in pence a segment (UK rate, roughly).
    sms_pence_per_segment: float = 4.0
    whatsapp_pence_per_message: float = 3.0


@dataclass(frozen=True)
class ReminderSettings:
    """The reminder plan every course has unless staff give it its own (bot.reminders.plan)."""

    # The day before the session at this local time; None switches it off.
    day_before_at: time | None = time(10, 0)
    # On the day, this many hours before the start; 0 switches it off.
    hours_before: float = 2.0
    # When staff mark someone as missing a session: a kind message, and a task to phone them.
    missed_follow_up: bool = True


@dataclass(frozen=True)
class SurveySettings:
    # The survey sent to the people who came to a session; None sends none. Off unless the
    # config file turns it on (the shipped config.toml does), so nobody is surveyed by surprise.
    after_session: str | None = None
    after_session_hours: float = 2.0
    expire_after_days: int = 7
    nudge_after_days: int = 3


@dataclass(frozen=True)
class SafeguardingSettings:
    """Who hears at once when a message suggests someone is at risk (bot.staff_alerts)."""

    # Emailed when an urgent safeguarding flag is raised; empty sends no email.
    alert_emails: tuple[str, ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_from: str = "many-voices@localhost"
    smtp_password: str | None = None
    # POSTed a small JSON note (no names, numbers or words) for a duty line; from the
    # environment, as such addresses carry their own key.
    alert_webhook_url: str | None = None


@dataclass(frozen=True)
class PrivacySettings:
    """How long personal data is kept (bot.retention). See docs/privacy.md for choosing."""

    # Message bodies and free-text answers older than this become a marker; counts stay.
    keep_words_days: int = 365
    # A participant who texted STOP this long ago has their numbers and name removed.
    stopped_contact_days: int = 90


@dataclass(frozen=True)
class Settings:
    source: str = "(defaults)"
    app: AppSettings = field(default_factory=AppSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    twilio: TwilioSettings = field(default_factory=TwilioSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    sending: SendingSettings = field(default_factory=SendingSettings)
    reminders: ReminderSettings = field(default_factory=ReminderSettings)
    surveys: SurveySettings = field(default_factory=SurveySettings)
    safeguarding: SafeguardingSettings = field(default_factory=SafeguardingSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    # Where each value not left at its default came from, by "section.key": "file" or
    # "environment". The admin settings page shows it, and will not override the environment.
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)


# Each key: (checker, example shown when the value is wrong). Checkers return the clean value
# or raise ValueError with a short reason.
SCHEMA: dict[str, dict[str, tuple[Any, str]]] = {
    "app": {
        "public_url": (check_http_url, 'public_url = "https://voices.example.org"'),
        "timezone": (check_timezone, 'timezone = "Europe/London"'),
        "send_window": (check_window, 'send_window = "09:00-20:00"  (or "always")'),
        "default_language": (check_language, 'default_language = "en"'),
        "phone_region": (check_region, 'phone_region = "GB"'),
        "proxy_hops": (check_positive_int(0, 5), "proxy_hops = 1"),
        "secure_cookies": (check_bool, "secure_cookies = true"),
        "service_name": (check_text, 'service_name = "Recovery College Voices"'),
        "help_contact": (check_text, 'help_contact = "call 01632 960 000 on weekdays"'),
    },
    "database": {
        "url": (check_database_url, 'url = "postgresql://voices@localhost/voices"'),
    },
    "twilio": {
        "enabled": (check_bool, "enabled = true"),
        "account_sid": (check_sid("AC"), 'account_sid = "AC0123456789abcdef0123456789abcdef"'),
        "messaging_service_sid": (
            check_sid("MG"),
            'messaging_service_sid = "MG0123456789abcdef0123456789abcdef"',
        ),
        "from_number": (check_optional_text, 'from_number = "+447700900123"'),
        "whatsapp_from": (check_optional_text, 'whatsapp_from = "whatsapp:+447700900123"'),
        "whatsapp_template_sid": (
            check_sid("HX"),
            'whatsapp_template_sid = "HX0123456789abcdef0123456789abcdef"',
        ),
        "api_base_url": (check_http_url, 'api_base_url = "https://api.twilio.com"'),
    },
    "telegram": {
        "enabled": (check_bool, "enabled = true"),
        "api_base_url": (check_http_url, 'api_base_url = "https://api.telegram.org/bot"'),
        "bot_username": (check_optional_text, 'bot_username = "ManyVoicesBot"'),
    },
    "sending": {
        "sms_per_second": (check_positive_number(0.1, 100), "sms_per_second = 10"),
        "whatsapp_per_second": (check_positive_number(0.1, 80), "whatsapp_per_second = 10"),
        "telegram_per_second": (check_positive_number(0.1, 30), "telegram_per_second = 25"),
        "telegram_per_chat_per_second": (
            check_positive_number(0.05, 1),
            "telegram_per_chat_per_second = 1",
        ),
        "max_attempts": (check_positive_int(1, 20), "max_attempts = 6"),
        "stuck_after_seconds": (check_positive_int(60, 86400), "stuck_after_seconds = 600"),
        "whatsapp_fallback_to_sms": (check_bool, "whatsapp_fallback_to_sms = true"),
        "sms_pence_per_segment": (check_positive_number(0, 100), "sms_pence_per_segment = 4"),
        "whatsapp_pence_per_message": (
            check_positive_number(0, 100),
            "whatsapp_pence_per_message = 3",
        ),
    },
    "reminders": {
        "day_before_at": (check_clock_or_off, 'day_before_at = "10:00"  (or "off")'),
        "hours_before": (check_positive_number(0, 24), "hours_before = 2  (0 switches it off)"),
        "missed_follow_up": (check_bool, "missed_follow_up = true"),
    },
    "surveys": {
        "after_session": (check_survey_or_off, 'after_session = "post-session"  (or "off")'),
        "after_session_hours": (
            check_positive_number(0, 72),
            "after_session_hours = 2",
        ),
        "expire_after_days": (check_positive_int(1, 60), "expire_after_days = 7"),
        "nudge_after_days": (check_positive_int(1, 59), "nudge_after_days = 3"),
    },
    "safeguarding": {
        "alert_emails": (check_emails, 'alert_emails = "duty@example.org, lead@example.org"'),
        "smtp_host": (check_optional_text, 'smtp_host = "smtp.example.org"'),
        "smtp_port": (check_positive_int(1, 65535), "smtp_port = 587"),
        "smtp_starttls": (check_bool, "smtp_starttls = true"),
        "smtp_username": (check_optional_text, 'smtp_username = "many-voices"'),
        "smtp_from": (check_text, 'smtp_from = "many-voices@example.org"'),
    },
    "privacy": {
        "keep_words_days": (check_positive_int(30, 3650), "keep_words_days = 365"),
        "stopped_contact_days": (check_positive_int(1, 3650), "stopped_contact_days = 90"),
    },
}

SECTION_TYPES = {
    "app": AppSettings,
    "database": DatabaseSettings,
    "twilio": TwilioSettings,
    "telegram": TelegramSettings,
    "sending": SendingSettings,
    "reminders": ReminderSettings,
    "surveys": SurveySettings,
    "safeguarding": SafeguardingSettings,
    "privacy": PrivacySettings,
}


def load_settings(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Read, merge and check every setting. Raises ConfigError on the first bad one."""
    env = os.environ if env is None else env
    if path is None:
        path = env.get("VOICES_CONFIG") or DEFAULT_CONFIG_PATH
    path = Path(path)
    raw = _read_file(path, explicit=path != DEFAULT_CONFIG_PATH)
    source = str(path)
    sections: dict[str, dict[str, Any]] = {}
    origins: dict[str, str] = {}
    for name, schema in SCHEMA.items():
        values = _section_from_file(raw, name, source)
        origins.update(dict.fromkeys((f"{name}.{key}" for key in values), "file"))
        from_env = _section_from_env(env, name, schema)
        origins.update(dict.fromkeys((f"{name}.{key}" for key in from_env), "environment"))
        values.update(from_env)
        sections[name] = _check_section(name, schema, values, source)
    _apply_secrets(sections, env)
    if env.get("DATABASE_URL"):
        origins["database.url"] = "environment"
    settings = Settings(
        source=source,
        **{name: SECTION_TYPES[name](**vals) for name, vals in sections.items()},
        origins=origins,
    )
    _check_channels(settings)
    check_together(settings)
    _check_phrases()
    return settings


def check_together(settings: Settings) -> None:
    """The checks that need more than one setting. Also run on a change from the admin page."""
    _check_surveys(settings)
    _check_alerts(settings)


def _read_file(path: Path, explicit: bool) -> dict[str, Any]:
    if not path.exists():
        if explicit:
            raise ConfigError(
                str(path),
                "(file)",
                "the file does not exist",
                "point VOICES_CONFIG at an existing file, or run `voices init`",
            )
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            str(path),
            "(syntax)",
            f"this is not valid TOML ({exc})",
            'put text in double quotes, like timezone = "Europe/London"',
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(
            str(path), "(file)", "the file is not UTF-8 text", "save the file as UTF-8"
        ) from None


def _section_from_file(raw: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    section = raw.get(name, {})
    if not isinstance(section, dict):
        raise ConfigError(source, name, "this should be a [section]", f"[{name}]")
    unknown = set(section) - set(SCHEMA[name]) - set(SECRET_ENV)
    if unknown:
        key = sorted(unknown)[0]
        known = ", ".join(SCHEMA[name])
        raise ConfigError(
            source,
            f"[{name}] {key}",
            "this setting is not known",
            f"use one of: {known}",
        )
    for secret, env_name in SECRET_ENV.items():
        if secret in section:
            raise ConfigError(
                source,
                f"[{name}] {secret}",
                "secrets must not be written in the config file",
                f"delete the line and set the environment variable {env_name} instead",
            )
    return dict(section)


def _section_from_env(env: Mapping[str, str], name: str, schema: dict) -> dict[str, Any]:
    prefix = f"VOICES_{name.upper()}_"
    return {key: env[prefix + key.upper()] for key in schema if prefix + key.upper() in env}


def _check_section(name: str, schema: dict, values: dict[str, Any], source: str) -> dict:
    clean: dict[str, Any] = {}
    for key, value in values.items():
        checker, example = schema[key]
        try:
            clean[key] = checker(value)
        except ValueError as exc:
            raise ConfigError(source, f"[{name}] {key}", str(exc), example) from None
    return clean


def _apply_secrets(sections: dict[str, dict[str, Any]], env: Mapping[str, str]) -> None:
    def secret(name: str) -> str | None:
        return env.get(name) or None

    sections["app"]["secret_key"] = secret("VOICES_SECRET_KEY")
    sections["twilio"]["auth_token"] = secret("TWILIO_AUTH_TOKEN")
    sections["telegram"]["bot_token"] = secret("TELEGRAM_BOT_TOKEN")
    sections["telegram"]["webhook_secret"] = secret("TELEGRAM_WEBHOOK_SECRET")
    sections["safeguarding"]["smtp_password"] = secret("SMTP_PASSWORD")
    webhook = secret("SAFEGUARDING_WEBHOOK_URL")
    if webhook is not None:
        try:
            sections["safeguarding"]["alert_webhook_url"] = check_http_url(webhook)
        except ValueError as exc:
            raise ConfigError(
                "environment",
                "SAFEGUARDING_WEBHOOK_URL",
                str(exc),
                "SAFEGUARDING_WEBHOOK_URL=https://duty.example.org/hooks/…",
            ) from None
    if env.get("DATABASE_URL"):
        try:
            sections["database"]["url"] = check_database_url(env["DATABASE_URL"])
        except ValueError as exc:
            raise ConfigError(
                "environment",
                "DATABASE_URL",
                str(exc),
                "DATABASE_URL=postgresql://voices@localhost/voices",
            ) from None


def _check_channels(settings: Settings) -> None:
    """A channel switched on must have what it needs to work, or start-up stops now."""
    src, tw, tg = settings.source, settings.twilio, settings.telegram
    if tw.enabled:
        if not tw.account_sid:
            raise ConfigError(
                src,
                "[twilio] account_sid",
                "Twilio is enabled but has no account SID",
                'account_sid = "AC0123456789abcdef0123456789abcdef"',
            )
        if not (tw.messaging_service_sid or tw.from_number or tw.whatsapp_from):
            raise ConfigError(
                src,
                "[twilio] messaging_service_sid",
                "Twilio is enabled but has nothing to send from",
                'messaging_service_sid = "MG…", or from_number = "+447700900123"',
            )
        if not tw.auth_token:
            raise ConfigError(
                "environment",
                "TWILIO_AUTH_TOKEN",
                "Twilio is enabled but its secret is not set",
                "export TWILIO_AUTH_TOKEN=… (from the Twilio console), or set enabled = false",
            )
    if tg.enabled:
        for env_name, value in (
            ("TELEGRAM_BOT_TOKEN", tg.bot_token),
            ("TELEGRAM_WEBHOOK_SECRET", tg.webhook_secret),
        ):
            if not value:
                raise ConfigError(
                    "environment",
                    env_name,
                    "Telegram is enabled but this secret is not set",
                    f"export {env_name}=…, or set [telegram] enabled = false",
                )


def _check_surveys(settings: Settings) -> None:
    """A broken survey file stops start-up, so that no question can fail when it is due."""
    from bot.surveys import definitions  # settings are read before anything else is imported

    try:
        surveys = definitions.shipped()
    except definitions.SurveyFilesError as exc:
        first = exc.errors[0]
        more = f" ({len(exc.errors) - 1} more: run voices messages check)" if exc.errors[1:] else ""
        raise ConfigError(
            first.where, first.key or "survey", first.problem + more, first.fix
        ) from None
    wanted = settings.surveys.after_session
    if wanted is not None and wanted not in surveys:
        raise ConfigError(
            settings.source,
            "[surveys] after_session",
            f'there is no survey "{wanted}" in messages/surveys',
            f'after_session = "{next(iter(surveys), "post-session")}"  (or "off")',
        )


def _check_alerts(settings: Settings) -> None:
    """Safeguarding emails with nowhere to send from would fail silently on the worst day."""
    found = settings.safeguarding
    if found.alert_emails and not found.smtp_host:
        raise ConfigError(
            settings.source,
            "[safeguarding] smtp_host",
            "alert_emails is set but there is no mail server to send through",
            'smtp_host = "smtp.example.org", or alert_emails = ""',
        )


def _check_phrases() -> None:
    try:
        risk_phrases.check()
    except risk_phrases.PhraseFileError as exc:
        raise ConfigError(str(exc.path), "[phrases]", exc.problem, exc.fix) from None
