"""The demo's data: a Recovery College course with a history, eight people, and answers.

Made for `voices demo`, so that someone with no accounts sees the service in use. Everything
that could go through the real road does: courses and sessions are added by the admin page's
own functions (which book members and plan reminders), and the survey and group-question
answers are typed into the inbox one message at a time, so the engine parses them as it
would a real reply. Only the past is written directly: the attendance of past sessions, and
the consent answers people gave when they joined.

Phone numbers are from Ofcom's drama range (07700 900xxx), which no real phone uses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.courses import SessionTimes, add_session, create_course
from bot.events import InboundMessage
from bot.importing.local_times import local_to_utc
from bot.inbox import receive
from bot.models import (
    Address,
    Attendance,
    Channel,
    Consent,
    ConsentPurpose,
    CourseMembership,
    CourseSession,
    Direction,
    Enrolment,
    Message,
    MessageStatus,
    Participant,
    SessionStatus,
    StaffUser,
)
from bot.pseudonyms import new_pseudonym
from bot.settings import Settings
from bot.staff import add_staff
from bot.surveys.runs import create_run
from bot.surveys.stepping import fire_due_surveys

DEMO_EMAIL = "demo@many-voices.example"
# Printed by `voices demo` and written in the README: this login exists only in a demo database.
DEMO_PASSWORD = "try-many-voices"  # noqa: S105 - a demo login, known on purpose
COURSE_CODE = "WELL1"
WORDING = "demo"
ASK_TEXT = "What would help you get to sessions on time?"


@dataclass(frozen=True)
class DemoPerson:
    name: str
    channel: Channel
    address: str
    language: str = "en"
    easy_read: bool = False
    # Their answers to the post-session survey (4 questions), or None if they did not come.
    survey: tuple[str, ...] | None = None
    said: str | None = None  # their reply to the group question, if any


PEOPLE = (
    DemoPerson(
        "Sam",
        Channel.SMS,
        "+447700900101",
        survey=("4", "yes", "1", "The tea helped."),
        said="a text on the day as well",
    ),
    DemoPerson(
        "Priya", Channel.TELEGRAM, "700000102", survey=("5", "yes", "4", "SKIP"), said="A bus pass"
    ),
    DemoPerson(
        "Jordan", Channel.WHATSAPP, "+447700900103", survey=("3", "no", "3", "It was loud.")
    ),
    DemoPerson(
        "Alex",
        Channel.SMS,
        "+447700900104",
        easy_read=True,
        survey=("4", "yes", "2", "I got lost on the way."),
        said="Someone to meet me at the bus stop",
    ),
    DemoPerson(
        "Ola", Channel.TELEGRAM, "700000105", language="pl", survey=("5", "tak", "1", "Dziękuję!")
    ),
    DemoPerson("Chris", Channel.SMS, "+447700900106", said="A text the morning of the session"),
    DemoPerson(
        "Mo",
        Channel.TELEGRAM,
        "700000107",
        survey=("2", "no", "3", "SKIP"),
        said="later start. 2pm is hard with my meds",
    ),
    DemoPerson("Kasia", Channel.SMS, "+447700900108", language="pl"),
)
# People who missed each past session, oldest first: the DNA rate falls from half towards a
# fifth as the reminders start to work, as in the Recovery College's own improvement cycles.
MISSED = ((0, 2, 4, 6), (1, 3, 5, 7), (0, 4, 6), (2, 5, 7), (3, 6), (1, 7), (6,), (5, 7))
# Last week's session: who came (and so gets the post-session survey) is who has answers.


def seed(session: Session, settings: Settings, now: datetime) -> None:
    """Fill an empty, migrated database with the demo. Commits as it goes."""
    zone = ZoneInfo(settings.app.timezone)
    staff = _staff(session)
    people = [_person(session, who, now) for who in PEOPLE]
    course = create_course(session, COURSE_CODE, "Wellbeing and recovery", staff_user_id=staff.id)
    course.location = "Room 4, Recovery College, 12 High Street"
    for person in people:
        session.add(CourseMembership(course_id=course.id, participant_id=person.id, joined_at=now))
    session.flush()
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    last_week = _past_sessions(session, course.id, people, tomorrow, zone)
    for day in (tomorrow, tomorrow + timedelta(days=7)):
        times = _times(day, zone, course.location)
        add_session(session, course, times, settings, now, staff_user_id=staff.id)
    session.commit()
    _post_session_survey(session, settings, last_week, staff.id, now)
    _group_question(session, settings, course, staff.id, now)
    # A survey staff have planned for tomorrow, which the simulator's control can start now.
    create_run(
        session,
        settings,
        now=now,
        survey_key="what-matters",
        course=course,
        starts_at=now + timedelta(days=1),
        staff_id=staff.id,
    )
    _as_delivered(session, now)
    session.commit()


def _staff(session: Session) -> StaffUser:
    return add_staff(session, DEMO_EMAIL, DEMO_PASSWORD, admin=True)


def _person(session: Session, who: DemoPerson, now: datetime) -> Participant:
    person = Participant(
        pseudonym=new_pseudonym(session),
        display_name=who.name,
        language=who.language,
        easy_read=who.easy_read,
        created_at=now - timedelta(days=70),
    )
    # A recent message from each, so WhatsApp's 24-hour window is open for the demo.
    address = Address(
        participant=person, channel=who.channel, value=who.address, last_inbound_at=now
    )
    session.add_all([person, address])
    session.flush()
    for purpose in ConsentPurpose:
        session.add(
            Consent(
                participant_id=person.id,
                purpose=purpose,
                granted=True,
                wording_version=f"{who.language}:{WORDING}",
                recorded_at=now - timedelta(days=70),
            )
        )
    return person


def _times(day: date, zone: ZoneInfo, location: str | None) -> SessionTimes:
    return SessionTimes(
        local_to_utc(day, time(14, 0), zone), local_to_utc(day, time(16, 0), zone), location, None
    )


def _past_sessions(
    session: Session, course_id: int, people: list[Participant], tomorrow: date, zone: ZoneInfo
) -> CourseSession:
    """Eight weekly sessions before tomorrow's, with attendance marked. Returns the last."""
    held = None
    for weeks_ago, missed in zip(range(len(MISSED), 0, -1), MISSED, strict=True):
        times = _times(tomorrow - timedelta(weeks=weeks_ago), zone, None)
        held = CourseSession(
            course_id=course_id,
            starts_at=times.starts_at,
            ends_at=times.ends_at,
            status=SessionStatus.SCHEDULED,
        )
        session.add(held)
        session.flush()
        for index, person in enumerate(people):
            session.add(
                Enrolment(
                    session_id=held.id,
                    participant_id=person.id,
                    attendance=Attendance.MISSED if index in missed else Attendance.ATTENDED,
                    attendance_marked_at=times.ends_at,
                )
            )
    session.flush()
    return held


def _post_session_survey(session, settings, last_week, staff_id, now) -> None:
    create_run(
        session,
        settings,
        now=now,
        survey_key="post-session",
        course_session=last_week,
        staff_id=staff_id,
    )
    fire_due_surveys(session, settings, now)
    session.commit()
    for who in PEOPLE:
        for answer in who.survey or ():
            _say(session, settings, who, answer)
            # Each answer is followed by the next question, which the engine queues.
            fire_due_surveys(session, settings, now)
            session.commit()


def _group_question(session, settings, course, staff_id, now) -> None:
    create_run(session, settings, now=now, ask_text=ASK_TEXT, course=course, staff_id=staff_id)
    fire_due_surveys(session, settings, now)
    session.commit()
    for who in PEOPLE:
        if who.said:
            _say(session, settings, who, who.said)
            session.commit()


_sids = itertools.count(1)


def _say(session: Session, settings: Settings, who: DemoPerson, text: str) -> None:
    receive(
        session,
        # Stamped as it happens, so the thread reads in order with the replies it gets.
        InboundMessage(who.channel, who.address, f"DEMO-SEED-{next(_sids)}", text),
        settings,
    )


def _as_delivered(session: Session, now: datetime) -> None:
    """The seeded conversation happened in the past: what was said to people then has arrived,
    and does not go again when the demo's worker starts."""
    session.execute(
        update(Message)
        .where(Message.direction == Direction.OUTBOUND, Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.DELIVERED, provider_id=None, status_changed_at=now)
    )


def is_seeded(session: Session) -> bool:
    return session.scalar(select(StaffUser.id).where(StaffUser.email == DEMO_EMAIL)) is not None
