"""GET /pictures/<name>: the easy-read pictures shipped in messages/surveys/pictures/.

No login: Twilio and Telegram fetch these themselves to show them with a message. Only image
files from that one folder are served; send_from_directory refuses any path that leads out."""

from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, Response, abort, send_from_directory

from bot.pictures import PICTURES

blueprint = Blueprint("pictures", __name__)

# The types Twilio (WhatsApp) and Telegram both show as a picture; anything else in the folder
# (a README, a source file) is not for the public.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
# A shipped picture changes only with a release, and a new picture gets a new name.
A_MONTH = 30 * 24 * 3600


@blueprint.get("/pictures/<name>")
def picture(name: str) -> Response:
    if PurePath(name).suffix.lower() not in IMAGE_SUFFIXES:
        abort(404)
    return send_from_directory(PICTURES, name, max_age=A_MONTH)
