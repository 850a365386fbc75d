"""Checkers for single settings. Each returns the clean value or raises ValueError(reason)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from bot.time_windows import TimeWindow, parse_clock_or_off

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_SURVEY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_DB_SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} should be text in double quotes")
    return value


def check_text(value: Any) -> str:
    text = _text(value).strip()
    if not text:
        raise ValueError("this must not be empty")
    return text


def check_optional_text(value: Any) -> str | None:
    return _text(value).strip() or None


def check_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "0", "no", "off"}:
        return False
    raise ValueError(f"{value!r} is not true or false")


def check_positive_int(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise ValueError(f"{number} is outside {low} to {high}")
        return number

    return check


def check_positive_number(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if not low <= number <= high:
            raise ValueError(f"{number:g} is outside {low:g} to {high:g}")
        return number

    return check


def check_http_url(value: Any) -> str:
    text = _text(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f'"{text}" is not a web address starting with http:// or https://')
    return text.rstrip("/")


_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def check_emails(value: Any) -> tuple[str, ...]:
    """A comma-separated list of email addresses, or "" for none."""
    found = tuple(part.strip() for part in _text(value).split(",") if part.strip())
    for address in found:
        if not _EMAIL.match(address):
            raise ValueError(f'"{address}" is not an email address')
    return found


def check_timezone(value: Any) -> str:
    text = _text(value).strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'"{text}" is not a time zone name') from None
    return text


def check_window(value: Any) -> TimeWindow:
    return TimeWindow.parse(_text(value))


def check_clock_or_off(value: Any) -> time | None:
    return parse_clock_or_off(_text(value))


def check_survey_or_off(value: Any) -> str | None:
    """A survey id from messages/surveys, or "off". The survey files are checked at start-up."""
    text = _text(value).strip()
    if text.lower() in ("off", ""):
        return None
    if not _SURVEY_ID.match(text):
        raise ValueError(f'"{text}" is not a survey id like "post-session", or "off"')
    return text


def check_language(value: Any) -> str:
    text = _text(value).strip().lower()
    if not _LANGUAGE.match(text):
        raise ValueError(f'"{text}" is not a two- or three-letter language code')
    return text


def check_region(value: Any) -> str:
    text = _text(value).strip().upper()
    if text not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f'"{text}" is not a country code that phone numbers use')
    return text


def check_sid(prefix: str) -> Callable[[Any], str | None]:
    pattern = re.compile(rf"^{prefix}[0-9a-f]{{32}}$")

    def check(value: Any) -> str | None:
        text = _text(value).strip()
        if not text:
            return None
        if not pattern.match(text):
            raise ValueError(f'"{text}" is not {prefix} followed by 32 hex characters')
        return text

    return check


def check_database_url(value: Any) -> str:
    """Accept SQLite and PostgreSQL URLs, and point PostgreSQL at the psycopg 3 driver."""
    text = _text(value).strip()
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme not in _DB_SCHEMES:
        raise ValueError(f'"{_redact(text)}" is not a sqlite:/// or postgresql:// address')
    if scheme in ("postgresql", "postgres"):
        text = "postgresql+psycopg://" + text.split("://", 1)[1]
    return text


def _redact(url: str) -> str:
    # A database URL may carry a password; never echo it back.
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
