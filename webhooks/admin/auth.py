"""Logging in and out, and keeping each page behind a login.

The session cookie (Flask's, signed with the secret key) holds only the staff id, when they
logged in, when they were last seen, and a random key made afresh at each login. The account
holds the same key on the server, so logging out, logging in elsewhere or deactivating the
account ends the cookie at once. It also ends after 30 minutes idle or 8 hours in all."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import abort, g, redirect, render_template, request, session, url_for

from bot.audit import record
from bot.models import StaffRole, StaffUser, utcnow
from bot.staff_login import attempt_login
from webhooks.admin import blueprint
from webhooks.context import unit_of_work

IDLE_FOR = timedelta(minutes=30)
AT_MOST = timedelta(hours=8)
# One message for every failure, so the form never tells which emails have accounts.
LOGIN_FAILED = "The email address or password is not right, or the account is locked for now."
OPEN_PAGES = {"admin.login", "admin.static"}


@blueprint.before_request
def require_login():
    if request.endpoint in OPEN_PAGES:
        return None
    staff = _staff_from_session(utcnow())
    if staff is None:
        session.clear()
        return redirect(url_for("admin.login", next=request.full_path))
    g.staff = staff
    return None


def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.staff.role is not StaffRole.ADMIN:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "")
        key = secrets.token_urlsafe(32)
        with unit_of_work() as db:
            staff = attempt_login(db, email, request.form.get("password", ""), utcnow())
            staff_id = staff.id if staff else None
            if staff is not None:
                # One live login per account: this one replaces any other.
                staff.session_key = key
        if staff_id is not None:
            _start_session(staff_id, key)
            return redirect(_safe_next(request.args.get("next")))
        error = LOGIN_FAILED
    status = 401 if error else 200
    return render_template("admin/login.html", error=error, email=email), status


@blueprint.post("/logout")
def logout():
    with unit_of_work() as db:
        record(db, "logout", staff_user_id=g.staff.id)
        staff = db.get(StaffUser, g.staff.id)
        # Ended on the server too: a copy of the cookie is no use after this.
        staff.session_key = None
    session.clear()
    return redirect(url_for("admin.login"))


def _start_session(staff_id: int, key: str) -> None:
    # A new session at login: anything from before (a half-filled form, a planted cookie)
    # is dropped, and the new key is the one the account holds on the server.
    session.clear()
    session.permanent = True
    now = utcnow().timestamp()
    session.update(staff_id=staff_id, key=key, since=now, seen=now)


def _staff_from_session(now: datetime) -> StaffUser | None:
    staff_id, since, seen = session.get("staff_id"), session.get("since"), session.get("seen")
    if staff_id is None or since is None or seen is None:
        return None
    moment = now.timestamp()
    if moment - seen > IDLE_FOR.total_seconds() or moment - since > AT_MOST.total_seconds():
        return None
    with unit_of_work() as db:
        staff = db.get(StaffUser, staff_id)
        if staff is None or not staff.active or not staff.session_key:
            return None
        if not secrets.compare_digest(staff.session_key, session.get("key") or ""):
            return None  # logged out, or logged in since somewhere else
        db.expunge(staff)
    session["seen"] = moment
    return staff


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an open redirect to somewhere else.
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("admin.dashboard")
