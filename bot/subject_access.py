"""Subject access: everything we hold on one person, in a form they can read.

`voices participant export PSEUDONYM` writes it. It is plain text, in sections, with every
message word for word in time order, so it can be handed over as it is (UK GDPR article 15).
Staff notes on flags are included: the person has a right to them too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Address,
    Answer,
    Consent,
    Course,
    CourseSession,
    Direction,
    Enrolment,
    Flag,
    Message,
    Participant,
    Survey,
    SurveyRun,
)


def report(session: Session, person: Participant, zone: ZoneInfo, service: str) -> str:
    return "\n".join(_lines(session, person, zone, service)) + "\n"


def _lines(session: Session, person: Participant, zone: ZoneInfo, service: str) -> Iterator[str]:
    def when(moment: datetime | None) -> str:
        return "—" if moment is None else f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

    yield f"Everything {service} holds about {person.pseudonym}"
    yield f"Times are {zone.key} time."
    yield from _heading("About you")
    yield f"Our label for you: {person.pseudonym}"
    yield f"Name: {person.display_name or '(none held)'}"
    yield f"Language: {person.language}; easy read: {'yes' if person.easy_read else 'no'}"
    yield f"Quiet hours: {person.quiet_hours or 'the service default'}"
    yield f"Status: {person.status.value}, since {when(person.status_changed_at)}"
    yield f"First contact: {when(person.created_at)}"

    yield from _heading("How we reach you")
    addresses = session.scalars(select(Address).where(Address.participant_id == person.id))
    for address in addresses:
        yield f"{address.channel.value}: {address.value} ({address.status.value})"

    yield from _heading("What you agreed to")
    consents = session.scalars(
        select(Consent).where(Consent.participant_id == person.id).order_by(Consent.recorded_at)
    )
    for item in consents:
        answer = "yes" if item.granted else "no"
        note = f" Note: {item.note}" if item.note else ""
        yield f"{when(item.recorded_at)} {item.purpose.value}: {answer}.{note}"

    yield from _heading("Sessions you were booked on")
    bookings = session.execute(
        select(Enrolment, CourseSession.starts_at, Course.title)
        .join(CourseSession, CourseSession.id == Enrolment.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(Enrolment.participant_id == person.id)
        .order_by(CourseSession.starts_at)
    )
    for booking, starts_at, title in bookings:
        reason = f' Why: "{booking.rsvp_reason}"' if booking.rsvp_reason else ""
        yield (
            f"{when(starts_at)} {title}: reply {booking.rsvp.value}, "
            f"attendance {booking.attendance.value}.{reason}"
        )

    yield from _heading("Your survey answers")
    answers = session.execute(
        select(Answer, Survey.title)
        .join(SurveyRun, SurveyRun.id == Answer.run_id)
        .join(Survey, Survey.id == SurveyRun.survey_id)
        .where(Answer.participant_id == person.id)
        .order_by(Answer.answered_at)
    )
    for answer, title in answers:
        value = f" (read as {answer.parsed_value})" if answer.parsed_value else ""
        said = f'"{answer.raw_text}"' if answer.raw_text is not None else "(skipped)"
        yield f"{when(answer.answered_at)} {title}, {answer.question_key}: {said}{value}"

    yield from _heading("Things staff were asked to look at")
    flags = session.scalars(
        select(Flag).where(Flag.participant_id == person.id).order_by(Flag.raised_at)
    )
    for flag in flags:
        done = f" What staff did: {flag.action_taken}" if flag.action_taken else ""
        kind = flag.kind.value.replace("_", " ")
        yield f"{when(flag.raised_at)} {kind}: {flag.status.value}.{done}"

    yield from _heading("Every message, both ways, word for word")
    messages = session.scalars(
        select(Message)
        .where(Message.participant_id == person.id)
        .order_by(Message.created_at, Message.id)
    )
    for message in messages:
        who = "You" if message.direction is Direction.INBOUND else "Us"
        yield f"{when(message.created_at)} {who} ({message.channel.value}): {message.body}"


def _heading(title: str) -> Iterator[str]:
    yield ""
    yield title
    yield "-" * len(title)
