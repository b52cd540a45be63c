"""The console's words in Thai (the default) and English (the operator's choice, kept in
a cookie). One dict: every key has both languages (tests/console check it), and a page
asks for a key that is missing fails loudly rather than show the key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from moph_connect.console.insight_words import WORDS as INSIGHT_WORDS
from moph_connect.console.sandbox_words import WORDS as SANDBOX_WORDS

Lang = Literal["th", "en"]
LANGS: tuple[Lang, ...] = ("th", "en")
DEFAULT_LANG: Lang = "th"

Translate = Callable[..., str]

CATALOGUE: dict[str, Mapping[Lang, str]] = {
    "console": {"th": "คอนโซล MOPH Connect", "en": "MOPH Connect console"},
    "skip": {"th": "ข้ามไปยังเนื้อหา", "en": "Skip to content"},
    "language": {"th": "ภาษา", "en": "Language"},
    "nav.overview": {"th": "ภาพรวม", "en": "Overview"},
    "nav.hospitals": {"th": "โรงพยาบาล", "en": "Hospitals"},
    "nav.my_hospital": {"th": "โรงพยาบาลของฉัน", "en": "My hospital"},
    "signed_in_as": {"th": "เข้าสู่ระบบในชื่อ", "en": "Signed in as"},
    "role.ministry": {"th": "กระทรวง", "en": "Ministry"},
    "role.hospital": {"th": "โรงพยาบาล", "en": "Hospital"},
    "sign_in": {"th": "เข้าสู่ระบบ", "en": "Sign in"},
    "sign_out": {"th": "ออกจากระบบ", "en": "Sign out"},
    "email": {"th": "อีเมล", "en": "E-mail"},
    "password": {"th": "รหัสผ่าน", "en": "Password"},
    "sign_in.failed": {
        "th": "อีเมลหรือรหัสผ่านไม่ถูกต้อง หรือบัญชีถูกระงับชั่วคราว ลองใหม่ภายหลัง",
        "en": "Wrong e-mail or password, or the account is locked for a while. Try again later.",
    },
    "sign_in.missing": {
        "th": "กรุณากรอกอีเมลและรหัสผ่าน",
        "en": "Please enter your e-mail and password.",
    },
    "signed_out": {"th": "ออกจากระบบแล้ว", "en": "You are signed out."},
    "form_expired.title": {"th": "แบบฟอร์มหมดอายุ", "en": "This form has expired"},
    "form_expired.body": {
        "th": "แบบฟอร์มนี้ไม่มีรหัสป้องกันการปลอมแปลงที่ถูกต้อง กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง",
        "en": "The form did not carry a valid anti-forgery token. Reload the page and try again.",
    },
    "not_found.title": {"th": "ไม่พบหน้านี้", "en": "Not found"},
    "not_found.body": {
        "th": "ไม่มีหน้านี้ หรือคุณไม่มีสิทธิ์ดู",
        "en": "There is no such page, or it is not yours to see.",
    },
    "method_not_allowed.title": {"th": "ทำรายการนี้ไม่ได้", "en": "Not allowed here"},
    "method_not_allowed.body": {
        "th": "หน้านี้ไม่รับคำขอแบบนี้ กรุณาใช้ลิงก์หรือปุ่มในคอนโซล",
        "en": "This page does not take that kind of request. Use the console's links and buttons.",
    },
    "http_error.title": {"th": "คำขอไม่ถูกต้อง", "en": "Request refused"},
    "http_error.body": {
        "th": "ไม่สามารถทำตามคำขอนี้ได้ กรุณาลองใหม่จากหน้าคอนโซล",
        "en": "This request could not be served. Try again from the console's pages.",
    },
    "password.change": {"th": "เปลี่ยนรหัสผ่าน", "en": "Change password"},
    "password.title": {"th": "เปลี่ยนรหัสผ่านของฉัน", "en": "Change my password"},
    "password.current": {"th": "รหัสผ่านปัจจุบัน", "en": "Current password"},
    "password.new": {"th": "รหัสผ่านใหม่", "en": "New password"},
    "password.again": {"th": "รหัสผ่านใหม่อีกครั้ง", "en": "New password again"},
    "password.rule": {
        "th": "อย่างน้อย {min} ตัวอักษร เมื่อเปลี่ยนแล้ว ทุกเครื่องที่เข้าสู่ระบบไว้จะออกจากระบบ ยกเว้นเครื่องนี้",
        "en": "At least {min} characters. Once changed, every other browser signed in "
        "as you is signed out; this one stays.",
    },
    "password.submit": {"th": "เปลี่ยนรหัสผ่าน", "en": "Change password"},
    "password.changed": {
        "th": "เปลี่ยนรหัสผ่านแล้ว เครื่องอื่นที่เข้าสู่ระบบไว้ถูกออกจากระบบแล้ว",
        "en": "Your password is changed; your other sessions are signed out.",
    },
    "password.missing": {
        "th": "กรุณากรอกรหัสผ่านปัจจุบันและรหัสผ่านใหม่สองครั้ง",
        "en": "Please enter your current password and the new one twice.",
    },
    "password.differ": {
        "th": "รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน",
        "en": "The two new passwords differ.",
    },
    "password.length": {
        "th": "รหัสผ่านใหม่ต้องมี {min} ถึง {max} ตัวอักษร",
        "en": "The new password must have {min} to {max} characters.",
    },
    "password.unchanged": {
        "th": "รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านปัจจุบัน",
        "en": "The new password must differ from the current one.",
    },
    "password.wrong": {
        "th": "รหัสผ่านปัจจุบันไม่ถูกต้อง หรือบัญชีถูกระงับชั่วคราว ลองใหม่ภายหลัง",
        "en": "Wrong current password, or the account is locked for a while. Try again later.",
    },
    "back_to_overview": {"th": "กลับไปหน้าภาพรวม", "en": "Back to the overview"},
    # Overview
    "overview.title": {"th": "ภาพรวมการส่งข้อความ", "en": "Delivery overview"},
    "overview.national": {"th": "ทั้งประเทศ", "en": "National"},
    "overview.today": {"th": "ข้อความวันนี้", "en": "Messages today"},
    "overview.today_hint": {
        "th": "ข้อความที่ถึงกำหนดส่งวันนี้ (เวลากรุงเทพฯ) แยกตามประเภทและสถานะ",
        "en": "Messages due today (Bangkok time), by kind and status",
    },
    "overview.sent_last_hour": {"th": "ส่งแล้วในชั่วโมงที่ผ่านมา", "en": "Sent in the last hour"},
    "overview.per_minute": {"th": "ต่อนาที", "en": "per minute"},
    "overview.backlog": {"th": "ค้างส่ง (ถึงกำหนดแล้ว)", "en": "Due backlog"},
    "overview.retrying": {"th": "กำลังลองใหม่", "en": "Being retried"},
    "overview.rate_limited": {"th": "ถูกจำกัดอัตรา (429)", "en": "Rate-limited (429)"},
    "overview.failures": {"th": "ส่งไม่สำเร็จวันนี้", "en": "Failures today"},
    "overview.no_failures": {"th": "ไม่มีข้อความที่ส่งไม่สำเร็จวันนี้", "en": "No failures today."},
    "overview.reason": {"th": "เหตุผลจาก LINE", "en": "LINE's reason"},
    "overview.count": {"th": "จำนวน", "en": "Count"},
    "overview.nothing_today": {"th": "ยังไม่มีข้อความวันนี้", "en": "No messages today yet."},
    "overview.paused": {
        "th": "ช่อง LINE ถูกหยุดชั่วคราว: LINE ปฏิเสธโทเค็น (401/403) ข้อความจะไม่ถูกส่งจนกว่าจะแก้ไข",
        "en": "LINE channel paused: LINE refused our token (401/403). Nothing is sent on it "
        "until this is fixed.",
    },
    "overview.paused_until": {"th": "หยุดถึง", "en": "paused until"},
    "overview.total": {"th": "รวม", "en": "Total"},
    "overview.updated": {"th": "ข้อมูล ณ", "en": "As of"},
    "kind": {"th": "ประเภท", "en": "Kind"},
    "status": {"th": "สถานะ", "en": "Status"},
    "channel": {"th": "ช่อง", "en": "Channel"},
    "environment": {"th": "สภาพแวดล้อม", "en": "Environment"},
    "env.production": {"th": "ใช้งานจริง", "en": "Production"},
    "env.test": {"th": "ทดสอบ", "en": "Test"},
    "status.pending": {"th": "รอส่ง", "en": "pending"},
    "status.sending": {"th": "กำลังส่ง", "en": "sending"},
    "status.sent": {"th": "ส่งแล้ว", "en": "sent"},
    "status.failed": {"th": "ไม่สำเร็จ", "en": "failed"},
    "status.cancelled": {"th": "ยกเลิก", "en": "cancelled"},
    "kind.queue_card": {"th": "บัตรคิว", "en": "Queue card"},
    "kind.reminder_day_before": {"th": "เตือนก่อนวันนัด", "en": "Reminder, day before"},
    "kind.reminder_same_day": {"th": "เตือนเช้าวันนัด", "en": "Reminder, same day"},
    "kind.queue_near": {"th": "ใกล้ถึงคิว", "en": "Queue near"},
    "kind.alert": {"th": "แจ้งเตือนจากโรงพยาบาล", "en": "Hospital alert"},
    "kind.survey": {"th": "แบบสอบถาม", "en": "Survey"},
    "kind.chat": {"th": "ตอบแชต", "en": "Chat reply"},
    # Hospitals
    "hospitals.title": {"th": "โรงพยาบาล", "en": "Hospitals"},
    "hospitals.search": {"th": "ค้นหาโรงพยาบาล", "en": "Search hospitals"},
    "hospitals.search_button": {"th": "ค้นหา", "en": "Search"},
    "hospitals.none": {"th": "ไม่พบโรงพยาบาล", "en": "No hospital found."},
    "hospitals.name": {"th": "ชื่อ", "en": "Name"},
    "hospitals.province": {"th": "จังหวัด", "en": "Province"},
    "hospitals.mode": {"th": "วิธียืนยันตัวตน", "en": "Mode"},
    "hospitals.last_call": {"th": "เรียกล่าสุด", "en": "Last call"},
    "hospitals.calls_7d": {"th": "จำนวนเรียก 7 วัน", "en": "Calls in 7 days"},
    "hospitals.first_test_call": {"th": "เรียก API ทดสอบครั้งแรก", "en": "First test call"},
    "hospitals.first_production_call": {
        "th": "เรียก API ใช้งานจริงครั้งแรก",
        "en": "First production call",
    },
    "hospitals.never": {"th": "ยังไม่เคย", "en": "never"},
    "hospitals.activity": {"th": "การใช้งาน", "en": "Activity"},
    "hospitals.keys": {"th": "กุญแจ API", "en": "API keys"},
    "hospitals.key_prefix": {"th": "ขึ้นต้นด้วย", "en": "Starts with"},
    "hospitals.created": {"th": "สร้างเมื่อ", "en": "Created"},
    "hospitals.key_state": {"th": "สถานะกุญแจ", "en": "State"},
    "key.usable": {"th": "ใช้งานได้", "en": "usable"},
    "key.revoked": {"th": "เพิกถอนแล้ว", "en": "revoked"},
    "key.expired": {"th": "หมดอายุ", "en": "expired"},
    "key.until": {"th": "ใช้ได้ถึง", "en": "until"},
    "hospitals.rotate": {"th": "ออกกุญแจใหม่", "en": "Issue a new key"},
    "hospitals.grace_hours": {
        "th": "กุญแจเดิมใช้ได้ต่ออีก (ชั่วโมง)",
        "en": "Old keys keep working for (hours)",
    },
    "hospitals.revoke": {"th": "เพิกถอนกุญแจทั้งหมด", "en": "Revoke every key"},
    "hospitals.revoke_hint": {
        "th": "ใช้เมื่อกุญแจรั่วไหล: ปฏิเสธทันทีและไม่ออกกุญแจใหม่",
        "en": "For a leaked key: refused at once, no new key is issued.",
    },
    "hospitals.new_key": {"th": "กุญแจใหม่", "en": "New key"},
    "hospitals.new_key_once": {
        "th": "แสดงเพียงครั้งนี้ครั้งเดียว เราเก็บไว้เพียงค่าแฮช คัดลอกไปให้โรงพยาบาลตอนนี้",
        "en": "Shown only now; we keep only its hash. Copy it for the hospital now.",
    },
    "hospitals.revoked": {"th": "เพิกถอนกุญแจแล้ว", "en": "Keys revoked"},
    "hospitals.booking_url": {"th": "ลิงก์จองคิว", "en": "Booking URL"},
    "hospitals.try_it": {"th": "ลองเปิด (regist ตัวอย่าง)", "en": "Try it (sample regist)"},
    "hospitals.change_mode": {"th": "เปลี่ยนวิธียืนยันตัวตน", "en": "Change mode"},
    "hospitals.mode_changed": {"th": "เปลี่ยนวิธียืนยันตัวตนแล้ว", "en": "Mode changed"},
    "hospitals.save": {"th": "บันทึก", "en": "Save"},
    "mode.key": {"th": "กุญแจ API", "en": "key"},
    "mode.legacy": {"th": "แบบเดิม (ไม่มีกุญแจ)", "en": "legacy (no key)"},
    "hospitals.shown": {"th": "แสดง", "en": "Showing"},
    "hospitals.inactive": {"th": "ไม่ใช้งาน", "en": "inactive"},
}

# The satisfaction and deliveries pages' words (kept in their own module).
CATALOGUE.update(INSIGHT_WORDS)
# The test sandbox's words (sandbox_words.py).
CATALOGUE.update(SANDBOX_WORDS)


def translator(lang: Lang) -> Translate:
    def translate(key: str, **values: object) -> str:
        text = CATALOGUE[key][lang]
        return text.format(**values) if values else text

    return translate


def chosen_lang(value: str | None) -> Lang:
    return "en" if value == "en" else DEFAULT_LANG
