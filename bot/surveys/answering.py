"""Reading the answer to a survey question or a group question, and what comes next.

    survey question ──understood──▶ saved (raw and parsed) ──▶ next question, or thanks
                    ──"skip"──────▶ saved as skipped ─────────▶ next question
                    ──not clear───▶ one kind re-prompt; a second miss is saved as not
                                    understood, and we move on
                    ──"stop survey"▶ this survey ends for them (not an opt-out)
    group question  ──any words───▶ saved verbatim, thanked once

The raw text is always kept: it is the stored inbound message, and every answer keeps it again
beside the parsed value. An answer that comes after the run has closed is not read as an
answer: the state is dropped and the other rules take the message, which staff then see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot import consent
from bot.conversation import EARLIER, PASS, Next, Pass, handles
from bot.events import Reply
from bot.models import (
    Answer,
    ConversationState,
    InviteStatus,
    ParticipantStatus,
    PendingQuestion,
    Survey,
    SurveyInvite,
    SurveyRun,
    SurveyRunStatus,
    utcnow,
)
from bot.surveys import definitions
from bot.surveys.asking import question_context, question_reply
from bot.surveys.definitions import QuestionType
from bot.surveys.reading import SKIP, STOP_SURVEY, Understood, read

if TYPE_CHECKING:
    from bot.turn import Turn

SKIPPED = "skipped"
NOT_UNDERSTOOD = "not understood"


@handles(PendingQuestion.SURVEY)
def answer_survey(turn: Turn, state: ConversationState) -> Next | Pass | None:
    return take_answer(turn, state.context, state.misses)


@handles(PendingQuestion.ASK)
def answer_ask(turn: Turn, state: ConversationState) -> Next | Pass | None:
    return take_ask_answer(turn, state.context, state.misses)


def take_answer(
    turn: Turn, context: dict, misses: int, *, ask_next: bool = True
) -> Next | Pass | None:
    """Read the reply as the answer to the survey question in `context`.

    With `ask_next` False the answer is kept but nothing more is asked now: another question
    (a reminder's) has been opened since, and the survey carries on once it is settled."""
    found = _open_invite(turn, context)
    if found is None:
        return PASS
    invite, run = found
    definition = definitions.get(run_survey_key(turn.session, run))
    question = definition and definition.question(invite.question_key)
    if question is None:
        return PASS
    language = turn.participant.language
    reading = read(question, turn.text, language)
    if reading is STOP_SURVEY:
        invite.status, invite.finished_at = InviteStatus.STOPPED, utcnow()
        turn.say("survey.stopped", kind="survey")
        return None
    if reading is SKIP:
        _save(turn, invite, SKIPPED)
    elif isinstance(reading, Understood):
        _save(turn, invite, reading.value)
    elif not ask_next:
        return PASS  # not an answer to the earlier question: the newer one may read it
    elif misses == 0:
        turn.replies.append(
            question_reply(
                question,
                language,
                turn.address.channel,
                turn.settings.app.public_url,
                lead=turn.words("survey.reprompt"),
                skip_hint=True,
                tag=context.get("tag"),
            )
        )
        return Next(PendingQuestion.SURVEY, context, misses=1)
    else:
        _save(turn, invite, NOT_UNDERSTOOD)
        turn.say("survey.moving_on", kind="survey")
    following = definition.after(question.key)
    if following is None:
        return _finish(turn, invite, definition.thanks.in_language(language), ask_next)
    invite.question_key, invite.times_asked = following.key, 0
    if run.status is not SurveyRunStatus.RUNNING or not ask_next:
        # The answer counts; the next question waits until the run resumes or the other
        # question is settled (bot.surveys.stepping asks it then).
        turn.say("survey.paused_saved", kind="survey")
        return None
    invite.times_asked, invite.asked_at = 1, utcnow()
    nxt = question_context(run.id, invite.id, following.key)
    turn.replies.append(
        question_reply(
            following,
            language,
            turn.address.channel,
            turn.settings.app.public_url,
            tag=str(nxt["tag"]),
        )
    )
    return Next(PendingQuestion.SURVEY, nxt)


def take_ask_answer(
    turn: Turn, context: dict, misses: int, *, ask_next: bool = True
) -> Next | Pass | None:
    """Read the reply as the answer to the group question in `context`."""
    found = _open_invite(turn, context)
    if found is None:
        return PASS
    invite, _ = found
    reading = read(_OPEN_QUESTION, turn.text, turn.participant.language)
    if reading is SKIP or reading is STOP_SURVEY:
        _save(turn, invite, SKIPPED)
        invite.status, invite.finished_at = InviteStatus.DONE, utcnow()
        turn.say("survey.moving_on", kind="survey")
        return None
    if reading is None:
        # Nothing to read (a picture with no words, say): the question stays open.
        return PASS if not ask_next else Next(PendingQuestion.ASK, context, misses=misses + 1)
    _save(turn, invite, None)
    return _finish(turn, invite, turn.words("ask.thanks"), ask_next)


EARLIER[PendingQuestion.SURVEY] = lambda turn, context: take_answer(
    turn, context, 0, ask_next=False
)
EARLIER[PendingQuestion.ASK] = lambda turn, context: take_ask_answer(
    turn, context, 0, ask_next=False
)


def expects_own_words(session: Session, state: ConversationState) -> bool:
    """Whether the open survey question is a free-text one."""
    invite = session.get(SurveyInvite, state.context.get("invite_id", 0))
    run = invite and session.get(SurveyRun, invite.run_id)
    definition = run and definitions.get(run_survey_key(session, run) or "")
    question = definition and definition.question(state.context.get("question", ""))
    return bool(question) and question.type is QuestionType.TEXT


def run_survey_key(session: Session, run: SurveyRun) -> str | None:
    survey = session.get(Survey, run.survey_id) if run.survey_id else None
    return survey.key if survey else None


def _open_invite(turn: Turn, context: dict) -> tuple[SurveyInvite, SurveyRun] | None:
    """The invite this question belongs to, if an answer can still count."""
    if turn.participant.status is not ParticipantStatus.ACTIVE:
        return None
    invite = turn.session.get(SurveyInvite, context.get("invite_id", 0))
    if (
        invite is None
        or invite.status is not InviteStatus.ASKING
        or invite.question_key != context.get("question")
    ):
        return None
    run = turn.session.get(SurveyRun, invite.run_id)
    if run.status not in (SurveyRunStatus.RUNNING, SurveyRunStatus.PAUSED):
        return None
    return invite, run


def _save(turn: Turn, invite: SurveyInvite, parsed: str | None) -> None:
    turn.session.add(
        Answer(
            run_id=invite.run_id,
            participant_id=turn.participant.id,
            question_key=invite.question_key,
            # Exactly what they sent: never trimmed, never corrected.
            raw_text=turn.text,
            parsed_value=parsed,
            message_id=turn.message_id,
            answered_at=utcnow(),
        )
    )


def _finish(turn: Turn, invite: SurveyInvite, thanks: str, ask_next: bool) -> Next | None:
    invite.status, invite.finished_at = InviteStatus.DONE, utcnow()
    turn.replies.append(Reply(thanks, kind="survey"))
    if not ask_next:
        return None
    # The first time someone shares their views, ask whether we may quote them and tell them
    # what changed. Asked here, where it means something, not at sign-up.
    return consent.ask_about_sharing(turn)


_OPEN_QUESTION = definitions.Question(
    "ask", definitions.QuestionType.TEXT, definitions.Words({definitions.ENGLISH: ""})
)
