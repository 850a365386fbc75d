"""Exports: every message, and every survey answer, as CSV files to download.

The rows are bot.exports' (pseudonyms only, never a phone number or chat id), written by the
csv module as UTF-8 and streamed as they are read, so years of messages never sit in memory.
Each download is audited once, when it starts: a download cut short still happened."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator

from flask import Response, current_app, g, render_template, stream_with_context
from sqlalchemy.orm import Session

from bot import exports
from bot.audit import record
from bot.db import make_session_factory, reading_only
from bot.models import utcnow
from webhooks.admin import blueprint, in_nav
from webhooks.context import unit_of_work

in_nav(50, "admin.exports", "Exports")

ROWS_PER_CHUNK = 200


@blueprint.get("/exports", endpoint="exports")
def exports_page():
    return render_template(
        "admin/exports.html",
        message_columns=exports.MESSAGE_COLUMNS,
        response_columns=exports.RESPONSE_COLUMNS,
    )


@blueprint.get("/exports/messages.csv")
def export_messages():
    return _download("messages", exports.MESSAGE_COLUMNS, exports.message_rows)


@blueprint.get("/exports/responses.csv")
def export_responses():
    return _download("responses", exports.RESPONSE_COLUMNS, exports.response_rows)


def _download(
    noun: str,
    columns: tuple[str, ...],
    rows: Callable[[Session], Iterator[list[str]]],
) -> Response:
    with unit_of_work() as db:
        record(db, f"export.{noun}", staff_user_id=g.staff.id)
    # Read without SQLite's write lock: a long download must not hold up the worker.
    factory = make_session_factory(reading_only(current_app.extensions["voices"]["engine"]))

    def generate() -> Iterator[bytes]:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(columns)
        with factory() as session:
            for count, row in enumerate(rows(session), start=1):
                writer.writerow(row)
                if count % ROWS_PER_CHUNK == 0:
                    yield _take(buffer)
        yield _take(buffer)

    filename = f"{noun}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")
