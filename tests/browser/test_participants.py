"""The Participants pages in a real browser, on SQLite and PostgreSQL: reading a conversation,
a masked number and its audited reveal, and sending a one-off message with the live segment
count. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.models import AuditEvent, Channel, Direction, Message, MessageStatus, utcnow
from bot.one_off_to_participant import describe
from bot.sending.sms_text import count_segments, estimate, plain_for_sms
from bot.settings import SendingSettings
from tests.browser.conftest import LiveApp, snap, staff_login
from tests.factories import create_address, create_message, create_participant

pytestmark = pytest.mark.browser

SEGMENTS_JS = Path(__file__).resolve().parents[2] / "webhooks/admin/static/segments.js"
PSEUDONYM = "V-READ1"
NUMBER = "+447911123123"
MASKED = "+44 7••• •••123"


def log_in(page: Page, live_app: LiveApp) -> None:
    email, password = staff_login(live_app)
    page.goto(f"{live_app.url}/admin/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")


def seed(live_app: LiveApp) -> dict[str, int]:
    """V-READ1, on SMS and Telegram, with a short conversation across both."""
    now = utcnow()
    with live_app.sessions() as session:
        person = create_participant(session, pseudonym=PSEUDONYM, display_name="Robin")
        sms = create_address(session, person, channel=Channel.SMS, value=NUMBER)
        telegram = create_address(session, person, channel=Channel.TELEGRAM, value="987654321")
        create_message(
            session, sms, body="Hi, is the art group on?", created_at=now - timedelta(days=2)
        )
        create_message(
            session,
            sms,
            body="Yes, Thursday at 2pm in Room 4.",
            direction=Direction.OUTBOUND,
            status=MessageStatus.DELIVERED,
            created_at=now - timedelta(days=2, minutes=-5),
        )
        create_message(
            session,
            telegram,
            body="<script>alert(1)</script> can I bring my carer?",
            created_at=now - timedelta(hours=1),
        )
        session.commit()
        return {"participant": person.id, "sms": sms.id, "telegram": telegram.id}


def audit_rows(live_app: LiveApp, action: str) -> list[AuditEvent]:
    with live_app.sessions() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def open_participant(page: Page, live_app: LiveApp) -> None:
    page.goto(f"{live_app.url}/admin/participants/{PSEUDONYM}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(PSEUDONYM)


def test_staff_find_a_participant_and_read_their_conversation(page: Page, live_app: LiveApp):
    ids = seed(live_app)
    log_in(page, live_app)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Participants").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Participants")
    page.get_by_label("Pseudonym or name").fill("robin")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_role("table")
    expect(results.get_by_role("row")).to_have_count(2)  # the header and Robin
    snap(page, "participants-search")
    results.get_by_role("link", name=PSEUDONYM).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(PSEUDONYM)
    thread = page.get_by_role("list", name=f"Messages with {PSEUDONYM}")
    expect(thread.locator(".message__body")).to_have_text(
        [
            "Hi, is the art group on?",
            "Yes, Thursday at 2pm in Room 4.",
            "<script>alert(1)</script> can I bring my carer?",
        ]
    )
    expect(thread.get_by_role("listitem").nth(0)).to_contain_text(f"{PSEUDONYM} wrote")
    expect(thread.get_by_role("listitem").nth(0)).to_contain_text("SMS")
    expect(thread.get_by_role("listitem").nth(1)).to_contain_text("We sent")
    expect(thread.get_by_role("listitem").nth(1)).to_contain_text("Delivered")
    expect(thread.get_by_role("listitem").nth(2)).to_contain_text("Telegram")
    expect(thread.get_by_role("listitem").nth(2)).to_contain_text("New")
    snap(page, "participant-conversation")

    assert dialogs == []  # the participant's <script> was shown, never run
    [view] = audit_rows(live_app, "participant.view")
    assert view.target_id == ids["participant"]
    with live_app.sessions() as session:
        unread = session.scalars(
            select(Message.id).where(
                Message.direction == Direction.INBOUND, Message.read_at.is_(None)
            )
        ).all()
    assert unread == []


def test_a_number_is_masked_until_staff_reveal_it_and_the_reveal_is_audited(
    page: Page, live_app: LiveApp
):
    ids = seed(live_app)
    log_in(page, live_app)
    open_participant(page, live_app)
    addresses = page.get_by_role("table").filter(has_text="Number or chat")
    expect(addresses).to_contain_text(MASKED)
    expect(addresses).to_contain_text("••••••321")
    assert "123123" not in page.content() and "987654321" not in page.content()

    # By keyboard: the button is reachable and works with Enter.
    button = page.get_by_role("button", name="Show number for SMS, ending 123")
    button.focus()
    page.keyboard.press("Enter")

    expect(addresses).to_contain_text("+44 7911 123123")
    expect(addresses).to_contain_text("shown this once")
    expect(addresses).to_contain_text("••••••321")  # only the one asked for
    snap(page, "participant-number-revealed")
    [reveal] = audit_rows(live_app, "participant.reveal")
    assert (reveal.target_id, reveal.detail) == (ids["participant"], {"address_id": ids["sms"]})

    page.reload()
    expect(addresses).to_contain_text(MASKED)
    assert "123123" not in page.content()


def test_staff_send_a_one_off_message_seeing_the_segments_as_they_type(
    page: Page, live_app: LiveApp
):
    ids = seed(live_app)
    log_in(page, live_app)
    open_participant(page, live_app)
    # Telegram is free, so it is their best address.
    expect(page.get_by_text("Goes by Telegram to")).to_be_visible()
    box = page.get_by_label(f"Message to {PSEUDONYM}")
    estimate_line = page.locator("#estimate")

    box.fill("See you on Thursday.")
    expect(estimate_line).to_have_text("This message: 1 Telegram message, free.")
    text = "Thanks for coming today. Next week we start at 2pm, in Room 4.\nBring a pen!"
    box.fill(text)
    snap(page, "participant-send-live-count")
    page.get_by_role("button", name="Send message").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"Message queued for {PSEUDONYM} by Telegram: 1 Telegram message, free."
    )
    thread = page.get_by_role("list", name=f"Messages with {PSEUDONYM}")
    expect(thread.get_by_role("listitem").last).to_contain_text("Waiting to send")
    expect(thread.locator(".message__body").last).to_have_text(text)
    snap(page, "participant-sent")
    with live_app.sessions() as session:
        message = session.scalar(select(Message).where(Message.kind == "staff"))
    assert (message.address_id, message.body, message.status) == (
        ids["telegram"],
        text,
        MessageStatus.QUEUED,
    )
    [sent] = audit_rows(live_app, "participant.send")
    assert sent.detail == {"message_id": message.id, "segments": 1}


def test_the_live_sms_count_matches_what_the_server_counts_and_charges(
    page: Page, live_app: LiveApp
):
    with live_app.sessions() as session:
        person = create_participant(session, pseudonym="V-SMS01")
        create_address(session, person, channel=Channel.SMS, value=NUMBER)
        session.commit()
    log_in(page, live_app)
    page.goto(f"{live_app.url}/admin/participants/V-SMS01")
    box = page.get_by_label("Message to V-SMS01")
    estimate_line = page.locator("#estimate")

    box.fill("It’s on — see you there " * 7)  # plain once the quote and dash are swapped
    expect(estimate_line).to_have_text("This message: 2 SMS segments, about 8p.")
    box.fill("Diolch 🙂")
    expect(estimate_line).to_contain_text("1 SMS segment, about 4p. It has a character outside")
    text = "Line one\nLine two " + "x" * 150
    box.fill(text)
    expect(estimate_line).to_have_text("This message: 2 SMS segments, about 8p.")
    snap(page, "participant-sms-live-count")

    # Without the script's help: the server's own check says the same.
    page.get_by_role("button", name="Check length and cost").click()
    expect(estimate_line).to_have_text("This message: 2 SMS segments, about 8p.")
    expect(box).to_have_value(text)


# Characters of every kind the count treats differently.
ALPHABET = (
    list("abcXYZ019 .,!?@£$¥èÇØÅΔ_ΦÆßÉ¡ÄÖÑÜ§¿äöñüà\n\r")
    + list("\f^{}\\[~]|€")  # GSM-7 extension: two septets
    + list("‘’“”–—…\u00a0\u202f")  # typographic: swapped for plain ones
    + ["ŵ", "é", "ç", "ł", "中"]  # outside GSM-7: UCS-2
    + ["😀", "🙂", "👍🏽"]  # outside the BMP: two UTF-16 units each
)


def samples() -> list[str]:
    chosen = random.Random(7)  # fixed: a failure is the same failure next time
    edges = ["", "a" * 160, "a" * 161, "a" * 306, "a" * 307, "ŵ" * 70, "ŵ" * 71, "{" * 80]
    edges += ["{" * 81, "a" * 152 + "€", "😀" * 35, "😀" * 36, "a" * 66 + "😀" + "a", "…" * 60]
    mixed = [
        "".join(chosen.choice(ALPHABET) for _ in range(chosen.randint(1, 400))) for _ in range(300)
    ]
    # Mostly plain with one odd character: where the swap to plain text matters most.
    mostly_plain = [
        "a" * chosen.randint(100, 330) + chosen.choice(ALPHABET) + "b" * chosen.randint(0, 20)
        for _ in range(100)
    ]
    return edges + mixed + mostly_plain


def test_the_scripts_count_agrees_with_bot_sending_sms_text_on_every_kind_of_character(
    page: Page,
):
    page.set_content("<!doctype html><meta charset='utf-8'><title>count</title>")
    page.add_script_tag(path=str(SEGMENTS_JS))
    texts = samples()
    counted = page.evaluate(
        "texts => texts.map(t => [window.ManyVoicesSegments.smsSegments(t),"
        " window.ManyVoicesSegments.describe(t, 'sms', 4, 3)])",
        texts,
    )
    sending = SendingSettings(sms_pence_per_segment=4.0, whatsapp_pence_per_message=3.0)
    for text, (js_count, js_words) in zip(texts, counted, strict=True):
        python = count_segments(plain_for_sms(text))
        assert (js_count["encoding"], js_count["units"], js_count["segments"]) == (
            python.encoding,
            python.units,
            python.segments,
        ), repr(text)
        assert js_words == describe(Channel.SMS, estimate(text, Channel.SMS, sending), text), repr(
            text
        )
