"""`voices demo` end to end in Chromium: the story someone evaluating Many Voices walks.

The demo runs as its own process on a free port, as a person would start it, with its web
pages and worker together. Each step goes the real road: the phone page posts into the inbox,
the worker's dispatcher sends through the simulator adapter, and the admin page reads the same
database. Screenshots of each step go to test-artifacts/screenshots/demo-*.png."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.demo_seed import COURSE_CODE, DEMO_EMAIL, DEMO_PASSWORD
from bot.models import Course, CourseSession, utcnow
from tests.browser.conftest import snap
from tests.peers.stand_ins import free_port, wait_for_port

pytestmark = pytest.mark.browser

# The worker sends every 2 s and the phone page refreshes every 2 s.
ARRIVES_MS = 20_000


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = free_port()
    database = tmp_path / "demo.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICES_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "voices", "demo", "--port", str(port), "--db", str(database)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process, seconds=60)
        yield f"http://127.0.0.1:{port}", database
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        # What the demo printed is part of what it promises: where to go, and how to log in.
        assert f"http://127.0.0.1:{port}/simulator/" in output
        assert DEMO_EMAIL in output and DEMO_PASSWORD in output
        assert "Traceback" not in output, output[-3000:]


def open_phone(page: Page, url: str, name: str) -> None:
    page.goto(f"{url}/simulator/")
    page.get_by_role("navigation", name="Phones").get_by_role(
        "link", name=re.compile(f"^{name} ")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}'s phone")


def chat(page: Page):
    return page.locator("#chat")


def type_as(page: Page, text: str) -> None:
    page.get_by_role("textbox", name=re.compile("^Type as")).fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def tomorrows_session(database: Path) -> int:
    engine = make_engine(f"sqlite:///{database}")
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(
                select(CourseSession.id)
                .join(Course, Course.id == CourseSession.course_id)
                .where(
                    Course.code == COURSE_CODE,
                    CourseSession.starts_at > utcnow(),
                    CourseSession.starts_at < utcnow() + timedelta(days=2),
                )
            )
    finally:
        engine.dispose()


def test_the_demo_shows_a_reminder_an_rsvp_a_survey_and_a_safeguarding_flag(
    page: Page, demo: tuple[str, Path]
):
    url, database = demo
    page.set_default_timeout(ARRIVES_MS)

    # 1. A reminder arrives on a simulated phone.
    open_phone(page, url, "Sam")
    page.get_by_role("button", name="Send the next reminders now").click()
    expect(page.get_by_role("status")).to_contain_text("Brought forward")
    expect(chat(page)).to_contain_text("Wellbeing and recovery is tomorrow", timeout=ARRIVES_MS)
    expect(chat(page)).to_contain_text("Reply 2 if you can't come", timeout=ARRIVES_MS)
    snap(page, "demo-1-reminder-arrives")

    # 2. The participant replies "2", and is asked, kindly and once, why.
    type_as(page, "2")
    expect(chat(page)).to_contain_text("Can you tell us why?", timeout=ARRIVES_MS)
    snap(page, "demo-2-replied-cant-come")

    # 3. The RSVP shows "can't come" in the admin page.
    page.goto(f"{url}/admin/login")
    page.get_by_label("Email address").fill(DEMO_EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    tomorrow = page.get_by_role("table", name=re.compile("Sessions tomorrow"))
    expect(tomorrow.get_by_role("row", name=re.compile("Wellbeing and recovery"))).to_contain_text(
        "1"
    )
    page.goto(f"{url}/admin/sessions/{tomorrows_session(database)}")
    expect(page.get_by_role("row", name=re.compile("Sam"))).to_contain_text("Can't come")
    snap(page, "demo-3-admin-shows-cant-come")

    # 4. A survey is answered with buttons and with text, on Telegram.
    open_phone(page, url, "Priya")
    # The reminder's question comes first: Priya answers it with a button.
    expect(chat(page)).to_contain_text("Are you coming?", timeout=ARRIVES_MS)
    chat(page).get_by_role("button", name="I am coming").last.click()
    expect(chat(page)).to_contain_text("See you there.", timeout=ARRIVES_MS)
    page.get_by_role("button", name="Start planned surveys now").click()
    expect(chat(page)).to_contain_text("What matters most to you right now?", timeout=ARRIVES_MS)
    chat(page).get_by_role("button", name="My health").last.click()
    expect(chat(page)).to_contain_text("Do our staff listen to you?", timeout=ARRIVES_MS)
    chat(page).get_by_role("button", name=re.compile("Often")).last.click()
    expect(chat(page)).to_contain_text("help us plan", timeout=ARRIVES_MS)
    chat(page).get_by_role("button", name="Yes").last.click()
    expect(chat(page)).to_contain_text("one thing we could do better", timeout=ARRIVES_MS)
    type_as(page, "More sessions in the evening, please")
    expect(chat(page)).to_contain_text(
        "Thank you for telling us what matters to you.", timeout=ARRIVES_MS
    )
    snap(page, "demo-4-survey-answered")

    # 5. A risk phrase gets the signposting reply at once, and a flag on the dashboard.
    open_phone(page, url, "Chris")
    type_as(page, "i just want to end it all")
    expect(chat(page)).to_contain_text("116 123", timeout=ARRIVES_MS)
    snap(page, "demo-5-signposting")
    page.goto(f"{url}/admin/")
    flags = page.get_by_role("table", name=re.compile("Open safeguarding flags"))
    expect(flags).to_contain_text("Safeguarding")
    snap(page, "demo-5-dashboard-flag")
