"""The data model. Import models from here: `from bot.models import Participant`."""

from bot.models.base import Base, UTCDateTime, utcnow
from bot.models.conversations import ConversationState, PendingQuestion, StatusEvent
from bot.models.courses import (
    Attendance,
    Course,
    CourseMembership,
    CourseSession,
    Enrolment,
    ReminderKind,
    ReminderTime,
    Rsvp,
    SessionStatus,
)
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.messages import Direction, Message, MessageStatus
from bot.models.people import (
    Address,
    AddressStatus,
    Channel,
    Consent,
    ConsentPurpose,
    Participant,
    ParticipantStatus,
)
from bot.models.staff import AuditEvent, StaffRole, StaffUser
from bot.models.surveys import Answer, Survey, SurveyRun, SurveyRunStatus

__all__ = [
    "Address",
    "AddressStatus",
    "Answer",
    "Attendance",
    "AuditEvent",
    "Base",
    "Channel",
    "Consent",
    "ConsentPurpose",
    "ConversationState",
    "Course",
    "CourseMembership",
    "CourseSession",
    "Direction",
    "Enrolment",
    "Flag",
    "FlagKind",
    "FlagStatus",
    "Message",
    "MessageStatus",
    "Participant",
    "ParticipantStatus",
    "PendingQuestion",
    "ReminderKind",
    "ReminderTime",
    "Rsvp",
    "SessionStatus",
    "StaffRole",
    "StaffUser",
    "StatusEvent",
    "Survey",
    "SurveyRun",
    "SurveyRunStatus",
    "UTCDateTime",
    "utcnow",
]
