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

# (position, endpoint, label, admins only) for the main navigation.
_NAV: list[tuple[int, str, str, bool]] = []


def in_nav(position: int, endpoint: str, label: str, *, admins_only: bool = False) -> None:
    """Put a page in the main navigation. Lower positions come first; the dashboard is 0.
    A page for admins only is not offered to other staff."""
    _NAV.append((position, endpoint, label, admins_only))


@blueprint.context_processor
def page_basics() -> dict[str, object]:
    from flask import g

    from bot.models import StaffRole
    from webhooks.context import settings

    staff = g.get("staff")
    admin = staff is not None and staff.role is StaffRole.ADMIN
    links = [(e, label) for _, e, label, only in sorted(_NAV) if admin or not only]
    return {"service_name": settings().app.service_name, "nav_links": links}


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
