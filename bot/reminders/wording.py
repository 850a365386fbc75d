"""What session messages say: what, when and where, in the participant's language and time zone.

Times are shown the way people say them ("2:30pm", "10am"; "14:30" in Polish) and days in full
("Tuesday 24 November", "wtorek 24 listopada"), in the configured time zone, never in UTC."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import copy
from bot.events import Reply, tagged
from bot.keywords import without_accents
from bot.models import Channel, Course, CourseSession, ReminderKind

# Chat channels show the choices as buttons; SMS and WhatsApp say "Reply 1 ...".
BUTTON_CHANNELS = (Channel.TELEGRAM, Channel.SIMULATOR)
RSVP_VALUES = ("1", "2", "3")


# Day and month names for languages other than English, and whether they use the 24-hour
# clock. Polish months are in the genitive, as in "wtorek 24 listopada".
CALENDARS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pl": (
        ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela"),
        (
            "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
            "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
        ),
    ),
}  # fmt: skip


def clock(moment: datetime, zone: ZoneInfo, language: str = "en") -> str:
    local = moment.astimezone(zone)
    if language in CALENDARS:
        return f"{local:%H:%M}"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def day(moment: datetime, zone: ZoneInfo, language: str = "en", *, plain: bool = False) -> str:
    """`plain` spells the day without accents ("sroda 30 wrzesnia"), as Polish texters often do:
    one "ś" makes a whole SMS UCS-2, and a reminder then takes 4 segments instead of 2."""
    local = moment.astimezone(zone)
    if language in CALENDARS:
        days, months = CALENDARS[language]
        named = f"{days[local.weekday()]} {local.day} {months[local.month - 1]}"
        return without_accents(named) if plain else named
    # Not strftime's %A and %B: they follow the host's locale, and these must not.
    return f"{ENGLISH_DAYS[local.weekday()]} {local.day} {ENGLISH_MONTHS[local.month - 1]}"


ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def rsvp_tag(enrolment_id: int) -> str:
    """What an RSVP button carries to say which booking it answers (bot.events.tagged)."""
    return f"r{enrolment_id}"


def rsvp_choices(language: str, tag: str | None = None) -> tuple[tuple[str, str], ...]:
    labels = ("rsvp.coming_label", "rsvp.cant_come_label", "rsvp.need_help_label")
    choices = tuple(
        (copy.text(label, language), value)
        for label, value in zip(labels, RSVP_VALUES, strict=True)
    )
    return tagged(choices, tag)


def rsvp_question(language: str, channel: Channel, tag: str | None = None) -> Reply:
    """The RSVP ask on its own, as a re-prompt: buttons on chat, numbers by text."""
    if channel in BUTTON_CHANNELS:
        return Reply(
            copy.text("rsvp.reprompt_buttons", language), choices=rsvp_choices(language, tag)
        )
    return Reply(copy.text("rsvp.reprompt", language))


def reminder(
    kind: ReminderKind,
    course: Course,
    course_session: CourseSession,
    language: str,
    channel: Channel,
    zone: ZoneInfo,
    tag: str | None = None,
) -> Reply:
    """A reminder: what, when, where (or the link), then the RSVP ask. `tag` marks its buttons
    as answering this booking (rsvp_tag)."""
    if kind is ReminderKind.TUTOR:
        # Written by the tutor and sent exactly as written.
        return Reply(course.tutor_message or "", kind="tutor")
    when_key = "reminders.day_before" if kind is ReminderKind.DAY_BEFORE else "reminders.on_the_day"
    lines = [
        copy.text(
            when_key,
            language,
            course=course.title,
            day=day(course_session.starts_at, zone, language, plain=channel is Channel.SMS),
            time=clock(course_session.starts_at, zone, language),
        ),
        *where(course, course_session, language),
    ]
    if channel in BUTTON_CHANNELS:
        lines.append(copy.text("reminders.ask_buttons", language))
        return Reply("\n".join(lines), kind="reminder", choices=rsvp_choices(language, tag))
    lines.append(copy.text("reminders.ask", language))
    return Reply("\n".join(lines), kind="reminder")


def where(course: Course, course_session: CourseSession, language: str) -> list[str]:
    place = course_session.location or course.location
    link = course_session.online_url or course.online_url
    lines = []
    if place:
        lines.append(copy.text("reminders.place", language, place=place))
    if link:
        lines.append(copy.text("reminders.online", language, link=link))
    return lines


def session_notice(
    key: str, course: Course, course_session: CourseSession, language: str, zone: ZoneInfo
) -> Reply:
    """A notice about one session (moved, cancelled, missed), naming the course, day and time."""
    text = copy.text(
        key,
        language,
        course=course.title,
        day=day(course_session.starts_at, zone, language),
        time=clock(course_session.starts_at, zone, language),
    )
    return Reply(text, kind="session_notice")
