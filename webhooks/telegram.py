"""Telegram's webhook. The secret token header proves the call came from Telegram.

A button press is acknowledged in the webhook's own answer (Telegram allows one Bot API method
there), so no call to Telegram is made inside the request."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, abort, jsonify, request

from bot.channels.telegram_inbound import apply_event
from bot.channels.telegram_parse import parse_update
from bot.events import PayloadError
from webhooks.context import settings, unit_of_work

log = logging.getLogger(__name__)
blueprint = Blueprint("telegram", __name__, url_prefix="/webhooks")


@blueprint.before_request
def require_secret_token() -> None:
    expected = settings().telegram.webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("Telegram webhook refused: bad or missing secret token")
        abort(403, "invalid secret token")


@blueprint.post("/telegram")
def update() -> Response:
    data = request.get_json(silent=True)
    if data is None:
        abort(400, "the body is not JSON")
    try:
        event = parse_update(data)
    except PayloadError as exc:
        abort(400, str(exc))
    with unit_of_work() as session:
        apply_event(session, event, settings())
    if event.callback_query_id:
        return jsonify(method="answerCallbackQuery", callback_query_id=event.callback_query_id)
    return jsonify(ok=True)
