"""The Participants pages: find a person, read their whole conversation, and act on it.

Thin views over bot/participant_pages.py and bot/one_off_to_participant.py. Reading a
conversation, revealing a number, pausing, resuming and sending are each audited; the audit
holds ids, never a number or a message body. Pages about a person are never cached."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bot.audit import record
from bot.models import Channel, ParticipantStatus, utcnow
from bot.one_off import MOST_CHARACTERS, OneOffError
from bot.one_off_to_participant import best_address, describe, preview, queue_to_participant
from bot.participant_pages import (
    CHANNEL_NAMES,
    MESSAGE_STATUS_NAMES,
    PURPOSE_NAMES,
    STATUS_NAMES,
    TROUBLE,
    Filters,
    address_value,
    find_address,
    find_participant,
    load_record,
    mark_read,
    mask,
    search,
    staff_set_status,
)
from webhooks.admin import blueprint, in_nav
from webhooks.context import settings, unit_of_work

in_nav(10, "admin.participants", "Participants")

# The flask session holds the address id (never the number) for the one view after a reveal.
REVEAL = "participants.reveal"

NAMES = {
    "channel_names": CHANNEL_NAMES,
    "status_names": STATUS_NAMES,
    "purpose_names": PURPOSE_NAMES,
    "message_status_names": MESSAGE_STATUS_NAMES,
    "trouble": TROUBLE,
}


@blueprint.get("/participants")
def participants():
    filters = Filters.from_query(request.args)
    page = request.args.get("page", 1, type=int)
    with unit_of_work() as db:
        found = search(db, filters, page)
    return render_template(
        "admin/participants.html",
        found=found,
        filters=filters,
        statuses=list(ParticipantStatus),
        channels=list(Channel),
        **NAMES,
    )


@blueprint.get("/participants/<pseudonym>")
def participant(pseudonym: str):
    revealed = session.pop(REVEAL, None)
    with unit_of_work() as db:
        page = _detail(db, pseudonym, before=request.args.get("before", type=int))
        person_id = page["record"].participant.id
        if revealed and revealed.get("participant_id") == person_id:
            value = address_value(db, person_id, revealed.get("address_id"))
            if value is not None:
                page["revealed"] = {"id": revealed["address_id"], "value": value}
    return _private(render_template("admin/participant.html", **page))


@blueprint.post("/participants/<pseudonym>/reveal")
def participant_reveal(pseudonym: str):
    with unit_of_work() as db:
        person = _participant_or_404(db, pseudonym)
        address = find_address(db, person.id, request.form.get("address_id", type=int))
        if address is None:
            abort(404, "this person has no such address")
        record(
            db,
            "participant.reveal",
            staff_user_id=g.staff.id,
            target=person,
            detail={"address_id": address.id},
        )
        session[REVEAL] = {"participant_id": person.id, "address_id": address.id}
    return redirect(_detail_url(pseudonym, "addresses"), 303)


@blueprint.post("/participants/<pseudonym>/pause")
def participant_pause(pseudonym: str):
    return _set_status(pseudonym, ParticipantStatus.PAUSED)


@blueprint.post("/participants/<pseudonym>/resume")
def participant_resume(pseudonym: str):
    return _set_status(pseudonym, ParticipantStatus.ACTIVE)


@blueprint.post("/participants/<pseudonym>/send")
def participant_send(pseudonym: str):
    """Queue the message, or with action=check only show its cost. A refusal, or a check,
    shows the page again with the text as written."""
    # A browser sends a textarea's line breaks as CRLF; staff typed LF, and CR costs a septet.
    text = request.form.get("text", "").replace("\r\n", "\n")
    checking = request.form.get("action") == "check"
    again, status = None, 200
    with unit_of_work() as db:
        person = _participant_or_404(db, pseudonym)
        try:
            if checking:
                channel, cost = preview(db, settings(), person, text)
            else:
                message, cost = queue_to_participant(db, settings(), person, text)
                channel = message.channel
        except OneOffError as exc:
            again, status = _detail(db, pseudonym, draft=text, error=str(exc)), 400
        else:
            if checking:
                again = _detail(db, pseudonym, draft=text, check=describe(channel, cost, text))
            else:
                record(
                    db,
                    "participant.send",
                    staff_user_id=g.staff.id,
                    target=person,
                    detail={"message_id": message.id, "segments": cost.segments},
                )
    if again is not None:
        return _private(render_template("admin/participant.html", **again), status)
    flash(
        f"Message queued for {pseudonym} by {CHANNEL_NAMES[channel]}: "
        f"{describe(channel, cost, text)}. It goes at the next opening of their send window."
    )
    return redirect(_detail_url(pseudonym, "conversation"), 303)


def _detail(
    db: Session,
    pseudonym: str,
    *,
    before: int | None = None,
    draft: str = "",
    error: str | None = None,
    check: str | None = None,
) -> dict:
    """Everything the participant page shows. Showing the conversation is audited, and marks
    the replies on show as read."""
    person = _participant_or_404(db, pseudonym)
    found = load_record(db, person, before=before)
    # A link from another site must not clear someone's unread replies (a safeguarding one,
    # say) from the dashboard: only a page opened from here, or typed in, marks them read.
    if request.headers.get("Sec-Fetch-Site", "none") in ("same-origin", "none"):
        mark_read(db, found.thread.messages, utcnow())
    record(
        db,
        "participant.view",
        staff_user_id=g.staff.id,
        target=person,
        detail=None if found.thread.newest else {"before": before},
    )
    goes_to = best_address(db, person.id)
    sending = settings().sending
    return {
        "record": found,
        "goes_to": (goes_to.channel, mask(goes_to.value, goes_to.channel)) if goes_to else None,
        "draft": draft,
        "error": error,
        "check": check,
        "revealed": None,
        "most_characters": MOST_CHARACTERS,
        "pence": {
            "sms": sending.sms_pence_per_segment,
            "whatsapp": sending.whatsapp_pence_per_message,
        },
        **NAMES,
    }


def _set_status(pseudonym: str, to: ParticipantStatus) -> Response:
    with unit_of_work() as db:
        person = _participant_or_404(db, pseudonym)
        was = person.status
        if staff_set_status(person, to):
            record(
                db,
                "participant.pause" if to is ParticipantStatus.PAUSED else "participant.resume",
                staff_user_id=g.staff.id,
                target=person,
                detail={"from": was.value, "to": to.value},
            )
            done = (
                f"{pseudonym} is paused: reminders, surveys and group messages are held."
                if to is ParticipantStatus.PAUSED
                else f"{pseudonym} is active again: held messages can go."
            )
        else:
            done = (
                f"Nothing changed: {pseudonym} is {STATUS_NAMES[was].lower()}. "
                "Only they can start again, by sending START."
                if was in (ParticipantStatus.STOPPED, ParticipantStatus.ERASED)
                else f"Nothing changed: {pseudonym} is already {STATUS_NAMES[was].lower()}."
            )
    flash(done)
    return redirect(_detail_url(pseudonym, "status"), 303)


def _participant_or_404(db: Session, pseudonym: str):
    person = find_participant(db, pseudonym)
    if person is None:
        abort(404, "no participant has this pseudonym")
    return person


def _detail_url(pseudonym: str, anchor: str) -> str:
    return url_for("admin.participant", pseudonym=pseudonym, _anchor=anchor)


def _private(html: str, status: int = 200) -> Response:
    # A page about one person, maybe with a number on it: never kept by a browser or proxy.
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response
