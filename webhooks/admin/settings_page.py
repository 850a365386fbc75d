"""The Settings page (admins only): what is in force, where each value comes from, and the
day-to-day settings an admin may change without a restart (bot.live_settings).

Each group of settings is saved together: a value that fails its check saves nothing in its
group, and the page says which one and how to fix it, in the same words as a bad config.toml.
Every change goes in the audit log with the admin, the old value and the new one."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bot.audit import record
from bot.live_settings import (
    BY_NAME,
    EDITABLE,
    ChangeError,
    as_text,
    change,
    in_environment,
    read_changes,
    value_of,
)
from bot.models import StaffUser, utcnow
from bot.settings import SCHEMA, SECRET_ENV, Settings
from webhooks.admin import blueprint, in_nav
from webhooks.admin.auth import admin_only
from webhooks.context import settings, unit_of_work

in_nav(65, "admin.settings_page", "Settings", admins_only=True)

# Shortening these removes people's words or numbers for good at the next nightly clear-up.
CONFIRM_SHORTER = {"privacy.keep_words_days", "privacy.stopped_contact_days"}
CONFIRM_FIELD = "confirm_shorter"

# Whose words these are: a list of staff emails is not a value to copy into the audit log.
COUNTED_NOT_COPIED = {"safeguarding.alert_emails"}


@blueprint.get("/settings")
@admin_only
def settings_page():
    return _page()


@blueprint.post("/settings")
@admin_only
def settings_save():
    group = request.form.get("group", "")
    items = dict(EDITABLE).get(group)
    if items is None:
        return _page(errors={"": "Choose a group of settings to save"}, status=400)
    base = _live().base
    errors: dict[str, str] = {}
    changed: list[str] = []
    try:
        with unit_of_work() as db:
            for item in items:
                if item.name not in request.form or in_environment(base, item):
                    continue
                if _shortened_unconfirmed(item, request.form):
                    errors[item.name] = (
                        f"{item.label}: a shorter time removes older words or numbers for good, "
                        "at 02:30 tonight. Tick the box to say you mean it"
                    )
                    continue
                try:
                    done = change(
                        db,
                        base,
                        item.name,
                        request.form[item.name],
                        staff_id=g.staff.id,
                        now=utcnow(),
                    )
                except ChangeError as exc:
                    errors[item.name] = f"{item.label}: {exc}"
                    continue
                if done is not None:
                    changed.append(item.label)
                    record(
                        db,
                        "settings.change",
                        staff_user_id=g.staff.id,
                        detail=_audit_detail(item.name, *done),
                    )
            if errors:
                raise _Refused
    except _Refused:
        return _page(errors=errors, form=request.form, status=400)
    except IntegrityError:
        # Two admins saved the same setting at the same moment; the other one's stands.
        message = "Someone else changed these settings just now. Check them, then save again"
        return _page(errors={"": message}, status=409)
    # This process takes the change up now; the others within a few seconds.
    _live().refresh()
    flash(
        f"Saved: {', '.join(changed)}. The worker follows within a few seconds."
        if changed
        else "Nothing changed."
    )
    return redirect(url_for("admin.settings_page", _anchor=_anchor(group)), 303)


def _shortened_unconfirmed(item, form) -> bool:
    if item.name not in CONFIRM_SHORTER or form.get(CONFIRM_FIELD) == "yes":
        return False
    try:
        return int(form[item.name].strip()) < value_of(settings(), item)
    except ValueError:
        return False  # not a number: its own check says so


class _Refused(Exception):
    """Undoes a group's changes when one of them fails its check."""


def _live():
    return current_app.extensions["voices"]["settings"]


def _audit_detail(name: str, before: str, after: str) -> dict[str, str]:
    if name in COUNTED_NOT_COPIED:
        count = len([part for part in after.split(",") if part.strip()])
        return {"setting": name, "to": f"{count} addresses"}
    return {"setting": name, "from": before, "to": after}


def _target(name: str) -> str:
    """A field's id on the page, as the template makes it."""
    return "setting-" + name.replace(".", "-").replace("_", "-") if name else "main"


def _anchor(heading: str) -> str:
    return "settings-" + heading.lower().replace(" ", "-")


def _page(*, errors: dict[str, str] | None = None, form=None, status: int = 200):
    base, now_in_force = _live().base, settings()
    with unit_of_work() as db:
        rows = read_changes(db)
        names = dict(
            db.execute(
                select(StaffUser.id, StaffUser.email).where(
                    StaffUser.id.in_({row.changed_by_id for row in rows.values()})
                )
            ).all()
        )
    groups = []
    for heading, items in EDITABLE:
        fields = []
        for item in items:
            row = rows.get(item.name)
            if in_environment(base, item):
                where = f"Set by the environment variable {item.env_name}. Change it there."
            elif row is not None:
                who = names.get(row.changed_by_id, "an admin")
                file_value = as_text(value_of(base, item))
                where = (
                    f"Changed here by {who} on {row.changed_at:%d %b %Y at %H:%M} UTC. "
                    f"The config file says {file_value}."
                )
            else:
                where = _origin(base, item.name)
            shown = as_text(value_of(now_in_force, item))
            fields.append(
                {
                    "item": item,
                    "value": form.get(item.name, shown) if form is not None else shown,
                    "where": where,
                    "locked": in_environment(base, item),
                    "error": (errors or {}).get(item.name),
                }
            )
        confirm = any(item.name in CONFIRM_SHORTER for item in items)
        groups.append(
            {"heading": heading, "anchor": _anchor(heading), "fields": fields, "confirm": confirm}
        )
    return (
        render_template(
            "admin/settings.html",
            groups=groups,
            error_list=[(_target(name), message) for name, message in (errors or {}).items()],
            errors=errors or {},
            fixed=_fixed(base),
            secrets=[(env, _secret_set(base, key)) for key, env in SECRET_ENV.items()],
            source=base.source,
        ),
        status,
    )


def _origin(base: Settings, name: str) -> str:
    return {
        "file": f"From {base.source}.",
        "environment": "Set by the environment.",
    }.get(base.origins.get(name, ""), "The built-in default.")


def _fixed(base: Settings) -> list[tuple[str, str, str]]:
    """Every setting that only config.toml or the environment can change, as (name, value,
    where from). A database address is shown without its password."""
    shown = []
    for section, keys in SCHEMA.items():
        for key in keys:
            name = f"{section}.{key}"
            if name in BY_NAME:
                continue
            value = getattr(getattr(base, section), key)
            text = as_text(value) if value is not None else "not set"
            if name == "database.url":
                text = _without_passwords(value)
            shown.append((f"[{section}] {key}", text, _origin(base, name)))
    return shown


def _without_passwords(url: str) -> str:
    """A database address as safe to show: the password hidden, in the user part and in any
    query parameter that carries one."""
    parsed = make_url(url)
    query = {k: ("hidden" if "pass" in k.lower() else v) for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


def _secret_set(base: Settings, key: str) -> bool:
    for section in ("app", "twilio", "telegram", "safeguarding"):
        if hasattr(getattr(base, section), key):
            return bool(getattr(getattr(base, section), key))
    return False
