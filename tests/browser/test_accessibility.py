"""The admin pages against WCAG 2.2 AA, checked in Chromium by a real engine: axe-core, pinned in
tests/peers/package.json (`npm ci --prefix tests/peers`), on SQLite and on PostgreSQL.

An admin logs in, so every page is reachable, with a little realistic data behind it: a course
with sessions and bookings, a participant whose conversation holds `<script>` text, a survey run
with answers, open flags and a DNA chart. Each key page is loaded, axe is injected and run, and
any violation fails the test with its rule, impact, help and the elements it found. axe finds
only what a machine can find (perhaps half of WCAG): it does not replace a person using the
pages with a screen reader and a keyboard. The skip link is checked by keyboard here too."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.models import Attendance, CourseMembership, Flag, FlagKind, Rsvp, utcnow
from tests.browser.conftest import LiveApp, snap, staff_login
from tests.browser.test_participants import PSEUDONYM
from tests.browser.test_participants import seed as seed_participant
from tests.browser.test_survey_results import seed_results
from tests.factories import (
    create_course,
    create_course_session,
    create_enrolment,
    create_participant,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "peers/node_modules/axe-core/axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async tags => {
  const found = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return found.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""
# axe marks a repeated id only "needs review" (WCAG 2.2 dropped 4.1.1), yet a label whose `for`
# meets another element first names nothing at all. So: every id once, every label a control.
IDS_AND_LABELS = """() => {
  const counts = new Map();
  for (const el of document.querySelectorAll('[id]')) {
    counts.set(el.id, (counts.get(el.id) || 0) + 1);
  }
  return {
    repeated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    labelling_nothing: [...document.querySelectorAll('label[for]')]
      .filter(label => label.control === null).map(label => label.htmlFor),
  };
}"""


def axe_violations(page: Page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(
            f"{AXE} is missing: install the pinned axe-core with `npm ci --prefix tests/peers`"
            " (.ci/run does this in CI).",
            pytrace=False,
        )
    # Not page.add_script_tag: that adds an inline <script>, which the admin pages' CSP
    # (script-src 'self') rightly blocks. Playwright's evaluate
    # is not subject to the page's CSP, and the page is checked with that CSP still in force.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(RUN_AXE, WCAG_22_AA)
    ids = page.evaluate(IDS_AND_LABELS)
    for id_ in ids["repeated"]:
        violations.append(problem("duplicate-id", f"the id {id_!r} is used more than once", id_))
    for id_ in ids["labelling_nothing"]:
        violations.append(problem("label-control", f"label for={id_!r} labels no control", id_))
    return violations


def problem(rule: str, help_: str, id_: str) -> dict:
    return {
        "id": rule,
        "impact": "serious",
        "help": help_,
        "helpUrl": "https://www.w3.org/WAI/WCAG22/Understanding/name-role-value",
        "nodes": [{"target": f"#{id_}", "summary": None}],
    }


def described(where: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            summary = " / ".join((node["summary"] or "").splitlines())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def seed(live_app: LiveApp) -> dict[str, int]:
    """Everything the key pages show when they are in use, not empty."""
    ids = seed_participant(live_app)  # V-READ1: SMS and Telegram, a `<script>` in the thread
    ids["run"] = seed_results(live_app)  # a post-session survey, answered, with quotes
    now = utcnow()
    with live_app.sessions() as db:
        course = create_course(db, code="ART1", title="Art for wellbeing", location="Room 4")
        people = [create_participant(db, pseudonym=f"V-ART{n}") for n in range(3)]
        for person in people:
            db.add(CourseMembership(course_id=course.id, participant_id=person.id))
        # Held weekly, with some missed: a DNA chart with points and limits.
        for week, missed in enumerate([0, 1, 0, 2, 1, 0]):
            held = create_course_session(db, course, starts_at=now - timedelta(weeks=6 - week))
            for n, person in enumerate(people):
                mark = Attendance.MISSED if n < missed else Attendance.ATTENDED
                create_enrolment(db, held, person, attendance=mark)
        coming = create_course_session(db, course, starts_at=now + timedelta(hours=2))
        for person, answer in zip(people, [Rsvp.COMING, Rsvp.CANT_COME, Rsvp.NONE], strict=True):
            create_enrolment(db, coming, person, rsvp=answer)
        urgent = Flag(kind=FlagKind.SAFEGUARDING, urgent=True, participant_id=ids["participant"])
        db.add(urgent)
        db.add(Flag(kind=FlagKind.CALLBACK, participant_id=people[0].id))
        db.commit()
        ids["flag"] = urgent.id
        ids["course"], ids["session"] = course.id, coming.id
    return ids


def log_in(page: Page, live_app: LiveApp, email: str, password: str) -> None:
    page.goto(f"{live_app.url}/admin/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_key_pages_have_no_wcag_22_aa_violations_axe_can_find(page: Page, live_app: LiveApp):
    ids = seed(live_app)
    email, password = staff_login(live_app, "alex@example.org", admin=True)
    found: list[str] = []

    def check(where: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        violations = axe_violations(page)
        if violations:
            found.append(described(where, violations))
            snap(page, f"axe-{where}")

    page.goto(f"{live_app.url}/admin/login")
    check("login")
    log_in(page, live_app, email, password + "-wrong")
    expect(page.locator(".error-summary")).to_be_visible()
    check("login with an error")
    log_in(page, live_app, email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    pages = {
        "dashboard": "/admin/",
        "participants": "/admin/participants",
        "participants search": "/admin/participants?q=V-&status=active",
        "participant": f"/admin/participants/{PSEUDONYM}",
        "courses": "/admin/courses",
        "course": f"/admin/courses/{ids['course']}",
        "session": f"/admin/sessions/{ids['session']}",
        "cancel a session": f"/admin/sessions/{ids['session']}/cancel",
        "surveys": "/admin/surveys",
        "survey results": f"/admin/surveys/{ids['run']}",
        "ask the group": "/admin/ask",
        "you said, we did": "/admin/you-said",
        "group messages": "/admin/group-messages",
        "measures": "/admin/measures",
        "exports": "/admin/exports",
        "import": "/admin/import",
        "staff": "/admin/staff",
        "audit log": "/admin/audit",
        "settings": "/admin/settings",
        "safeguarding flag": f"/admin/flags/{ids['flag']}",
        "not found": "/admin/participants/V-NOBODY",
    }
    for where, path in pages.items():
        response = page.goto(f"{live_app.url}{path}")
        assert response is not None
        assert response.status == (404 if where == "not found" else 200), where
        check(where)

    # The pages as they answer a form: error summaries, a preview, a one-off reveal.
    page.goto(f"{live_app.url}/admin/participants/{PSEUDONYM}")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("alert")).to_contain_text("The message was not sent")
    check("participant, a message refused")
    page.get_by_role("button", name="Show number for SMS, ending 123").click()
    expect(page.get_by_text("shown this once")).to_be_visible()
    check("participant, a number shown")
    page.goto(f"{live_app.url}/admin/sessions/{ids['session']}")
    page.get_by_role("button", name="Attended – V-ART0").click()
    expect(page.locator(".error-summary")).to_contain_text("has not started yet")
    check("session, marked too soon")
    page.goto(f"{live_app.url}/admin/ask")
    page.get_by_label("Question", exact=True).fill(
        "Wat wud help u come to the evening courses, considering everything?"
    )
    page.get_by_label("Course code").fill("ART1")
    page.get_by_role("button", name="Check the question").click()
    expect(page.get_by_role("heading", name="What each person gets")).to_be_visible()
    check("ask the group, checked")
    page.goto(f"{live_app.url}/admin/group-messages")
    page.get_by_label("Message", exact=True).fill("Art is in Room 2 next week.")
    page.get_by_label("Course code").fill("ART1")
    page.get_by_role("button", name="Check the message").click()
    expect(page.get_by_role("heading", name="Check before you send")).to_be_visible()
    check("group messages, checked")
    page.goto(f"{live_app.url}/admin/settings")
    page.get_by_label("Day-before reminder time").fill("25:00")
    page.get_by_role("button", name="Save reminders settings").click()
    expect(page.locator(".error-summary")).to_contain_text("Day-before reminder time")
    check("settings, a bad value")
    page.goto(f"{live_app.url}/admin/surveys")
    page.get_by_role("button", name="Start the survey").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check("surveys, a run refused")
    page.goto(f"{live_app.url}/admin/flags/{ids['flag']}")
    page.get_by_role("button", name="Close the flag").click()
    expect(page.get_by_role("alert")).to_contain_text("The flag is still open")
    check("safeguarding flag, closing refused")

    assert not found, "axe found WCAG 2.2 AA violations:\n" + "\n".join(found)


def test_the_check_finds_what_it_should(page: Page):
    """Not an empty pass: axe is loaded and runs, and the id and label check works. The
    heading below once took the id of a field on the Surveys page, leaving the field unnamed."""
    page.set_content(
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>check</title><main>"
        "<h1>A page</h1><img src='data:,'><h2 id='start'>Send a survey</h2>"
        "<label for='start'>Start time</label><input type='time' id='start'></main>"
    )
    found = {v["id"]: v for v in axe_violations(page)}
    assert {"image-alt", "duplicate-id", "label-control"} <= found.keys(), found
    assert found["label-control"]["nodes"] == [{"target": "#start", "summary": None}]


def test_the_skip_link_comes_first_and_moves_the_focus_to_the_main_content(
    page: Page, live_app: LiveApp
):
    email, password = staff_login(live_app)
    log_in(page, live_app, email, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    page.goto(f"{live_app.url}/admin/")  # a fresh load: nothing has the focus

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden until focused, then seen
    snap(page, "skip-link-focused")

    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_app.url}/admin/#main")
    expect(page.get_by_role("main")).to_be_focused()
    expect(skip).not_to_be_in_viewport()  # off screen again once it has done its work
