"""Answers for the failures a provider must be told about in the right words.

A database that is down gets 503, so the provider retries later: never a 500, and never a
200 that would make it drop the message."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        log.error("database unavailable: %s", type(getattr(exc, "orig", exc)).__name__)
        return _answer(503, "the database is unavailable; please retry", retry_after=30)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        if getattr(exc, "connection_invalidated", False):
            return database_unavailable(exc)  # type: ignore[arg-type]
        raise exc

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.blueprint == "admin":
            # Staff get a page they can read and a way back, not a provider's JSON.
            page = render_template("admin/error.html", status=exc.code, title=exc.name)
            return page, exc.code or 500
        return _answer(exc.code or 500, exc.description or exc.name)


def _answer(status: int, reason: str, retry_after: int | None = None):
    response = jsonify(error=reason)
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
