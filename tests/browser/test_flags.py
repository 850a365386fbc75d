"""A safeguarding flag in a real browser, on SQLite and PostgreSQL: it heads the dashboard, opens
to show what they wrote (as text), and closes only with a note of what staff did."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.events import InboundMessage
from bot.inbox import receive
from bot.models import Channel, Flag, FlagStatus
from tests.browser.conftest import LiveApp, snap
from tests.browser.test_participants import log_in

pytestmark = pytest.mark.browser

WORDS = "<i>i just want to end it all</i>"


def test_staff_open_the_urgent_flag_from_the_dashboard_and_close_it_with_a_note(
    page: Page, live_app: LiveApp
):
    with live_app.sessions() as session:
        receive(session, InboundMessage(Channel.SMS, "+447911000505", "SM" + "c3" * 16, WORDS))
        session.commit()
    log_in(page, live_app)

    urgent = page.locator("#safeguarding").locator("..").get_by_role("link", name="Urgent")
    urgent.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Safeguarding")
    expect(page.get_by_text(WORDS, exact=True)).to_be_visible()  # shown as text, not markup
    expect(page.get_by_text("Samaritans on 116 123")).to_be_visible()
    snap(page, "flag-open")

    page.get_by_role("button", name="Close the flag").click()
    expect(page.get_by_role("alert")).to_contain_text("Write what you did")
    page.get_by_label("What did you do?").fill("Phoned them. Safe at home with their sister.")
    page.get_by_role("button", name="Close the flag").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.get_by_text("No open safeguarding flags.")).to_be_visible()
    with live_app.sessions() as session:
        (flag,) = session.scalars(select(Flag)).all()
        assert flag.status is FlagStatus.RESOLVED
        assert flag.action_taken == "Phoned them. Safe at home with their sister."
