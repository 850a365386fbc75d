"""The data model. Import models from here: `from bot.models import Participant`."""

from bot.models.base import Base, UTCDateTime, utcnow
from bot.models.broadcasts import Broadcast
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
from bot.models.flags import AlertStatus, Flag, FlagKind, FlagStatus, StaffAlert
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
from bot.models.setting_changes import SettingChange
from bot.models.staff import AuditEvent, StaffRole, StaffUser
from bot.models.surveys import (
    Action,
    ActionSource,
    Answer,
    Cohort,
    InviteStatus,
    RunKind,
    Survey,
    SurveyInvite,
    SurveyRun,
    SurveyRunStatus,
)

__all__ = [
    "Action",
    "ActionSource",
    "Address",
    "AddressStatus",
    "AlertStatus",
    "Answer",
    "Attendance",
    "AuditEvent",
    "Base",
    "Broadcast",
    "Channel",
    "Cohort",
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
    "InviteStatus",
    "Message",
    "MessageStatus",
    "Participant",
    "ParticipantStatus",
    "PendingQuestion",
    "ReminderKind",
    "ReminderTime",
    "Rsvp",
    "RunKind",
    "SessionStatus",
    "SettingChange",
    "StaffAlert",
    "StaffRole",
    "StaffUser",
    "StatusEvent",
    "Survey",
    "SurveyInvite",
    "SurveyRun",
    "SurveyRunStatus",
    "UTCDateTime",
    "utcnow",
]
