"""The words of the satisfaction and deliveries pages, Thai and English, merged into the
console's catalogue (`i18n.CATALOGUE`); kept apart so the two pages' words stay together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

# i18n.Lang, spelled out: i18n imports this module.
WORDS: Final[dict[str, Mapping[Literal["th", "en"], str]]] = {
    "nav.satisfaction": {"th": "ความพึงพอใจ", "en": "Satisfaction"},
    "nav.deliveries": {"th": "การส่งข้อความ", "en": "Deliveries"},
    # Satisfaction
    "sat.title": {"th": "ความพึงพอใจของผู้ป่วย", "en": "Patient satisfaction"},
    "sat.national": {"th": "ทั้งประเทศ", "en": "National"},
    "sat.hospital": {"th": "โรงพยาบาล", "en": "Hospital"},
    "sat.all_hospitals": {"th": "ทุกโรงพยาบาล", "en": "All hospitals"},
    "sat.from": {"th": "ตั้งแต่", "en": "From"},
    "sat.to": {"th": "ถึง", "en": "To"},
    "sat.show": {"th": "แสดง", "en": "Show"},
    "sat.range_hint": {
        "th": "นับตามวันที่ส่งแบบสอบถาม (เวลากรุงเทพฯ) สัปดาห์เริ่มวันจันทร์",
        "en": "Counted by the day each survey was due (Bangkok time); weeks start on Monday",
    },
    "sat.mean": {"th": "คะแนนเฉลี่ย (1-5)", "en": "Mean score (1-5)"},
    "sat.response_rate": {"th": "อัตราการตอบ", "en": "Response rate"},
    "sat.answered_of_sent": {
        "th": "ตอบ {answered} จากที่ส่ง {sent}",
        "en": "{answered} answered of {sent} sent",
    },
    "sat.nps": {"th": "NPS (แนะนำต่อ)", "en": "Net Promoter Score"},
    "sat.nps_hint": {
        "th": "ร้อยละผู้ให้ 9-10 ลบร้อยละผู้ให้ 0-6 จาก {n} คำตอบ",
        "en": "% giving 9-10 minus % giving 0-6, of {n} answers",
    },
    "sat.distribution": {"th": "การกระจายของคะแนน", "en": "Score distribution"},
    "sat.distribution_desc": {
        "th": "จำนวนผู้ตอบแต่ละคะแนน 1 ถึง 5: {counts}",
        "en": "How many answered each score from 1 to 5: {counts}",
    },
    "sat.trend": {"th": "แนวโน้มรายสัปดาห์", "en": "Week by week"},
    "sat.trend_mean_desc": {
        "th": "คะแนนเฉลี่ยรายสัปดาห์ (1-5) ตั้งแต่ {first} ถึง {last}",
        "en": "Mean score per week (1-5) from {first} to {last}",
    },
    "sat.trend_nps_desc": {
        "th": "NPS รายสัปดาห์ (-100 ถึง 100) ตั้งแต่ {first} ถึง {last}",
        "en": "Net Promoter Score per week (-100 to 100) from {first} to {last}",
    },
    "sat.week": {"th": "สัปดาห์ของ", "en": "Week of"},
    "sat.sent": {"th": "ส่ง", "en": "Sent"},
    "sat.answered": {"th": "ตอบ", "en": "Answered"},
    "sat.by_hospital": {"th": "แยกตามโรงพยาบาล", "en": "By hospital"},
    "sat.comments": {"th": "ความคิดเห็น", "en": "Comments"},
    "sat.no_comments": {"th": "ยังไม่มีความคิดเห็นในช่วงนี้", "en": "No comments in this range."},
    "sat.comments_hint": {
        "th": "ความคิดเห็นของผู้ที่ลบข้อมูลของตนแล้วจะไม่แสดง",
        "en": "Comments of patients who deleted their data are gone.",
    },
    "sat.csv": {"th": "ดาวน์โหลด CSV", "en": "Download CSV"},
    "sat.none": {"th": "ไม่มีข้อมูล", "en": "no data"},
    "sat.score": {"th": "คะแนน", "en": "Score"},
    "sat.recommend": {"th": "แนะนำต่อ (0-10)", "en": "Recommend (0-10)"},
    # Deliveries
    "del.title": {"th": "การส่งข้อความ", "en": "Deliveries"},
    "del.appointment": {"th": "รหัสนัดหมาย", "en": "Appointment id"},
    "del.queue": {"th": "หมายเลขคิว", "en": "Queue number"},
    "del.date": {"th": "วันนัด", "en": "Appointment date"},
    "del.any": {"th": "ทั้งหมด", "en": "any"},
    "del.search": {"th": "ค้นหา", "en": "Search"},
    "del.none": {"th": "ไม่พบข้อความ", "en": "No message found."},
    "del.due": {"th": "กำหนดส่ง", "en": "Due"},
    "del.sent_at": {"th": "ส่งเมื่อ", "en": "Sent"},
    "del.attempts": {"th": "ครั้งที่ส่ง", "en": "Attempts"},
    "del.last_error": {"th": "เหตุผลล่าสุด", "en": "Last reason"},
    "del.older": {"th": "เก่ากว่า →", "en": "Older →"},
    "del.newest": {"th": "← ล่าสุด", "en": "← Newest"},
    "del.message": {"th": "ข้อความ", "en": "Message"},
    "del.timeline": {"th": "ลำดับเหตุการณ์", "en": "Timeline"},
    "del.attempt": {"th": "ครั้งที่", "en": "Attempt"},
    "del.line_status": {"th": "คำตอบจาก LINE", "en": "LINE's answer"},
    "del.request_id": {"th": "รหัสคำขอ LINE", "en": "LINE request id"},
    "del.patient": {"th": "ผู้ป่วย", "en": "Patient"},
    "del.show_patient": {"th": "แสดงชื่อผู้ป่วย", "en": "Show the patient's name"},
    "del.show_patient_hint": {
        "th": "การดูชื่อผู้ป่วยจะถูกบันทึกไว้ในบันทึกการตรวจสอบ",
        "en": "Viewing the patient's name is recorded in the audit trail.",
    },
    "del.no_hospital": {"th": "ไม่ผูกกับโรงพยาบาล", "en": "no hospital"},
    "del.back": {"th": "← กลับไปรายการ", "en": "← Back to the list"},
    "ev.planned": {"th": "สร้างข้อความ", "en": "planned"},
    "ev.due": {"th": "ถึงกำหนดส่ง", "en": "due"},
    "ev.sent": {"th": "ส่งแล้ว", "en": "sent"},
    "ev.duplicate": {"th": "LINE ได้รับแล้วจากครั้งก่อน", "en": "LINE had it already"},
    "ev.retry": {"th": "ไม่สำเร็จ จะลองใหม่", "en": "failed, will retry"},
    "ev.rate_limited": {"th": "LINE ขอให้ช้าลง (429)", "en": "LINE said slow down (429)"},
    "ev.failed": {"th": "ไม่สำเร็จ", "en": "failed"},
    "ev.paused": {"th": "ช่อง LINE ถูกระงับ", "en": "LINE channel paused"},
    "ev.held": {"th": "พักไว้", "en": "held"},
    "ev.dropped": {"th": "ไม่ส่ง (เลยเวลา)", "en": "dropped"},
    "ev.cancelled": {"th": "ยกเลิก", "en": "cancelled"},
    "ev.waiting": {"th": "รอส่ง", "en": "waiting"},
    "ev.sending": {"th": "กำลังส่ง", "en": "sending"},
}
