"""Putting one survey question into one message, the way each channel shows it best.

SMS and WhatsApp list the answers with their numbers and say how to reply. Telegram shows the
answers as buttons, with a Skip button. Faces go beside scale points on chat channels only: one
emoji turns an SMS into UCS-2, which more than doubles its cost. A picture goes where the
channel can show one (Telegram, WhatsApp); SMS gets the words alone.
"""

from __future__ import annotations

from bot import copy
from bot.events import Reply
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
) -> Reply:
    """The question as a message, after `lead` if given ("Here is our question again.")."""
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
        choices=_buttons(question, language) if buttons else (),
        media_url=media,
    )


def ask_reply(ask_text: str, language: str) -> Reply:
    """A group question: staff's words as they wrote them, then how to answer."""
    return Reply(f"{ask_text}\n{copy.text('ask.how_to_reply', language)}", kind="survey")


def words(key: str, language: str, kind: str = "survey") -> Reply:
    return Reply(copy.text(key, language), kind=kind)


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
