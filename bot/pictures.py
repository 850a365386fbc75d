"""Where a survey's easy-read picture is fetched from.

A picture in a survey file is either an absolute https URL or the name of a file shipped in
messages/surveys/pictures/, which the web app serves at /pictures/<name>. Twilio and Telegram
fetch the picture themselves, so the message must carry a full public address."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import messages

PICTURES = Path(messages.__file__).parent / "surveys" / "pictures"


def picture_url(picture: str, public_url: str) -> str:
    if picture.startswith(("https://", "http://")):
        return picture
    # Quoted, so a name with a space or a # still names the file; "/" too, as names have none.
    return f"{public_url.rstrip('/')}/pictures/{quote(picture, safe='')}"
