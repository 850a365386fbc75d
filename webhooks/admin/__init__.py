"""The staff admin page, under /admin/.

Every page needs a logged-in member of staff (webhooks.admin.auth); every form carries a CSRF
token (Flask-WTF, set up in webhooks.app); everything participants wrote is shown escaped
(Jinja's autoescape, never `|safe` on their words).

Each page lives in its own module here, which attaches its views to `blueprint` and puts
itself in the main navigation with `in_nav`. Every module in this package is imported below,
so a new page needs no edit here."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint

blueprint = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# (position, endpoint, label) for the main navigation.
_NAV: list[tuple[int, str, str]] = []


def in_nav(position: int, endpoint: str, label: str) -> None:
    """Put a page in the main navigation. Lower positions come first; the dashboard is 0."""
    _NAV.append((position, endpoint, label))


@blueprint.context_processor
def page_basics() -> dict[str, object]:
    from webhooks.context import settings

    links = [(endpoint, label) for _, endpoint, label in sorted(_NAV)]
    return {"service_name": settings().app.service_name, "nav_links": links}


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
