"""Exports from the admin page: CSV streamed as it is read, pseudonyms only, audited once."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from bot.models import AuditEvent, Direction
from tests.factories import (
    create_address,
    create_answer,
    create_message,
    create_participant,
    create_survey_run,
)
from webhooks.admin import downloads

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PHONE = "+447911123456"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def audited(db, action: str) -> list[AuditEvent]:
    db.commit()  # a new read transaction, to see what the app wrote
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_messages_export_is_streamed_csv_with_pseudonyms_only(logged_in, db, staff):
    person = create_participant(db, pseudonym="V-ANN1", display_name="Ann Example")
    address = create_address(db, person, value=PHONE)
    create_message(db, address, body='Ça va, "merci"\nsee you 👍')
    create_message(db, address, body="Reminder", direction=Direction.OUTBOUND)
    db.commit()

    answer = logged_in.get("/admin/exports/messages.csv")
    assert answer.status_code == 200
    assert answer.is_streamed
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="messages-2026-11-23.csv"'
    text = answer.get_data().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["time", "direction", "channel", "participant", "status", "body"]
    assert [row[3] for row in rows[1:]] == ["V-ANN1", "V-ANN1"]
    # The body is exactly as written, quotes, accents, emoji and line break and all.
    assert rows[1][5] == 'Ça va, "merci"\nsee you 👍'
    assert rows[2][1:3] == ["out", "sms"]
    assert PHONE not in text and "Ann Example" not in text
    events = audited(db, "export.messages")
    assert len(events) == 1 and events[0].staff_user_id == staff.id


def test_the_responses_export_is_streamed_and_audited_once_per_download(logged_in, db, staff):
    run = create_survey_run(db, key="after-session")
    person = create_participant(db, pseudonym="V-BOB2")
    create_address(db, person, value=PHONE)
    create_answer(db, run, person, raw_text="Really good, thanks", parsed_value=None)
    db.commit()

    for _ in range(2):
        answer = logged_in.get("/admin/exports/responses.csv")
        assert answer.is_streamed
        rows = list(csv.reader(io.StringIO(answer.get_data().decode("utf-8"), newline="")))
        assert rows[0][:4] == ["participant", "survey", "question", "raw_text"]
        assert rows[1][:5] == ["V-BOB2", "after-session", "q1", "Really good, thanks", ""]
    assert len(audited(db, "export.responses")) == 2
    assert audited(db, "export.messages") == []


def test_a_long_export_goes_out_in_pieces_as_it_is_read(logged_in, db, monkeypatch):
    monkeypatch.setattr(downloads, "ROWS_PER_CHUNK", 2)
    address = create_address(db, create_participant(db, pseudonym="V-ANN1"))
    for n in range(5):
        create_message(db, address, body=f"message {n}")
    db.commit()
    answer = logged_in.get("/admin/exports/messages.csv")
    chunks = [chunk for chunk in answer.response if chunk]
    # The header and rows 1-2, rows 3-4, then the last row.
    assert len(chunks) == 3
    assert b"".join(chunks).decode("utf-8").count("message ") == 5
    answer.close()


def test_the_exports_page_links_to_both_downloads(logged_in):
    html = logged_in.get("/admin/exports").get_data(as_text=True)
    assert 'href="/admin/exports/messages.csv"' in html
    assert 'href="/admin/exports/responses.csv"' in html


def test_exports_need_a_login_and_are_not_audited_without_one(admin_app, db):
    answer = admin_app.test_client().get("/admin/exports/messages.csv")
    assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]
    db.commit()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 0
