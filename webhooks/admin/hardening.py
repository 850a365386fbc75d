"""What every admin page does however it is written: nothing is cached, nothing can frame
it, and hostile input (a NUL byte, an id too big for the database) gets a clear 4xx rather
than a crash."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, request

from webhooks.admin import blueprint

# The largest id the database can hold; a bigger one names nothing (and would raise).
LARGEST_ID = 2**63 - 1
SECURITY_HEADERS = {
    # Pages hold people's words and details: no browser or proxy may keep a copy.
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@blueprint.url_value_preprocessor
def refuse_impossible_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    for value in (values or {}).values():
        if isinstance(value, int) and value > LARGEST_ID:
            abort(404)


@blueprint.before_request
def refuse_malformed_input():
    # A number too long for any id (a page's `?before=`, `?run=`) would overflow the database.
    if any(v.isdigit() and len(v) > 18 for v in request.args.values()):
        abort(400)
    # PostgreSQL cannot hold a NUL in text, and no person types one: the request is malformed.
    if any("\x00" in v for v in request.args.values()) or (
        request.method == "POST"
        and request.mimetype != "multipart/form-data"
        and any("\x00" in v for v in request.form.values())
    ):
        abort(400)


@blueprint.after_request
def private_and_unframed(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
