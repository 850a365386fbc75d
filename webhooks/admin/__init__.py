"""The staff admin page, under /admin/.

Every page needs a logged-in member of staff (webhooks.admin.auth); every form carries a CSRF
token (Flask-WTF, set up in webhooks.app); everything participants wrote is shown escaped
(Jinja's autoescape, never `|safe` on their words)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# (endpoint, label) for the main navigation, in order; each page module adds its own.
NAV: list[tuple[str, str]] = []


@blueprint.context_processor
def page_basics() -> dict[str, object]:
    from webhooks.context import settings

    return {"service_name": settings().app.service_name, "nav_links": NAV}


# The pages attach themselves to the blueprint.
from webhooks.admin import auth, dashboard, formatting  # noqa: E402, F401
