"""The dashboard: what needs staff attention, most urgent first, everything escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.flags import raise_flag
from bot.models import FlagKind, Rsvp
from tests.factories import (
    create_course,
    create_course_session,
    create_enrolment,
    create_message,
    create_participant,
)

# Monday 23 November 2026, 9am in London.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    # Before the login: a signed session cookie from the future is refused, rightly.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def page(client) -> str:
    answer = client.get("/admin/")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_what_a_participant_typed_is_shown_as_text_never_run(logged_in, db):
    create_message(db, body="<script>alert(1)</script>")
    db.commit()
    html = page(logged_in)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_safeguarding_comes_first_and_says_urgent_in_words(logged_in, db):
    person = create_participant(db, pseudonym="V-RISK1")
    raise_flag(db, FlagKind.STOP_REQUEST, participant_id=person.id)
    raise_flag(db, FlagKind.SAFEGUARDING, participant_id=person.id, urgent=True)
    db.commit()
    html = page(logged_in)
    assert html.index('id="safeguarding"') < html.index('id="sessions"') < html.index('id="stops"')
    safeguarding = html[html.index('id="safeguarding"') : html.index('id="sessions"')]
    assert "V-RISK1" in safeguarding and "Urgent" in safeguarding


def test_todays_and_tomorrows_sessions_show_their_rsvp_counts(logged_in, db):
    art = create_course(db, title="Art for wellbeing")
    today = create_course_session(db, art, starts_at=NOW + timedelta(hours=5))
    create_course_session(db, art, starts_at=NOW + timedelta(days=3))
    for rsvp in (Rsvp.COMING, Rsvp.COMING, Rsvp.CANT_COME, Rsvp.NONE):
        create_enrolment(db, today, rsvp=rsvp)
    db.commit()
    html = page(logged_in)
    row = html[html.index("Art for wellbeing") - 200 : html.index("Art for wellbeing") + 400]
    assert "2pm" in row
    cells = [c.split("<")[0] for c in row.split('<td class="numeric">')[1:]]
    assert cells == ["2", "1", "0", "1"]
    # Only one row: the session in three days is not today's or tomorrow's.
    assert html.count("Art for wellbeing") == 1
