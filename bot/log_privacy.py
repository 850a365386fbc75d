"""Keeping phone numbers, message bodies, names and tokens out of the logs, at any level.

Our own log lines carry ids, counts and kinds of error, never a person's details. Some of the
libraries under us log more than that, so every process sets them up here as it starts
(`voices` for each command, and webhooks.app.create_app for a web process however it is run):

    httpx      INFO   each request's URL, and a Bot API URL holds the bot token
    telegram   DEBUG  the Bot API URL (with the token), and each call's parameters and answer:
                      chat ids, names, message text
    werkzeug   INFO   the development server's request lines, query strings and all, and a
                      search for a person by name is a query string

httpx is held at WARNING and telegram at INFO, whatever the root logger's level, so their
warnings and errors still show. Werkzeug keeps its request lines, without the query strings.
(SQLAlchemy holds its own loggers at WARNING, and bot.db.make_engine hides SQL parameters from
its errors.) tests/test_logs_hold_nothing_personal.py proves all this with the root at DEBUG."""

from __future__ import annotations

import logging
import re

LEVELS = {"httpx": logging.WARNING, "telegram": logging.INFO}

# From the "?" to the " HTTP/1.1" that ends a request line; elsewhere, to the next space.
_QUERY = re.compile(r"\?(?:.*(?= HTTP/)|\S*)")


class NoQueryStrings(logging.Filter):
    """Cuts the query string out of each text argument of a record (Werkzeug's request lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def keep_logs_private() -> None:
    """Set up the libraries' loggers as above. Safe to call more than once."""
    for name, level in LEVELS.items():
        logging.getLogger(name).setLevel(level)
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, NoQueryStrings) for f in werkzeug.filters):
        werkzeug.addFilter(NoQueryStrings())
