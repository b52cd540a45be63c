"""Send the queue card as soon as a booking is saved: POST {MOPH_CONNECT_URL}/queue.

The same body goes to /queue/schedule (reminders) and /queue/notify (queue near).
Run: MOPH_CONNECT_URL=https://mophconnect.go.th/test/api MOPH_CONNECT_KEY=mcp_test_...
     MOPH_CONNECT_USER_ID=<regist> python3 queue_card.py    (pip install requests)
"""

import json
import os
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests

BASE = os.environ.get("MOPH_CONNECT_URL", "https://mophconnect.go.th/test/api")
KEY = os.environ.get("MOPH_CONNECT_KEY")  # unset only for hospitals in legacy mode


def moph_connect_call(path, body):
    headers = {"Authorization": f"Bearer {KEY}"} if KEY else {}
    response = requests.post(BASE + path, json=body, headers=headers, timeout=10)
    answer = response.json()
    if response.status_code != 202:  # application/problem+json
        raise RuntimeError(f"MOPH Connect {response.status_code}: {answer['detail']}")
    for warning in answer["warnings"]:  # accepted, but look at these
        print(f"MOPH Connect warning: {warning['field']} {warning['reason']}", file=sys.stderr)
    return answer


tomorrow = datetime.now(ZoneInfo("Asia/Bangkok")).date() + timedelta(days=1)
answer = moph_connect_call(
    "/queue",
    {
        "userId": os.environ["MOPH_CONNECT_USER_ID"],  # saved from ?regist= at booking
        "hospitalName": "โรงพยาบาลปทุมธานี",
        "origin": "กระทรวงสาธารณสุข",
        "queueNumber": "จุดคัดกรอง คิวที่ 1221",
        "patientName": "นาย ประโยชน์ รุจิรา",
        "appointmentDate": os.environ.get("APPOINTMENT_DATE", tomorrow.isoformat()),
        "appointmentTime": "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
        "detailsLink": "http://pth.ddns.net/",
        "currentQueueLink": "http://pth.ddns.net/",
    },
)
print(json.dumps(answer, ensure_ascii=False, indent=2))
