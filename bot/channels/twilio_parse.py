"""Reading Twilio's webhook form fields into channel-neutral events."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.addresses import AddressError, normalise_phone
from bot.events import InboundMessage, PayloadError, storable_text
from bot.models import Channel


@dataclass(frozen=True)
class StatusUpdate:
    provider_id: str
    status: str
    error_code: str | None


# Twilio ids are two capital letters and 32 hex digits (SM…, MM…); anything else is not Twilio.
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def _sid(form: Mapping[str, str]) -> str:
    sid = _required(form, "MessageSid")
    if not _SID.match(sid):
        raise PayloadError("MessageSid is not a Twilio message id")
    return sid


def _required(form: Mapping[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise PayloadError(f"missing {name}")
    return value


def parse_inbound(form: Mapping[str, str], region: str = "GB") -> InboundMessage:
    sid = _sid(form)
    sender = storable_text(_required(form, "From"))
    channel = Channel.WHATSAPP if sender.lower().startswith("whatsapp:") else Channel.SMS
    try:
        address = normalise_phone(sender, region)
    except AddressError:
        # Short codes and alphanumeric senders are not E.164: keep them as Twilio wrote them.
        address = sender.split(":", 1)[-1].strip()
    body = form.get("Body") or ""
    return InboundMessage(
        channel=channel, address=address, provider_id=sid, text=storable_text(body)
    )


def parse_status(form: Mapping[str, str]) -> StatusUpdate:
    sid = _sid(form)
    status = storable_text(_required(form, "MessageStatus").lower())[:20]
    error = storable_text((form.get("ErrorCode") or "").strip())[:20] or None
    return StatusUpdate(provider_id=sid, status=status, error_code=error)
