"""Settings load from config.toml and the environment, and a bad value stops start-up clearly."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import time
from pathlib import Path

import pytest

from bot.settings import SCHEMA, ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_config_file_loads_with_its_documented_defaults():
    settings = load_settings(ROOT / "config.toml", env={})
    assert settings.app.timezone == "Europe/London"
    assert str(settings.app.send_window) == "09:00-20:00"
    assert settings.database.url == "sqlite:///voices.db"
    assert settings.twilio.enabled is False


def test_the_shipped_config_file_documents_every_setting():
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    for section, keys in SCHEMA.items():
        assert f"[{section}]" in text
        for key in keys:
            assert f"\n{key} = " in text, f"[{section}] {key} is not documented in config.toml"


def test_voices_init_writes_the_same_starter_config_as_the_documented_example():
    shipped = (ROOT / "config.toml").read_text(encoding="utf-8")
    starter = (ROOT / "bot" / "starter_config.toml").read_text(encoding="utf-8")
    assert starter == shipped


def test_a_missing_default_config_file_means_built_in_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings.app.default_language == "en"
    assert settings.app.send_window.contains(time(12, 0))


def test_voices_config_names_another_file(tmp_path):
    path = write(tmp_path, '[app]\ntimezone = "Europe/Paris"\n')
    settings = load_settings(env={"VOICES_CONFIG": str(path)})
    assert settings.app.timezone == "Europe/Paris"
    assert settings.source == str(path)


def test_the_environment_overrides_a_value_from_the_file(tmp_path):
    path = write(tmp_path, '[app]\ntimezone = "Europe/Paris"\n')
    settings = load_settings(path, env={"VOICES_APP_TIMEZONE": "Europe/Dublin"})
    assert settings.app.timezone == "Europe/Dublin"


def test_secrets_are_read_from_the_environment(tmp_path):
    env = {
        "VOICES_SECRET_KEY": "k" * 32,
        "TWILIO_AUTH_TOKEN": "tw",
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "DATABASE_URL": "postgresql://voices@db/voices",
        "SMTP_PASSWORD": "mail-pass",
        "SAFEGUARDING_WEBHOOK_URL": "https://duty.example.org/hook/abc",
    }
    settings = load_settings(write(tmp_path, ""), env=env)
    assert settings.safeguarding.smtp_password == "mail-pass"
    assert settings.safeguarding.alert_webhook_url == "https://duty.example.org/hook/abc"
    assert settings.app.secret_key == "k" * 32
    assert settings.twilio.auth_token == "tw"
    assert settings.telegram.bot_token == "123:abc"
    assert settings.telegram.webhook_secret == "s3cret"
    assert settings.database.url == "postgresql+psycopg://voices@db/voices"


def test_settings_cannot_be_changed_after_loading(tmp_path):
    settings = load_settings(write(tmp_path, ""), env={})
    with pytest.raises(FrozenInstanceError):
        settings.app.timezone = "UTC"  # type: ignore[misc]


def test_always_switches_the_send_window_off(tmp_path):
    settings = load_settings(write(tmp_path, '[app]\nsend_window = "always"\n'), env={})
    assert settings.app.send_window.always
    assert settings.app.send_window.contains(time(3, 0))


def test_a_send_window_can_wrap_past_midnight(tmp_path):
    settings = load_settings(write(tmp_path, '[app]\nsend_window = "20:00-08:00"\n'), env={})
    assert settings.app.send_window.contains(time(23, 30))
    assert not settings.app.send_window.contains(time(12, 0))


BAD_VALUES = [
    ('[app]\ntimezone = "Europe/Londn"\n', "[app] timezone", 'timezone = "Europe/London"'),
    ('[app]\npublic_url = "voices.example.org"\n', "[app] public_url", "https://"),
    ('[app]\nsend_window = "9am to 8pm"\n', "[app] send_window", '"09:00-20:00"'),
    ('[app]\nsend_window = "25:00-20:00"\n', "[app] send_window", '"09:00-20:00"'),
    ('[app]\ndefault_language = "English"\n', "[app] default_language", '"en"'),
    ('[app]\nphone_region = "XX"\n', "[app] phone_region", '"GB"'),
    ('[database]\nurl = "mysql://x/y"\n', "[database] url", "postgresql://"),
    ('[twilio]\naccount_sid = "12345"\n', "[twilio] account_sid", "AC0123"),
    ('[app]\ntimezon = "Europe/London"\n', "[app] timezon", "use one of"),
    ('[twilio]\nauth_token = "abc"\n', "[twilio] auth_token", "TWILIO_AUTH_TOKEN"),
    ('[app]\nsecret_key = "abc"\n', "[app] secret_key", "VOICES_SECRET_KEY"),
    ('[app\ntimezone = "x"\n', "(syntax)", "double quotes"),
    ("app = 3\n", "app", "[app]"),
    ('[safeguarding]\nalert_emails = "duty at college"\n', "[safeguarding] alert_emails", "@"),
    ('[safeguarding]\nalert_emails = "duty@example.org"\n', "[safeguarding] smtp_host", "smtp"),
    ('[safeguarding]\nsmtp_password = "x"\n', "[safeguarding] smtp_password", "SMTP_PASSWORD"),
    (
        '[safeguarding]\nalert_webhook_url = "https://x"\n',
        "[safeguarding] alert_webhook_url",
        "SAFEGUARDING_WEBHOOK_URL",
    ),
    ("[privacy]\nkeep_words_days = 7\n", "[privacy] keep_words_days", "365"),
]


@pytest.mark.parametrize(("text", "key", "fix"), BAD_VALUES)
def test_a_bad_value_names_the_file_the_key_and_the_fix(tmp_path, text, key, fix):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: ")
    assert fix in message


def test_a_channel_switched_on_without_its_secret_stops_start_up(tmp_path):
    path = write(
        tmp_path,
        '[twilio]\nenabled = true\naccount_sid = "AC0123456789abcdef0123456789abcdef"\n'
        'from_number = "+447700900123"\n',
    )
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        load_settings(path, env={})
    settings = load_settings(path, env={"TWILIO_AUTH_TOKEN": "x"})
    assert settings.twilio.enabled


def test_twilio_switched_on_needs_something_to_send_from(tmp_path):
    path = write(
        tmp_path, '[twilio]\nenabled = true\naccount_sid = "AC0123456789abcdef0123456789abcdef"\n'
    )
    with pytest.raises(ConfigError, match="messaging_service_sid"):
        load_settings(path, env={"TWILIO_AUTH_TOKEN": "x"})


def test_telegram_switched_on_needs_its_token_and_webhook_secret(tmp_path):
    path = write(tmp_path, "[telegram]\nenabled = true\n")
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        load_settings(path, env={})
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings(path, env={"TELEGRAM_BOT_TOKEN": "1:a"})


def test_a_bad_database_url_in_the_environment_is_named_and_never_shows_the_password(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, ""), env={"DATABASE_URL": "mysql://u:hunter2@db/x"})
    assert "DATABASE_URL" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_named_config_file_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", env={})
