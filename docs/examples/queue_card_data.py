"""Existing code that posts the JSON with data= and no Content-Type keeps working.

requests then sends no Content-Type header at all; MOPH Connect reads the body as JSON and
says so in the answer's warnings. Keep json.dumps()'s default (Thai as \\uXXXX escapes):
with ensure_ascii=False, add .encode(), or requests counts the Content-Length in characters
instead of bytes and the body arrives cut short. New code: json=body (see queue_card.py).
"""

import json
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

BASE = os.environ.get("MOPH_CONNECT_URL", "https://mophconnect.go.th/test/api")
KEY = os.environ.get("MOPH_CONNECT_KEY")  # unset only for hospitals in legacy mode
tomorrow = datetime.now(ZoneInfo("Asia/Bangkok")).date() + timedelta(days=1)

body = {
    "userId": os.environ["MOPH_CONNECT_USER_ID"],
    "hospitalName": "โรงพยาบาลปทุมธานี",
    "origin": "กระทรวงสาธารณสุข",
    "queueNumber": "จุดคัดกรอง คิวที่ 1221",
    "patientName": "นาย ประโยชน์ รุจิรา",
    "appointmentDate": os.environ.get("APPOINTMENT_DATE", tomorrow.isoformat()),
    "appointmentTime": "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
    "detailsLink": "http://pth.ddns.net/",
    "currentQueueLink": "http://pth.ddns.net/",
}
headers = {"Authorization": f"Bearer {KEY}"} if KEY else {}
response = requests.post(BASE + "/queue", data=json.dumps(body), headers=headers, timeout=10)
print(response.status_code, response.text)
raise SystemExit(0 if response.status_code == 202 else 1)
