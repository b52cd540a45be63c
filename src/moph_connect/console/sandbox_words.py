"""The test sandbox's words, Thai and English, merged into the console's catalogue
(`i18n.CATALOGUE`), kept apart like the insight pages' (`insight_words.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

# i18n.Lang, spelled out: i18n imports this module.
WORDS: Final[dict[str, Mapping[Literal["th", "en"], str]]] = {
    "nav.sandbox": {"th": "ทดสอบระบบ", "en": "Test sandbox"},
    "sbx.title": {"th": "ทดสอบระบบ (สภาพแวดล้อมทดสอบ)", "en": "Test sandbox"},
    "sbx.pick_hint": {
        "th": "เลือกโรงพยาบาลเพื่อดูการเรียก API ทดสอบและข้อความที่ผู้ป่วยทดสอบได้รับ",
        "en": "Pick a hospital to see its test API calls and what its test patients received.",
    },
    "sbx.hospital_id": {"th": "รหัสโรงพยาบาล", "en": "Hospital id"},
    "sbx.open": {"th": "เปิด", "en": "Open"},
    "sbx.calls": {"th": "จำนวนการเรียก", "en": "Calls"},
    "sbx.no_hospitals": {
        "th": "ยังไม่มีโรงพยาบาลใดเรียก API ทดสอบ",
        "en": "No hospital has called the test API yet.",
    },
    "sbx.hint": {
        "th": "การเรียก /test/api ล่าสุดของโรงพยาบาล (เก็บ {kept} ครั้งล่าสุด ไม่เก็บชื่อผู้ป่วย) "
        "และข้อความที่ผู้ป่วยทดสอบแต่ละคนได้รับ",
        "en": "The hospital's latest calls to /test/api (the last {kept} are kept, never the "
        "patient's name) and what each test patient received.",
    },
    "sbx.patients": {"th": "ผู้ป่วยทดสอบ", "en": "Test patients"},
    "sbx.regist": {"th": "รหัส MOPH Connect ID", "en": "MOPH Connect ID"},
    "sbx.messages": {"th": "ข้อความ", "en": "Messages"},
    "sbx.latest": {"th": "ล่าสุด", "en": "Latest"},
    "sbx.no_patients": {
        "th": "ยังไม่มีข้อความถึงผู้ป่วยทดสอบ",
        "en": "No message for a test patient yet.",
    },
    "sbx.calls_title": {"th": "การเรียก API ทดสอบล่าสุด", "en": "Recent test API calls"},
    "sbx.no_calls": {"th": "ยังไม่มีการเรียก API ทดสอบ", "en": "No test API call yet."},
    "sbx.request": {"th": "คำขอ", "en": "Request"},
    "sbx.answer": {"th": "คำตอบ", "en": "Answer"},
    "sbx.not_kept": {
        "th": "ช่องใน notKept ได้รับแล้วแต่ไม่เก็บไว้ (เช่น ชื่อผู้ป่วย)",
        "en": "Fields listed in notKept arrived but are not stored (the patient's name, say).",
    },
    "sbx.patient_title": {"th": "ผู้ป่วยทดสอบ", "en": "Test patient"},
    "sbx.patient_hint": {
        "th": "ข้อความที่ส่งถึงผู้ป่วยทดสอบคนนี้ในบัญชี [TEST] MOPH Connect ตามที่แสดงในโทรศัพท์",
        "en": "What this test patient was sent on [TEST] MOPH Connect, as her phone shows it.",
    },
    "sbx.back": {"th": "← กลับไปหน้าทดสอบระบบ", "en": "← Back to the sandbox"},
    "sbx.image": {"th": "รูปภาพ", "en": "image"},
    "sbx.no_content": {"th": "(ไม่มีเนื้อหา)", "en": "(no content)"},
}
