"""Twilio's webhooks: inbound SMS and WhatsApp, and delivery status callbacks.

Each view is thin: check the signature, parse, hand off to `bot/`, commit once, answer at once.
No call to Twilio is made inside a request."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator

from bot import delivery_status
from bot.channels.twilio_parse import parse_inbound, parse_status
from bot.events import PayloadError
from bot.inbox import receive
from bot.models import Channel
from webhooks.context import settings, unit_of_work

log = logging.getLogger(__name__)
blueprint = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@blueprint.before_request
def require_twilio_signature() -> None:
    token = settings().twilio.auth_token
    if not token:
        log.warning("Twilio webhook refused: TWILIO_AUTH_TOKEN is not set")
        abort(403, "Twilio is not configured here")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(signed_url(), request.form, signature):
        log.warning("Twilio webhook refused: bad or missing signature on %s", request.path)
        abort(403, "invalid signature")


def signed_url() -> str:
    """The address Twilio signed: our public URL (behind any proxy) plus this path and query."""
    query = request.query_string.decode("latin-1")
    return settings().app.public_url + request.path + (f"?{query}" if query else "")


def twiml() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


@blueprint.post("/messages")
def inbound_message() -> Response:
    try:
        msg = parse_inbound(request.form, settings().app.phone_region)
    except PayloadError as exc:
        abort(400, str(exc))
    with unit_of_work() as session:
        receive(session, msg, settings())
    return twiml()


@blueprint.post("/status")
def status_callback() -> Response:
    try:
        update = parse_status(request.form)
    except PayloadError as exc:
        abort(400, str(exc))
    with unit_of_work() as session:
        _apply(session, update)
    return twiml()


def _apply(session, update) -> None:
    channel = (
        Channel.WHATSAPP if request.form.get("To", "").startswith("whatsapp:") else Channel.SMS
    )
    if not delivery_status.record_event(
        session, channel, update.provider_id, update.status, update.error_code
    ):
        return  # a replayed callback: already applied
    delivery_status.apply_twilio_status(
        session, channel, update.provider_id, update.status, update.error_code
    )
