"""Staff accounts (admins only): the list, adding an account, deactivating one.

The rules are bot.staff's, as for `voices staff add`: a real-looking email address, not taken,
and a password of at least 12 characters, typed twice here so a slip is caught."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from bot.staff import MIN_PASSWORD_LENGTH, StaffError
from bot.staff_accounts import add_account, deactivate, staff_list
from webhooks.admin import blueprint, in_nav
from webhooks.admin.auth import admin_only
from webhooks.admin.courses import sentence
from webhooks.context import unit_of_work

in_nav(60, "admin.staff_accounts", "Staff", admins_only=True)


@blueprint.get("/staff")
@admin_only
def staff_accounts():
    return _page()


@blueprint.post("/staff")
@admin_only
def staff_account_add():
    email = request.form.get("email", "")
    admin = request.form.get("admin") == "yes"
    try:
        with unit_of_work() as db:
            user = add_account(
                db,
                email,
                request.form.get("password", ""),
                request.form.get("password_again", ""),
                admin=admin,
                by_staff_id=g.staff.id,
            )
            shown, role = user.email, user.role.value
    except StaffError as exc:
        field = "staff-email" if "email" in str(exc) else "staff-password"
        form = {"email": email, "admin": admin}
        return _page(errors=[(field, sentence(str(exc)))], form=form, status=400)
    flash(f"Added the {role} account {shown}. They can log in now.")
    return redirect(url_for("admin.staff_accounts"))


@blueprint.post("/staff/<int:staff_id>/deactivate")
@admin_only
def staff_account_deactivate(staff_id: int):
    try:
        with unit_of_work() as db:
            user = deactivate(db, staff_id, by_staff_id=g.staff.id)
            shown = user.email
    except StaffError as exc:
        return _page(errors=[(f"staff-{staff_id}", sentence(str(exc)))], status=400)
    flash(f"Deactivated {shown}. They cannot log in any more.")
    return redirect(url_for("admin.staff_accounts"))


def _page(*, errors=None, form=None, status: int = 200):
    with unit_of_work() as db:
        rows = staff_list(db)
    return (
        render_template(
            "admin/staff_accounts.html",
            rows=rows,
            errors=errors or [],
            form=form or {},
            min_length=MIN_PASSWORD_LENGTH,
        ),
        status,
    )
