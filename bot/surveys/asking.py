"""Putting one survey question into one message, the way each channel shows it best.

SMS and WhatsApp list the answers with their numbers and say how to reply. Telegram shows the
answers as buttons, with a Skip button. Faces go beside scale points on chat channels only: one
emoji turns an SMS into UCS-2, which more than doubles its cost. A picture goes where the
channel can show one (Telegram, WhatsApp); SMS gets the words alone.
"""

from __future__ import annotations

import re
import zlib

from bot import copy
from bot.events import Reply, tagged
from bot.models import Channel
from bot.pictures import picture_url
from bot.reminders.wording import BUTTON_CHANNELS
from bot.surveys.definitions import Question, QuestionType
from bot.surveys.reading import FACES

PICTURE_CHANNELS = (Channel.TELEGRAM, Channel.WHATSAPP)
HOW_TO_REPLY = {
    QuestionType.SCALE: "survey.reply_scale",
    QuestionType.CHOICE: "survey.reply_choice",
    QuestionType.YES_NO: "survey.reply_yes_no",
    QuestionType.TEXT: "survey.reply_text",
}


def question_reply(
    question: Question,
    language: str,
    channel: Channel,
    public_url: str,
    *,
    lead: str | None = None,
    skip_hint: bool = False,
    tag: str | None = None,
) -> Reply:
    """The question as a message, after `lead` if given ("Here is the question again.").
    `tag` marks its buttons as answering this question (survey_tag)."""
    lines = [lead] if lead else []
    lines.append(question.text.in_language(language))
    buttons = channel in BUTTON_CHANNELS and question.type is not QuestionType.TEXT
    if not buttons:
        lines.extend(_numbered_answers(question, language, channel))
    lines.append(
        copy.text("survey.tap_button" if buttons else HOW_TO_REPLY[question.type], language)
    )
    if skip_hint and not buttons:
        lines.append(copy.text("survey.skip_hint", language))
    media = None
    if question.picture and channel in PICTURE_CHANNELS:
        media = picture_url(question.picture, public_url)
    return Reply(
        "\n".join(lines),
        kind="survey",
        choices=tagged(_buttons(question, language), tag) if buttons else (),
        media_url=media,
    )


def survey_tag(invite_id: int, question_key: str) -> str:
    """What a survey button carries to say which question it answers, short enough for
    Telegram's 64-byte button data whatever the question's id."""
    return f"s{invite_id}.{zlib.crc32(question_key.encode()) % 100_000}"


def question_context(run_id: int, invite_id: int, question_key: str) -> dict[str, object]:
    """The open question's record in conversation_states."""
    return {
        "run_id": run_id,
        "invite_id": invite_id,
        "question": question_key,
        "tag": survey_tag(invite_id, question_key),
    }


def ask_reply(ask_text: str, language: str) -> Reply:
    """A group question: staff's words as they wrote them, then how to answer."""
    return Reply(f"{ask_text}\n{copy.text('ask.how_to_reply', language)}", kind="survey")


def words(key: str, language: str, kind: str = "survey") -> Reply:
    return Reply(copy.text(key, language), kind=kind)


_FACED_LINE = re.compile(rf"^(\d) (?:{'|'.join(FACES)}) ", re.MULTILINE)


def without_faces(text: str) -> str:
    """A question listed for WhatsApp ("5 😀 Very good"), as SMS lists it ("5 Very good"):
    for one that has to go by SMS after all."""
    return _FACED_LINE.sub(r"\1 ", text)


def _labels(question: Question, language: str, channel: Channel) -> list[str]:
    labels = [answer.in_language(language) for answer in question.answers]
    if question.faces and channel is not Channel.SMS:
        labels = [f"{face} {label}" for face, label in zip(FACES, labels, strict=True)]
    return labels


def _numbered_answers(question: Question, language: str, channel: Channel) -> list[str]:
    return [
        f"{number} {label}"
        for number, label in enumerate(_labels(question, language, channel), start=1)
    ]


def _buttons(question: Question, language: str) -> tuple[tuple[str, str], ...]:
    if question.type is QuestionType.YES_NO:
        answers = (
            (copy.text("consent.yes_label", language), "yes"),
            (copy.text("consent.no_label", language), "no"),
        )
    else:
        answers = tuple(
            (label, str(number))
            for number, label in enumerate(_labels(question, language, Channel.TELEGRAM), start=1)
        )
    return (*answers, (copy.text("survey.skip_label", language), "skip"))
