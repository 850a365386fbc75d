"""Importing a CSV file from the admin page: timetables (sessions), participants, attendance.

The same checks and the same import as `voices import …` (voices/data_cli.py): the whole file
is read and checked first, and every bad row is listed with its line. If any row is bad,
nothing is imported, unless "import the good rows" is ticked. Reasons never repeat a cell's
text (bot.importing.rows), so a phone number in the wrong column is not echoed onto the page.

A participants file holds phone numbers, so the upload is never saved under a name: we read
it into memory, and Werkzeug keeps one over 500 KiB only in an unnamed temporary file that
the system deletes when the request ends."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request, session
from sqlalchemy.exc import IntegrityError

from bot.importing.kinds import KINDS, ImportKind
from bot.importing.rows import (
    ImportFileError,
    ImportReport,
    RowError,
    read_table,
)
from bot.staff_accounts import claim_audit
from webhooks.admin import blueprint
from webhooks.context import settings, unit_of_work

# The app takes at most 64 KiB a request (webhooks/app.py); a timetable or a list of
# participants can be bigger, so this one form may send more.
UPLOAD_BYTES = 2 * 1024 * 1024


class _Upload:
    """What read_table needs of a file (Path.read_bytes), for an upload already in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read_bytes(self) -> bytes:
        return self._data


@blueprint.url_value_preprocessor
def _bigger_uploads(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before the CSRF check reads the form, so it is the one place to raise the limit;
    # and only for a signed-in member of staff, so nobody else can make us parse 2 MiB.
    if endpoint == "admin.csv_import" and request.method == "POST" and session.get("staff_id"):
        request.max_content_length = UPLOAD_BYTES


@blueprint.route("/import", methods=["GET", "POST"])
def csv_import():
    if request.method == "GET":
        return _page()
    chosen = request.form.get("kind", "")
    good_rows_too = request.form.get("import_good") == "yes"
    kind = KINDS.get(chosen)
    upload = request.files.get("file")
    errors = []
    if kind is None:
        errors.append(("kind-sessions", "Choose what the file holds."))
    if upload is None or not upload.filename:
        errors.append(("file", "Choose a CSV file to import."))
    if errors or kind is None or upload is None:
        return _page(errors=errors, chosen=chosen, good_rows_too=good_rows_too, status=400)
    try:
        rows = read_table(_Upload(upload.read()), kind.columns)  # type: ignore[arg-type]
    except ImportFileError as exc:
        message = f"The file cannot be imported: {exc}"
        return _page(errors=[("file", message)], chosen=chosen, status=400)
    try:
        with unit_of_work() as db:
            checked = kind.check(db, rows, settings().app)
            report = None
            if not checked.errors or good_rows_too:
                report = kind.apply(db, checked, settings(), None)
                claim_audit(db, f"import.{kind.name}", g.staff.id)
    except IntegrityError:
        message = "The database changed while importing, so nothing was imported. Import it again."
        return _page(errors=[("file", message)], chosen=chosen, status=409)
    return _page(
        chosen=chosen,
        good_rows_too=good_rows_too,
        kind=kind,
        bad_rows=checked.errors,
        good=len(checked.rows),
        report=report,
        status=200 if report else 400,
    )


def _page(
    *,
    errors=None,
    chosen: str = "",
    good_rows_too: bool = False,
    kind: ImportKind | None = None,
    bad_rows: list[RowError] | None = None,
    good: int = 0,
    report: ImportReport | None = None,
    status: int = 200,
):
    return (
        render_template(
            "admin/csv_import.html",
            kinds=KINDS,
            errors=errors or [],
            chosen=chosen,
            good_rows_too=good_rows_too,
            kind=kind,
            bad_rows=bad_rows or [],
            good=good,
            report=report,
            limit_kib=UPLOAD_BYTES // 1024,
        ),
        status,
    )
