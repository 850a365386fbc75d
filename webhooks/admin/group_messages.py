"""Group messages: write one message, see who it reaches and what it costs, then send it.

The work is bot.broadcasts. Like "ask the group", sending needs a check of these very words
first, so staff always see the easy-read warnings, the group's reach and the cost of what
actually goes out. Every send goes in the audit log with the member of staff."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot import broadcasts, easy_read
from bot.audit import record
from bot.broadcasts import BroadcastError
from bot.models import Broadcast, Channel, StaffUser, utcnow
from bot.one_off import MOST_CHARACTERS
from webhooks.admin import blueprint, in_nav
from webhooks.context import settings, unit_of_work

in_nav(35, "admin.group_messages", "Group messages")

CHANNEL_NAMES = {
    Channel.SMS: "text message",
    Channel.WHATSAPP: "WhatsApp",
    Channel.TELEGRAM: "Telegram",
    Channel.SIMULATOR: "the demo phone",
}


def _zone() -> ZoneInfo:
    return ZoneInfo(settings().app.timezone)


@blueprint.get("/group-messages")
def group_messages():
    return _page({})


@blueprint.post("/group-messages")
def group_message_send():
    form = request.form
    try:
        text = broadcasts.clean_text(form.get("text", ""))
        days = broadcasts.parse_days(form.get("days", ""))
    except BroadcastError as exc:
        return _page(form, errors=[str(exc)], status=400)
    # Sending needs a check of these very words, to this group: anything changed since the
    # check is checked again instead of sent.
    sending = form.get("step") == "send" and form.get("checked") == _fingerprint(form)
    if not sending:
        try:
            with unit_of_work() as db:
                group = _group(db, form)
                found = broadcasts.reach(db, group)
        except BroadcastError as exc:
            return _page(form, errors=[str(exc)], status=400)
        return _page(form, check=_check(text, found), group_name=group.name)
    try:
        with unit_of_work() as db:
            group = _group(db, form)
            sent, new = broadcasts.send(
                db,
                group,
                text,
                token=form.get("token", ""),
                days=days,
                now=utcnow(),
                staff_id=g.staff.id,
            )
            if new:
                record(
                    db,
                    "broadcast.send",
                    staff_user_id=g.staff.id,
                    target=sent,
                    detail={
                        "group": sent.group_kind,
                        "in_group": sent.in_group,
                        "queued": sent.queued,
                    },
                )
            broadcast_id, queued = sent.id, sent.queued
    except BroadcastError as exc:
        return _page(form, errors=[str(exc)], status=400)
    if new:
        flash(
            f"Group message {broadcast_id} is queued for {queued} "
            f"{'person' if queued == 1 else 'people'}. "
            "Each copy goes in that person's own hours."
        )
    else:
        flash(f"Group message {broadcast_id} was already sent. Nothing more was sent.")
    return redirect(url_for("admin.group_message", broadcast_id=broadcast_id), 303)


@blueprint.get("/group-messages/<int:broadcast_id>")
def group_message(broadcast_id: int):
    with unit_of_work() as db:
        found = db.get(Broadcast, broadcast_id)
        if found is None:
            abort(404)
        counts = broadcasts.progress(db, [found.id])[found.id]
        sender = db.get(StaffUser, found.staff_user_id) if found.staff_user_id else None
        return render_template(
            "admin/group_message.html",
            broadcast=found,
            counts=counts,
            sender=sender.email if sender else "(account removed)",
        )


def _group(db, form: Mapping[str, str]) -> broadcasts.Group:
    return broadcasts.choose_group(
        db,
        _zone(),
        kind=form.get("group", ""),
        course_code=form.get("course", ""),
        day=form.get("date", ""),
        start=form.get("start", ""),
        people=form.get("people", ""),
    )


def _fingerprint(form: Mapping[str, str]) -> str:
    """What was checked: the words, the group and the days, as the form had them."""
    fields = ("text", "group", "course", "date", "start", "people", "days")
    return "\x1f".join(form.get(name, "").replace("\r\n", "\n") for name in fields)


def _check(text: str, found: broadcasts.Reach) -> dict:
    return {
        "warnings": easy_read.check_text(text, "en"),
        "reach": found,
        "cost": broadcasts.cost(text, found, settings().sending),
        "channels": [(CHANNEL_NAMES[channel], n) for channel, n in found.by_channel.items()],
    }


def _page(form: Mapping[str, str], *, errors=(), check=None, group_name="", status=200):
    with unit_of_work() as db:
        sent = broadcasts.newest(db)
        counts = broadcasts.progress(db, [b.id for b in sent])
        page = render_template(
            "admin/group_messages.html",
            form=form,
            errors=list(errors),
            check=check,
            group_name=group_name,
            checked=_fingerprint(form) if check else "",
            # A new token for each check: a second press of Send on this page sends nothing
            # more, but a new check and send is a new message.
            token=uuid.uuid4().hex,
            sent=sent,
            counts=counts,
            headings=list(broadcasts.PROGRESS),
            most_characters=MOST_CHARACTERS,
            default_days=broadcasts.DEFAULT_DAYS,
            most_days=broadcasts.MOST_DAYS,
            pence={
                "sms": settings().sending.sms_pence_per_segment,
                "whatsapp": settings().sending.whatsapp_pence_per_message,
            },
        )
    return page, status
