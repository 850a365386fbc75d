"""The phone simulator page, `/simulator`, registered only by `voices demo`.

One phone per demo participant, each showing that person's conversation as a chat. Typing on
a phone goes into the inbox like a provider's webhook, and replies come back the real road:
engine, outbox, the worker's dispatcher, then the simulator adapter. A control brings the
next reminders and any planned survey forward to now, so nobody waits a day.

It needs no staff login, on purpose: it stands for the participants' own phones. That is why
`create_app` adds it only in demo mode, which serves a throwaway database on 127.0.0.1."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from bot import demo_clock, simulator_phones
from bot.models import Channel, utcnow
from webhooks.context import settings, unit_of_work

blueprint = Blueprint(
    "simulator",
    __name__,
    url_prefix="/simulator",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

CHANNEL_NAMES = {
    Channel.SMS: "SMS",
    Channel.WHATSAPP: "WhatsApp",
    Channel.TELEGRAM: "Telegram",
    Channel.SIMULATOR: "Demo phone",
}
MOST_CHARACTERS = 1600


@blueprint.get("/")
def phones():
    with unit_of_work() as db:
        found = simulator_phones.phones(db)
    if found:
        return redirect(url_for("simulator.phone", pseudonym=found[0].pseudonym))
    return render_template("simulator/phone.html", phones=[], phone=None, bubbles=[], **_names())


@blueprint.get("/<pseudonym>")
def phone(pseudonym: str):
    with unit_of_work() as db:
        found = simulator_phones.phones(db)
        shown = next((p for p in found if p.pseudonym == pseudonym), None)
        if shown is None:
            abort(404)
        bubbles = simulator_phones.conversation(db, shown)
    return render_template(
        "simulator/phone.html",
        phones=found,
        phone=shown,
        bubbles=bubbles,
        token=uuid.uuid4().hex,
        **_names(),
    )


@blueprint.get("/<pseudonym>/chat")
def chat(pseudonym: str):
    """Just the chat, for the page's script to refresh every few seconds."""
    with unit_of_work() as db:
        shown = simulator_phones.find_phone(db, pseudonym)
        if shown is None:
            abort(404)
        bubbles = simulator_phones.conversation(db, shown)
    return render_template("simulator/chat.html", phone=shown, bubbles=bubbles)


@blueprint.post("/<pseudonym>/send")
def send(pseudonym: str):
    text = request.form.get("text", "").replace("\r\n", "\n")
    button = request.form.get("button")
    token = request.form.get("token", "")
    if button is not None:
        # A button press is its own event, like Telegram's callback query: new each press.
        text, token = button, uuid.uuid4().hex
    if not text.strip() or len(text) > MOST_CHARACTERS or not token or len(token) > 40:
        flash(f"Type a message of 1 to {MOST_CHARACTERS} characters, then press Send.")
        return redirect(url_for("simulator.phone", pseudonym=pseudonym), 303)
    with unit_of_work() as db:
        shown = simulator_phones.find_phone(db, pseudonym)
        if shown is None:
            abort(404)
        simulator_phones.type_on(db, settings(), shown, text, token, button=button is not None)
    return redirect(url_for("simulator.phone", pseudonym=pseudonym, _anchor="newest"), 303)


@blueprint.post("/now")
def fire_now():
    """The demo's control: the next reminders, and planned surveys, are due now."""
    back = request.form.get("back", "")
    with unit_of_work() as db:
        done = demo_clock.fire_now(
            db,
            settings(),
            utcnow(),
            reminders=request.form.get("what") != "surveys",
            surveys=request.form.get("what") != "reminders",
        )
    flash(
        f"Brought forward {done.reminders} reminders and {done.surveys} surveys. "
        f"{done.queued} messages are on their way: they arrive in a few seconds."
    )
    target = url_for("simulator.phone", pseudonym=back) if back else url_for("simulator.phones")
    return redirect(target, 303)


def _names() -> dict:
    return {"channel_names": CHANNEL_NAMES, "most_characters": MOST_CHARACTERS}
