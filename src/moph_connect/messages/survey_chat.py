"""The satisfaction survey as a short conversation, after she taps a score on the card:
an optional comment (or "skip"), how likely she is to recommend MOPH Connect (0-10), thanks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from moph_connect.messages import flex
from moph_connect.messages.appointment_words import card_words
from moph_connect.messages.i18n import Lang
from moph_connect.messages.menu import menu_quick_replies
from moph_connect.messages.postback import (
    RECOMMEND_MAX,
    RECOMMEND_MIN,
    build_recommend,
    build_skip_comment,
)

COMMENT_MAX: Final = 500  # characters kept of a comment


@dataclass(frozen=True)
class SurveyWords:
    thanks: str  # {score} {label}
    good: str
    fair: str
    poor: str
    ask_comment: str
    skip: str
    ask_comment_again: str
    ask_recommend: str
    recommend_display: str  # {score}
    finished: str
    already: str  # {score} {label}
    already_recommend: str
    expired: str
    unknown: str


SURVEY_WORDS: Final[dict[Lang, SurveyWords]] = {
    "th": SurveyWords(
        thanks="ขอบคุณที่ร่วมประเมินความพึงพอใจค่ะ\nคุณให้คะแนน {score} ({label})",
        good="ยินดีที่ได้ดูแลคุณค่ะ",
        fair="เราจะนำความเห็นของคุณไปพัฒนาบริการให้ดียิ่งขึ้นค่ะ",
        poor="ขออภัยในความไม่สะดวก เราจะนำความเห็นของคุณไปปรับปรุงบริการค่ะ",
        ask_comment="มีความเห็นหรือข้อเสนอแนะเพิ่มเติมไหมคะ พิมพ์ได้เลย หรือแตะ “ข้าม”",
        skip="ข้าม",
        ask_comment_again="กรุณาพิมพ์ความเห็นเป็นข้อความ หรือแตะ “ข้าม” ค่ะ",
        ask_recommend=(
            "คุณจะแนะนำ MOPH Connect ให้เพื่อนหรือครอบครัวมากน้อยเพียงใดคะ\n"
            "0 = ไม่แนะนำเลย, 10 = แนะนำอย่างยิ่ง"
        ),
        recommend_display="แนะนำ {score} จาก 10",
        finished="ขอบคุณมากค่ะ คำตอบของคุณช่วยให้เราพัฒนาบริการให้ดียิ่งขึ้น",
        already="คุณได้ประเมินครั้งนี้ไปแล้ว (คะแนน {score} {label}) เราเก็บคำตอบแรกไว้ ขอบคุณค่ะ",
        already_recommend="คุณได้ตอบคำถามนี้ไปแล้ว เราเก็บคำตอบแรกไว้ ขอบคุณค่ะ",
        expired="ขออภัยค่ะ แบบประเมินนี้ปิดรับคำตอบแล้ว ขอบคุณที่ใช้บริการ MOPH Connect ค่ะ",
        unknown="ขออภัยค่ะ ไม่พบแบบประเมินนี้",
    ),
    "en": SurveyWords(
        thanks="Thank you for rating your visit.\nYou gave {score} ({label}).",
        good="We are glad we could look after you.",
        fair="We will use your feedback to improve our service.",
        poor="We are sorry for the trouble; we will use your feedback to improve.",
        ask_comment="Anything you would like to add? Type it, or tap “Skip”.",
        skip="Skip",
        ask_comment_again="Please type your comment as text, or tap “Skip”.",
        ask_recommend=(
            "How likely are you to recommend MOPH Connect to a friend or family member?\n"
            "0 = not at all, 10 = extremely likely"
        ),
        recommend_display="{score} out of 10",
        finished="Thank you very much: your answers help us improve the service.",
        already=(
            "You have already rated this visit ({score}, {label}); we keep your first answer. "
            "Thank you."
        ),
        already_recommend="You have already answered this; we keep your first answer. Thank you.",
        expired="Sorry, this survey is closed. Thank you for using MOPH Connect.",
        unknown="Sorry, this survey could not be found.",
    ),
}


def _score_label(score: int, lang: Lang) -> str:
    label = card_words(lang).score_labels.get(score) if not isinstance(score, bool) else None
    if label is None:
        raise ValueError(f"score must be 1-5, got {score!r}")
    return label


def _skip_action(token: str, lang: Lang) -> flex.JSON:
    label = SURVEY_WORDS[lang].skip
    return flex.postback_action(label, build_skip_comment(token), display_text=label)


def survey_thanks(score: int, token: str, lang: Lang = "th") -> dict[str, Any]:
    """Thanks for the score, and the question for a comment ("skip" as a quick reply).

    Raises ValueError for a score outside 1-5 or a token that cannot travel in postback data.
    """
    words = SURVEY_WORDS[lang]
    label = _score_label(score, lang)
    follow = words.good if score >= 4 else words.fair if score == 3 else words.poor
    text = f"{words.thanks.format(score=score, label=label)}\n{follow}\n\n{words.ask_comment}"
    return flex.text_message(text, quick_reply=[_skip_action(token, lang)])


def comment_again(token: str, lang: Lang = "th") -> dict[str, Any]:
    """She sent a sticker or a picture while we wait for a comment."""
    words = SURVEY_WORDS[lang]
    return flex.text_message(words.ask_comment_again, quick_reply=[_skip_action(token, lang)])


def recommend_question(token: str, lang: Lang = "th") -> dict[str, Any]:
    """0 to 10 as quick replies (11 of LINE's 13)."""
    words = SURVEY_WORDS[lang]
    buttons = [
        flex.postback_action(
            str(n), build_recommend(token, n), display_text=words.recommend_display.format(score=n)
        )
        for n in range(RECOMMEND_MIN, RECOMMEND_MAX + 1)
    ]
    return flex.text_message(words.ask_recommend, quick_reply=buttons)


def survey_finished(lang: Lang = "th") -> dict[str, Any]:
    return flex.text_message(SURVEY_WORDS[lang].finished, quick_reply=menu_quick_replies(lang))


def survey_already_answered(score: int, lang: Lang = "th") -> dict[str, Any]:
    """A second tap on the card: the first answer (`score`) stays."""
    words = SURVEY_WORDS[lang]
    return flex.text_message(words.already.format(score=score, label=_score_label(score, lang)))


def recommend_already_answered(lang: Lang = "th") -> dict[str, Any]:
    return flex.text_message(SURVEY_WORDS[lang].already_recommend)


def survey_expired(lang: Lang = "th") -> dict[str, Any]:
    return flex.text_message(SURVEY_WORDS[lang].expired, quick_reply=menu_quick_replies(lang))


def survey_unknown(lang: Lang = "th") -> dict[str, Any]:
    return flex.text_message(SURVEY_WORDS[lang].unknown, quick_reply=menu_quick_replies(lang))
