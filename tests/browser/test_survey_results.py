"""Staff see a survey's results in a real browser, on SQLite and on PostgreSQL: a bar chart
that is an image with the numbers in its name, the same numbers in a table, and people's own
words shown as text (never run) and marked quotable or not in words. Printing leaves out the
header and the buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from bot.models import ConsentPurpose, InviteStatus, SurveyInvite, utcnow
from bot.surveys.runs import create_run
from tests.browser.conftest import LiveApp, snap, staff_login
from tests.factories import create_address, create_answer, create_consent, create_participant

pytestmark = pytest.mark.browser

HOW_WAS_IT = ["5", "5", "4", "skipped"]
WORDS = ["<script>alert('hi')</script> More tea", "The bus stop is far"]


def seed_results(live_app: LiveApp) -> int:
    """A post-session survey for four people, answered as if through the worker and inbox."""
    now = utcnow()
    with live_app.sessions() as session:
        people = []
        for n in range(4):
            person = create_participant(session, pseudonym=f"V-BR{n}")
            create_address(session, person, value=f"+4479110004{n:02d}")
            create_consent(session, person.id, purpose=ConsentPurpose.SURVEYS)
            # The first agreed to be quoted; the second did not.
            create_consent(session, person.id, purpose=ConsentPurpose.QUOTING, granted=n == 0)
            people.append(person)
        run = create_run(
            session, live_app.settings, now=now, survey_key="post-session", people=people
        )
        for person, value in zip(people, HOW_WAS_IT, strict=True):
            create_answer(
                session,
                run,
                person,
                question_key="how_was_it",
                raw_text=value,
                parsed_value=value,
                answered_at=now,
            )
        for person, words in zip(people, WORDS, strict=False):
            create_answer(
                session,
                run,
                person,
                question_key="anything_else",
                raw_text=words,
                parsed_value=None,
                answered_at=now,
            )
        session.execute(
            update(SurveyInvite)
            .where(SurveyInvite.participant_id.in_([p.id for p in people[:2]]))
            .values(status=InviteStatus.DONE)
        )
        session.commit()
        return run.id


def log_in(page: Page, live_app: LiveApp) -> None:
    email, password = staff_login(live_app)
    page.goto(f"{live_app.url}/admin/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def test_seeing_a_surveys_results_in_chromium(page: Page, live_app: LiveApp):
    run_id = seed_results(live_app)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_app)

    page.get_by_role("link", name="Surveys", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Surveys")
    page.get_by_role("link", name=f"Run {run_id} results").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("After a session: results")
    chart = page.get_by_role(
        "img",
        name="How was the session today?. Very bad: 0 (0.0%); Bad: 0 (0.0%); OK: 0 (0.0%); "
        "Good: 1 (33.3%); Very good: 2 (66.7%)",
    )
    expect(chart).to_be_visible()
    table = page.get_by_role("table", name="Answers to “How was the session today?”")
    expect(table.get_by_role("row", name="Very good 2 66.7%")).to_be_visible()
    expect(table.get_by_role("row", name="Good 1 33.3%", exact=True)).to_be_visible()
    expect(table.get_by_role("row", name="Skipped 1 not counted")).to_be_visible()

    quotes = page.locator("#q-anything_else").locator("xpath=..").locator(".survey-reply")
    expect(quotes).to_have_count(2)
    expect(quotes.nth(0)).to_contain_text("Quotable")
    expect(quotes.nth(0).locator("blockquote")).to_have_text(WORDS[0])
    expect(quotes.nth(1)).to_contain_text("Not for quoting")
    expect(quotes.nth(1).locator("blockquote")).to_have_text(WORDS[1])
    assert dialogs == []  # the words were shown, not run
    snap(page, "survey-results")

    page.emulate_media(media="print")
    expect(page.locator("header.header")).to_be_hidden()
    expect(page.get_by_role("button", name="Close this run")).to_be_hidden()
    expect(chart).to_be_visible()
    snap(page, "survey-results-print")
