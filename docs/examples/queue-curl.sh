#!/bin/sh
# Send the queue card with the curl command. -d sends the body as
# application/x-www-form-urlencoded (curl's default): MOPH Connect still reads it as JSON,
# and says so in the answer's warnings. Add -H 'Content-Type: application/json' to be exact.
set -eu
BASE=${MOPH_CONNECT_URL:-https://mophconnect.go.th/test/api}
DATE=${APPOINTMENT_DATE:-$(TZ=Asia/Bangkok date -d tomorrow +%F)}

curl -sS --max-time 10 --fail-with-body \
  -H "Authorization: Bearer $MOPH_CONNECT_KEY" \
  -d '{
    "userId": "'"$MOPH_CONNECT_USER_ID"'",
    "hospitalName": "โรงพยาบาลปทุมธานี",
    "origin": "กระทรวงสาธารณสุข",
    "queueNumber": "จุดคัดกรอง คิวที่ 1221",
    "patientName": "นาย ประโยชน์ รุจิรา",
    "appointmentDate": "'"$DATE"'",
    "appointmentTime": "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
    "detailsLink": "http://pth.ddns.net/",
    "currentQueueLink": "http://pth.ddns.net/"
  }' \
  "$BASE/queue"
echo
