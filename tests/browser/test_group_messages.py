"""Sending a group message in a real browser, on SQLite and PostgreSQL: the live segment count
as staff type, the check that shows who it reaches and what it costs, the send, and the list
with each message's progress. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.models import AuditEvent, Channel, ConsentPurpose, Message
from tests.browser.conftest import LiveApp, snap, staff_login
from tests.factories import (
    create_address,
    create_consent,
    create_course,
    create_membership,
    create_participant,
)

pytestmark = pytest.mark.browser

NEWS = "Art is in Room 2 next week. The room is on the ground floor."


def seed(live_app: LiveApp) -> None:
    """ART1 with three members: two who agreed to session messages, one who did not."""
    with live_app.sessions() as db:
        art = create_course(db, code="ART1", title="Art for wellbeing")
        for n, agreed in enumerate([True, True, False]):
            person = create_participant(db, pseudonym=f"V-ART{n}")
            create_address(db, person, channel=Channel.SMS, value=f"+44791100010{n}")
            create_membership(db, art, person)
            create_consent(db, person.id, purpose=ConsentPurpose.REMINDERS, granted=agreed)
        db.commit()


def test_staff_check_a_group_message_see_its_reach_and_cost_then_send_it_once(
    page: Page, live_app: LiveApp
):
    seed(live_app)
    email, password = staff_login(live_app)
    page.goto(f"{live_app.url}/admin/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Group messages").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Group messages")

    box = page.get_by_label("Message", exact=True)
    box.fill(NEWS)
    # The live count, before any round trip: 60 plain characters are one segment.
    expect(page.locator("#estimate")).to_have_text("This message: 1 SMS segment, about 4p.")
    page.get_by_label("Course code").fill("art1")
    page.get_by_role("button", name="Check the message").click()

    check = page.get_by_role("region", name="Check before you send")
    expect(check).to_contain_text("The group is everyone on ART1: 3 people.")
    expect(check).to_contain_text("2 will get it: 2 by text message.")
    expect(check).to_contain_text("1 did not agree to hear about their sessions")
    expect(check).to_contain_text("The whole group costs about 8p.")
    snap(page, "group-message-checked")

    # The form as the browser would send it again on a double press or a resubmit.
    again = page.locator("form", has=page.get_by_role("button", name="Send to 2 people")).evaluate(
        "form => Object.fromEntries(new FormData(form))"
    )
    page.get_by_role("button", name="Send to 2 people").click()
    expect(page.get_by_role("status")).to_contain_text("is queued for 2 people")
    expect(page.get_by_role("heading", level=1)).to_have_text("Group message 1")
    snap(page, "group-message-sent")

    # The same checked form sent again: its token makes it the same message.
    answer = page.request.post(
        f"{live_app.url}/admin/group-messages", form=again | {"step": "send"}
    )
    assert answer.ok
    assert "was already sent. Nothing more was sent." in answer.text()

    page.goto(f"{live_app.url}/admin/group-messages")
    sent = page.get_by_role("table", name="The newest group messages")
    expect(sent).to_contain_text("everyone on ART1")
    with live_app.sessions() as db:
        bodies = list(db.scalars(select(Message.body).where(Message.kind == "broadcast")))
        audited = list(
            db.scalars(select(AuditEvent.action).where(AuditEvent.action == "broadcast.send"))
        )
    assert bodies == [NEWS, NEWS]
    assert audited == ["broadcast.send"]
