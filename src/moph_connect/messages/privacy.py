"""Privacy (PDPA): the notice she accepts before any booking, the full text, and deleting
her data (a question she must confirm, then the answer).

Health data is sensitive data under the Personal Data Protection Act B.E. 2562 (s. 26):
it needs explicit consent, given freely, for a stated purpose, and as easy to withdraw as
to give. So the notice is short and says what, why, how long and who; "accept" records
the version she saw; and "delete my data" is two taps away, always.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from moph_connect.messages import flex, palette
from moph_connect.messages._text import field
from moph_connect.messages.appointment import BRAND_NAME
from moph_connect.messages.i18n import Lang
from moph_connect.messages.menu import erase_action, menu_quick_replies
from moph_connect.messages.postback import (
    EraseCancelAction,
    PrivacyAction,
    build,
    build_consent,
    build_erase_confirm,
)

# 2026-12: "how long" says what retention keeps (it had said "until you ask to delete").
NOTICE_VERSION: Final = "2026-12"

# `consent_version` of a patient whose consent was given to the MOPH Connect that ran
# before (since 2018) and loaded with `registrations import`: its time is known, not the
# notice she saw, which was none of ours. The chatbot counts it as consent.
IMPORTED_CONSENT_VERSION: Final = "imported"
BOT_NAME_MAX: Final = 60


@dataclass(frozen=True)
class PrivacyWords:
    title: str
    welcome_title: str
    welcome: str  # {name}
    welcome_first: str
    before_booking: str
    what: tuple[str, str]  # (label, text)
    why: tuple[str, str]
    how_long: tuple[str, str]
    who: tuple[str, str]
    version: str  # {version}
    accept: str
    accept_display: str
    read_more: str
    alt: str
    details: str  # {version}, {days}
    accepted: str
    erase_title: str
    erase_lines: tuple[str, ...]
    erase_yes: str
    erase_no: str
    erase_alt: str
    erased: str
    erase_kept: str
    erase_expired: str


PRIVACY_WORDS: Final[dict[Lang, PrivacyWords]] = {
    "th": PrivacyWords(
        title="ความเป็นส่วนตัวของคุณ",
        welcome_title="ยินดีต้อนรับค่ะ",
        welcome="สวัสดีค่ะ ยินดีต้อนรับสู่ {name}",
        welcome_first=(
            "จองคิวโรงพยาบาล รับบัตรคิวและข้อความเตือนนัดผ่าน LINE "
            "ก่อนเริ่มใช้งาน กรุณาอ่านและกดยอมรับข้อตกลงความเป็นส่วนตัวนี้ค่ะ"
        ),
        before_booking="ก่อนรับลิงก์จองคิว กรุณาอ่านและกดยอมรับข้อตกลงนี้ก่อนค่ะ",
        what=(
            "ข้อมูลที่เก็บ",
            "LINE user ID ของคุณ โรงพยาบาลที่คุณเลือก ข้อมูลนัดหมายที่โรงพยาบาลส่งมา "
            "(ชื่อ หมายเลขคิว วันเวลานัด) ข้อความที่คุณส่งมา และคำตอบแบบประเมิน",
        ),
        why=("เพื่อ", "ส่งบัตรคิว ข้อความเตือนนัด และแจ้งเมื่อใกล้ถึงคิวของคุณ"),
        how_long=(
            "เก็บนานเท่าใด",
            "นัดหมายและข้อความที่เกี่ยวข้อง {days} วันหลังวันนัด แล้วลบอัตโนมัติ หรือลบทันทีเมื่อคุณพิมพ์ “ลบข้อมูล”",
        ),
        who=(
            "ใครเห็นข้อมูล",
            "เจ้าหน้าที่ผู้ดูแลระบบของกระทรวงสาธารณสุข โรงพยาบาลได้รับเพียงรหัส MOPH Connect "
            "ของคุณ ไม่มีการส่งต่อเพื่อการโฆษณา",
        ),
        version="ฉบับ {version}",
        accept="ยอมรับ",
        accept_display="ยอมรับข้อตกลงความเป็นส่วนตัว",
        read_more="อ่านเพิ่มเติม",
        alt="ความเป็นส่วนตัวของคุณ: แตะ “ยอมรับ” เพื่อเริ่มจองคิวผ่าน MOPH Connect",
        details=(
            "ข้อตกลงความเป็นส่วนตัวของ MOPH Connect (ฉบับ {version})\n\n"
            "ผู้ควบคุมข้อมูล: กระทรวงสาธารณสุข\n\n"
            "ข้อมูลที่เก็บ\n"
            "• LINE user ID ของคุณ (ไม่เก็บชื่อหรือรูปโปรไฟล์ LINE) และภาษาที่ตั้งไว้ใน LINE\n"
            "• โรงพยาบาลที่คุณเลือก และรหัส MOPH Connect ที่ออกให้แต่ละโรงพยาบาล\n"
            "• ข้อมูลนัดหมายที่โรงพยาบาลส่งมา: ชื่อผู้ป่วย หมายเลขคิว วันและเวลานัด "
            "ลิงก์ของโรงพยาบาล\n"
            "• คำตอบแบบประเมินความพึงพอใจและความเห็นที่คุณพิมพ์\n"
            "• ข้อความที่คุณส่งถึงเราและตำแหน่งที่คุณแชร์ เพื่อใช้ตอบกลับเท่านั้น\n\n"
            "วัตถุประสงค์\n"
            "ส่งบัตรคิว ข้อความเตือนก่อนวันนัด แจ้งเมื่อใกล้ถึงคิว และแบบประเมินหลังรับบริการ "
            "ข้อมูลสุขภาพเป็นข้อมูลอ่อนไหวตามมาตรา 26 แห่ง พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล "
            "พ.ศ. 2562 เราจึงขอความยินยอมจากคุณก่อนค่ะ\n\n"
            "ระยะเวลาเก็บ\n"
            "นัดหมายและข้อความที่เกี่ยวข้องเก็บ {days} วันหลังวันนัด แล้วลบอัตโนมัติ "
            "ข้อความที่คุณส่งถึงเราเก็บไม่เกิน 7 วันหลังตอบกลับ "
            "เมื่อคุณลบข้อมูล ข้อมูลนัดหมายและรหัส MOPH Connect ของคุณจะถูกลบทันที "
            "คะแนนประเมินจะเหลือเป็นสถิติที่ไม่ระบุตัวตนเท่านั้น\n\n"
            "ผู้ที่เข้าถึงข้อมูล\n"
            "เจ้าหน้าที่ผู้ดูแลระบบ MOPH Connect ของกระทรวงสาธารณสุข เพื่อดูแลระบบเท่านั้น "
            "โรงพยาบาลได้รับเพียงรหัส MOPH Connect ของคุณ "
            "ข้อความส่งถึงคุณผ่าน LINE ไม่มีการขายหรือส่งต่อข้อมูลเพื่อการโฆษณา\n\n"
            "สิทธิของคุณ\n"
            "คุณถอนความยินยอมและลบข้อมูลได้ทุกเมื่อ โดยพิมพ์ “ลบข้อมูล” "
            "หรือแตะ “ช่วยเหลือ” แล้วเลือก “ลบข้อมูลของฉัน” "
            "ข้อมูลที่โรงพยาบาลเก็บไว้เองไม่ได้อยู่ที่ MOPH Connect "
            "หากต้องการแก้ไขหรือลบ กรุณาติดต่อโรงพยาบาลค่ะ"
        ),
        accepted=(
            "ขอบคุณค่ะ บันทึกความยินยอมของคุณแล้ว\nพิมพ์ชื่อโรงพยาบาลหรือจังหวัดเพื่อจองคิว หรือเลือกเมนูด้านล่างได้เลยค่ะ"
        ),
        erase_title="ลบข้อมูลของฉัน",
        erase_lines=(
            "ต้องการลบข้อมูลของคุณออกจาก MOPH Connect ใช่ไหมคะ",
            "• นัดหมาย บัตรคิว และข้อความเตือนที่ยังไม่ได้ส่งจะถูกลบ",
            "• รหัส MOPH Connect ของคุณจะใช้ไม่ได้อีก โรงพยาบาลจะส่งข้อความถึงคุณไม่ได้",
            "• คะแนนประเมินจะเหลือเป็นสถิติที่ไม่ระบุตัวตน",
            "การลบนี้ย้อนกลับไม่ได้ นัดหมายที่โรงพยาบาลยังคงอยู่ที่โรงพยาบาลค่ะ",
        ),
        erase_yes="ลบข้อมูล",
        erase_no="ไม่ลบ",
        erase_alt="ยืนยันการลบข้อมูลของคุณออกจาก MOPH Connect",
        erased=(
            "ลบข้อมูลของคุณออกจาก MOPH Connect เรียบร้อยแล้วค่ะ\n"
            "หากต้องการใช้บริการอีก พิมพ์ข้อความใดก็ได้เพื่อเริ่มใหม่ค่ะ"
        ),
        erase_kept="ไม่ได้ลบข้อมูลค่ะ ข้อมูลของคุณยังอยู่ตามเดิม",
        erase_expired="คำขอลบข้อมูลนี้หมดอายุแล้ว หากต้องการลบ กรุณาแตะ “ลบข้อมูลของฉัน” อีกครั้งค่ะ",
    ),
    "en": PrivacyWords(
        title="Your privacy",
        welcome_title="Welcome",
        welcome="Hello, welcome to {name}",
        welcome_first=(
            "Book hospital queues and get your queue card and reminders on LINE. "
            "Before you start, please read and accept this privacy notice."
        ),
        before_booking="Before you get a booking link, please read and accept this notice.",
        what=(
            "What we keep",
            "Your LINE user ID, the hospitals you choose, the appointment details hospitals "
            "send us (name, queue number, date and time), the messages you send us and your "
            "survey answers.",
        ),
        why=("Why", "To send your queue card, reminders and “your turn is near” alerts."),
        how_long=(
            "How long",
            "Appointments and their messages: {days} days after the appointment date, then "
            "deleted automatically; at once if you type “delete my data”.",
        ),
        who=(
            "Who sees it",
            "The Ministry of Public Health staff who run MOPH Connect. A hospital gets only "
            "your MOPH Connect ID. Nothing is shared for advertising.",
        ),
        version="Version {version}",
        accept="Accept",
        accept_display="I accept the privacy notice",
        read_more="Read more",
        alt="Your privacy: tap “Accept” to start booking with MOPH Connect",
        details=(
            "MOPH Connect privacy notice (version {version})\n\n"
            "Data controller: the Ministry of Public Health of Thailand\n\n"
            "What we keep\n"
            "• Your LINE user ID (not your LINE name or picture) and your LINE language\n"
            "• The hospitals you choose, and the MOPH Connect ID issued for each\n"
            "• The appointment details hospitals send: patient name, queue number, date and "
            "time, the hospital's links\n"
            "• Your survey scores and the comments you type\n"
            "• The messages you send us and locations you share, only to answer you\n\n"
            "Why\n"
            "To send your queue card, reminders before the day, the “your turn is near” alert "
            "and a survey after your visit. Health data is sensitive data under section 26 of "
            "the Personal Data Protection Act B.E. 2562 (2019), so we ask for your consent "
            "first.\n\n"
            "How long\n"
            "Appointments and their messages: {days} days after the appointment date, then "
            "deleted automatically. The messages you send us: at most 7 days after we answer. "
            "When you delete your data, your appointments and MOPH Connect IDs are deleted at "
            "once; survey scores remain only as anonymous statistics.\n\n"
            "Who sees it\n"
            "Ministry of Public Health staff who run MOPH Connect, only to operate it. A "
            "hospital gets only your MOPH Connect ID. Messages reach you through LINE. Your "
            "data is never sold or shared for advertising.\n\n"
            "Your rights\n"
            "You can withdraw your consent and delete your data at any time: type “delete my "
            "data”, or tap “Help” and then “Delete my data”. Records a hospital keeps itself "
            "are not held by MOPH Connect: ask the hospital to correct or delete them."
        ),
        accepted=(
            "Thank you, your consent is recorded.\n"
            "Type a hospital or province name to book, or choose from the menu below."
        ),
        erase_title="Delete my data",
        erase_lines=(
            "Do you want to delete your data from MOPH Connect?",
            "• Your appointments, queue cards and unsent reminders are deleted.",
            "• Your MOPH Connect IDs stop working: hospitals can no longer message you.",
            "• Survey scores remain only as anonymous statistics.",
            "This cannot be undone. Your appointments at the hospital itself stay as they are.",
        ),
        erase_yes="Delete",
        erase_no="Keep my data",
        erase_alt="Confirm deleting your data from MOPH Connect",
        erased=(
            "Your data has been deleted from MOPH Connect.\n"
            "To use the service again, send any message to start afresh."
        ),
        erase_kept="Nothing was deleted: your data is as it was.",
        erase_expired=(
            "This request to delete your data has expired. "
            "To delete it, tap “Delete my data” again."
        ),
    ),
}


def _section(label: str, text: str) -> flex.JSON:
    return flex.box(
        [
            flex.text(label, size="xs", color=palette.MUTED, bold=True),
            flex.text(text, size="sm"),
        ],
        spacing="xs",
        margin="lg",
    )


def _accept_action(lang: Lang, version: str) -> flex.JSON:
    words = PRIVACY_WORDS[lang]
    return flex.postback_action(
        words.accept, build_consent(version), display_text=words.accept_display
    )


def _read_more_action(lang: Lang) -> flex.JSON:
    label = PRIVACY_WORDS[lang].read_more
    return flex.postback_action(label, build(PrivacyAction()), display_text=label)


def privacy_notice(
    lang: Lang = "th",
    *,
    version: str = NOTICE_VERSION,
    before_booking: bool = False,
    welcome_to: str | None = None,
    retention_days: int,
) -> dict[str, Any]:
    """The short notice: what, why, how long (`retention_days`, as the service keeps
    appointments), who; "accept" and "read more".

    `welcome_to` (the bot's name) makes it the greeting after she adds us as a friend;
    `before_booking` says why it is shown when she picked a hospital.
    """
    words = PRIVACY_WORDS[lang]
    lines: list[flex.JSON] = []
    title = words.title
    alt = words.alt
    if welcome_to is not None:
        name = field(welcome_to, BOT_NAME_MAX)
        title = words.welcome_title
        alt = f"{words.welcome.format(name=name)}: {words.alt}"
        lines.append(flex.text(words.welcome.format(name=name), size="lg", bold=True))
        lines.append(flex.text(words.welcome_first, size="sm", margin="md"))
    elif before_booking:
        lines.append(flex.text(words.before_booking, bold=True, color=palette.BRAND))
    lines += [
        _section(*words.what),
        _section(*words.why),
        _section(words.how_long[0], words.how_long[1].format(days=retention_days)),
        _section(*words.who),
        flex.text(
            words.version.format(version=version), size="xxs", color=palette.MUTED, margin="lg"
        ),
    ]
    footer = flex.box(
        [
            flex.button(_accept_action(lang, version)),
            flex.button(_read_more_action(lang), style="secondary"),
        ],
        spacing="sm",
        padding="lg",
    )
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, title, palette.BRAND),
        body=flex.box(lines, padding="lg"),
        footer=footer,
    )
    return flex.flex_message(alt, bubble)


def privacy_details(
    lang: Lang = "th",
    *,
    version: str = NOTICE_VERSION,
    accepted: bool = False,
    retention_days: int,
) -> dict[str, Any]:
    """The full notice as text; "accept" as a quick reply if she has not yet."""
    words = PRIVACY_WORDS[lang]
    quick = [_accept_action(lang, version)] if not accepted else []
    quick.append(erase_action(lang))
    details = words.details.format(version=version, days=retention_days)
    return flex.text_message(details, quick_reply=quick)


def consent_recorded(lang: Lang = "th", *, booking_follows: bool = False) -> dict[str, Any]:
    """Thanks for accepting; with what to do next, unless her booking link follows."""
    words = PRIVACY_WORDS[lang]
    if booking_follows:
        return flex.text_message(words.accepted.split("\n", 1)[0])
    return flex.text_message(words.accepted, quick_reply=menu_quick_replies(lang))


def erase_question(nonce: str, lang: Lang = "th") -> dict[str, Any]:
    """Are you sure? "Delete" (red) carries the question's nonce; "keep" cancels."""
    words = PRIVACY_WORDS[lang]
    first, *rest = words.erase_lines
    body = [flex.text(first, bold=True)]
    body += [flex.text(line, size="sm", margin="md") for line in rest]
    yes = flex.postback_action(words.erase_yes, build_erase_confirm(nonce), words.erase_yes)
    no = flex.postback_action(words.erase_no, build(EraseCancelAction()), words.erase_no)
    footer = flex.box(
        [flex.button(yes, color=palette.DANGER), flex.button(no, style="secondary")],
        spacing="sm",
        padding="lg",
    )
    bubble = flex.bubble(
        header_box=flex.header(BRAND_NAME, words.erase_title, palette.DANGER),
        body=flex.box(body, padding="lg"),
        footer=footer,
    )
    return flex.flex_message(words.erase_alt, bubble)


def erased(lang: Lang = "th") -> dict[str, Any]:
    return flex.text_message(PRIVACY_WORDS[lang].erased)


def erase_kept(lang: Lang = "th") -> dict[str, Any]:
    return flex.text_message(PRIVACY_WORDS[lang].erase_kept, quick_reply=menu_quick_replies(lang))


def erase_expired(lang: Lang = "th") -> dict[str, Any]:
    return flex.text_message(PRIVACY_WORDS[lang].erase_expired, quick_reply=[erase_action(lang)])
