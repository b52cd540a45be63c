"""The fixed words of the appointment messages, in Thai and in English.

Hospital data (names, queue numbers, appointment times) is shown as the hospital wrote
it, in whatever language that is; only our own words change with the patient's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from moph_connect.messages.i18n import Lang


@dataclass(frozen=True)
class CardWords:
    details: str
    current_queue: str
    alert_header: str
    queue_number: str
    patient: str
    appointment: str
    hospital: str
    queue_card: str
    queue_card_alt: str  # {hospital} {queue} {date}
    tomorrow: str
    today: str
    reminder_alt: str  # {headline} {hospital} {date} {time}
    near_title: str
    near_get_ready: str
    near_alt: str  # {queue} {hospital}
    survey_title: str
    survey_thanks_for_visit: str  # {hospital} {date}
    survey_question: str
    survey_tap: str
    survey_alt: str  # {hospital} {date}
    survey_display: str  # {score} {label}
    score_labels: dict[int, str]
    cancelled_title: str
    cancelled_line: str
    cancelled_contact: str
    cancelled_alt: str  # {hospital} {queue} {date}
    moved_title: str
    moved_line: str
    moved_old: str
    moved_new: str
    moved_alt: str  # {hospital} {date} {old}


THAI: Final = CardWords(
    details="รายละเอียด",
    current_queue="ดูคิวปัจจุบัน",
    alert_header="แจ้งเตือนจากโรงพยาบาล",
    queue_number="หมายเลขคิว",
    patient="ชื่อผู้ป่วย",
    appointment="วันนัด",
    hospital="โรงพยาบาล",
    queue_card="บัตรคิว",
    queue_card_alt="บัตรคิว {hospital}: {queue} {date}",
    tomorrow="พรุ่งนี้คุณมีนัด",
    today="วันนี้คุณมีนัด",
    reminder_alt="{headline}ที่{hospital} {date} {time}",
    near_title="ใกล้ถึงคิวของคุณแล้ว",
    near_get_ready="กรุณาเตรียมตัวให้พร้อมค่ะ",
    near_alt="ใกล้ถึงคิวของคุณแล้ว {queue} {hospital}",
    survey_title="ประเมินความพึงพอใจ",
    survey_thanks_for_visit="ขอบคุณที่มารับบริการที่{hospital} เมื่อ{date}",
    survey_question="คุณพอใจกับการรับบริการครั้งนี้มากน้อยเพียงใด",
    survey_tap="กรุณาแตะเลือกคะแนนด้านล่าง",
    survey_alt="ประเมินความพึงพอใจ การรับบริการที่{hospital} {date}",
    survey_display="ให้คะแนน {score} - {label}",
    score_labels={
        5: "พอใจมากที่สุด",
        4: "พอใจมาก",
        3: "พอใจปานกลาง",
        2: "พอใจน้อย",
        1: "พอใจน้อยที่สุด",
    },
    cancelled_title="ยกเลิกนัดหมาย",
    cancelled_line="นัดหมายนี้ถูกยกเลิกแล้วค่ะ",
    cancelled_contact="หากมีข้อสงสัย กรุณาติดต่อโรงพยาบาล",
    cancelled_alt="ยกเลิกนัดหมาย {hospital}: {queue} {date}",
    moved_title="เลื่อนนัดหมาย",
    moved_line="วันนัดของคุณเปลี่ยนแล้วค่ะ",
    moved_old="วันนัดเดิม",
    moved_new="วันนัดใหม่",
    moved_alt="เลื่อนนัดหมาย {hospital} เป็น{date} (เดิม {old})",
)

ENGLISH: Final = CardWords(
    details="Details",
    current_queue="Current queue",
    alert_header="Message from the hospital",
    queue_number="Queue number",
    patient="Patient",
    appointment="Appointment",
    hospital="Hospital",
    queue_card="Queue card",
    queue_card_alt="Queue card, {hospital}: {queue}, {date}",
    tomorrow="Your appointment is tomorrow",
    today="Your appointment is today",
    reminder_alt="{headline}: {hospital}, {date}, {time}",
    near_title="Your turn is coming up",
    near_get_ready="Please get ready.",
    near_alt="Your turn is coming up: {queue}, {hospital}",
    survey_title="How was your visit?",
    survey_thanks_for_visit="Thank you for visiting {hospital} on {date}.",
    survey_question="How satisfied were you with this visit?",
    survey_tap="Tap a score below.",
    survey_alt="How was your visit to {hospital} on {date}?",
    survey_display="Rated {score} - {label}",
    score_labels={
        5: "Very satisfied",
        4: "Satisfied",
        3: "Neutral",
        2: "Dissatisfied",
        1: "Very dissatisfied",
    },
    cancelled_title="Appointment cancelled",
    cancelled_line="This appointment has been cancelled.",
    cancelled_contact="If you have questions, please contact the hospital.",
    cancelled_alt="Appointment cancelled, {hospital}: {queue}, {date}",
    moved_title="Appointment moved",
    moved_line="Your appointment date has changed.",
    moved_old="Previous date",
    moved_new="New date",
    moved_alt="Appointment moved, {hospital}: now {date} (was {old})",
)

CARD_WORDS: Final[dict[Lang, CardWords]] = {"th": THAI, "en": ENGLISH}


def card_words(lang: Lang) -> CardWords:
    return CARD_WORDS[lang]
