"""Reading an import file into rows, and the error types every import shares.

Error messages never repeat a cell's raw text: a participants file holds phone numbers and
names, and a shifted column can put either anywhere. Messages name the column and the line;
only values that have already parsed as something harmless (a date, a time) are echoed.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from bot.audit import record

T = TypeVar("T")
log = logging.getLogger("bot.importing")

# More than a few digits in a header cell may be a phone number from a file with no header.
_DIGITS = re.compile(r"\d{5,}")


class ImportFileError(Exception):
    """The file as a whole cannot be imported. The message is safe to show."""


class BadRow(ValueError):
    """One row cannot be imported; the message says why without repeating its values."""


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True)
class CsvRow:
    line: int  # the physical line the row starts on; the header is line 1
    values: dict[str, str]
    problem: str | None = None  # a fault in the row's shape, found while reading


@dataclass(frozen=True)
class Columns:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def every(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass
class Checked(Generic[T]):
    """The outcome of checking a file: the rows that can be imported and those that cannot."""

    rows: list[T] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


def apply_each(
    session: Any,
    checked: Checked[T],
    apply_one: Callable[[T], Outcome],
    noun: str,
    on_row: Callable[[], None] | None = None,
) -> ImportReport:
    """Apply each good row, count the outcomes, then audit and log the counts. Bad rows count
    as skipped. Shared by every import, so each reports and audits the same way."""
    report = ImportReport(skipped=len(checked.errors))
    for row in checked.rows:
        report.count(apply_one(row))
        if on_row:
            on_row()
    record(session, f"import.{noun}", detail=report.as_dict())
    log.info("Imported %s: %s", noun, report.as_dict())
    return report


class Problems:
    """Collects every problem in one row, so one run of the import lists them all."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def check(self, parse: Callable[..., T], *args: object) -> T | None:
        try:
            return parse(*args)
        except BadRow as exc:
            self.reasons.append(str(exc))
            return None

    def raise_any(self) -> None:
        if self.reasons:
            raise BadRow("; ".join(self.reasons))


def read_table(path: Path, columns: Columns) -> list[CsvRow]:
    """Read and check the header, then every row. Raises ImportFileError for the whole file."""
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        header = next((cells for cells in reader if any(c.strip() for c in cells)), None)
        if header is None:
            raise ImportFileError(_no_header(columns))
        names = _check_header(header, columns)
        return list(_rows(reader, names))
    except csv.Error as exc:
        raise ImportFileError(f"line {reader.line_num}: this is not valid CSV ({exc})") from None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError("there is no such file") from None
    except IsADirectoryError:
        raise ImportFileError("this is a folder, not a file") from None
    except OSError as exc:
        raise ImportFileError(f"the file cannot be read ({exc.strerror})") from None
    # A NUL is valid UTF-8 but no text has one: it is how UTF-16 ("Unicode Text") looks, and
    # PostgreSQL refuses it in a text column.
    bad = data.find(b"\0")
    try:
        # utf-8-sig drops the byte order mark Excel writes at the start of "CSV UTF-8" files.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = exc.start if bad == -1 else min(bad, exc.start)
    if bad == -1:
        return text
    line = data[:bad].count(b"\n") + 1
    raise ImportFileError(
        f"the file is not UTF-8 text (the first bad character is on line {line}).\n"
        "  In Excel, save it with File > Save As > CSV UTF-8 (Comma delimited)."
    )


def _no_header(columns: Columns) -> str:
    return (
        "the file has no header line: the first line must name the columns, like\n"
        f"  {','.join(columns.every)}"
    )


def _check_header(header: list[str], columns: Columns) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    named = [name for name in names if name]
    if not set(named) & set(columns.every):
        semicolons = ";" in "".join(header)
        hint = "\n  (The columns look separated by ';': save the file as comma-separated.)"
        raise ImportFileError(_no_header(columns) + (hint if semicolons else ""))
    unknown = [
        _safe_name(name, i, columns.every)
        for i, name in enumerate(names, 1)
        if name and name not in columns.every
    ]
    if unknown:
        raise ImportFileError(
            f"unknown column(s): {', '.join(unknown)}.\n"
            f"  The columns are: {', '.join(columns.every)}"
        )
    twice = sorted({name for name in named if named.count(name) > 1})
    if twice:
        raise ImportFileError(f"the header names a column twice: {', '.join(twice)}")
    missing = [name for name in columns.required if name not in names]
    if missing:
        raise ImportFileError(
            f"the header has no {', '.join(missing)} column (required: "
            f"{', '.join(columns.required)})"
        )
    return names


def _safe_name(name: str, position: int, known: Iterable[str]) -> str:
    """How to name an unknown header cell without repeating it: it may be a phone number or
    a name from a file with no header row. Only a near miss of a real column ("langauge") is
    echoed, with the column it probably means."""
    near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    if near and not _DIGITS.search(name) and not any(c.isdigit() for c in name):
        return f'column {position} ("{name}": did you mean {near[0]}?)'
    return f"column {position}"


def _rows(reader: Any, names: list[str]) -> Iterator[CsvRow]:
    # line_num counts physical lines read so far, so a row with a quoted line break in it
    # still reports the line it starts on.
    line = reader.line_num + 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue  # blank lines, and Excel's rows of empty cells
        yield _row(start, cells, names)


def _row(line: int, cells: list[str], names: list[str]) -> CsvRow:
    values = dict.fromkeys((name for name in names if name), "")
    problem = None
    for position, cell in enumerate(cells):
        name = names[position] if position < len(names) else ""
        if name:
            values[name] = cell.strip()
        elif cell.strip():
            problem = f"column {position + 1} has a value but no name in the header"
    return CsvRow(line, values, problem)
