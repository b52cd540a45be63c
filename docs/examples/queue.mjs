// Send the queue card as soon as a booking is saved: POST {MOPH_CONNECT_URL}/queue.
// Node.js 18 or later (built-in fetch). The same body goes to /queue/schedule and /queue/notify.
// Run: MOPH_CONNECT_URL=https://mophconnect.go.th/test/api MOPH_CONNECT_KEY=mcp_test_...
//      MOPH_CONNECT_USER_ID=<regist> node queue.mjs

const BASE = process.env.MOPH_CONNECT_URL ?? "https://mophconnect.go.th/test/api";
const KEY = process.env.MOPH_CONNECT_KEY; // unset only for hospitals in legacy mode

async function mophConnectCall(path, body) {
  const headers = { "Content-Type": "application/json" };
  if (KEY) headers.Authorization = `Bearer ${KEY}`;
  const response = await fetch(BASE + path, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await response.json();
  if (response.status !== 202) {
    // application/problem+json: detail, errors[{field, reason}]
    throw new Error(`MOPH Connect ${response.status}: ${answer.detail}`);
  }
  for (const warning of answer.warnings) {
    console.error(`MOPH Connect warning: ${warning.field} ${warning.reason}`);
  }
  return answer;
}

// Bangkok is UTC+7 all year: 31 hours from now in UTC is tomorrow in Bangkok.
const tomorrow = new Date(Date.now() + 31 * 3600 * 1000).toISOString().slice(0, 10);
const answer = await mophConnectCall("/queue", {
  userId: process.env.MOPH_CONNECT_USER_ID, // saved from ?regist= at booking
  hospitalName: "โรงพยาบาลปทุมธานี",
  origin: "กระทรวงสาธารณสุข",
  queueNumber: "จุดคัดกรอง คิวที่ 1221",
  patientName: "นาย ประโยชน์ รุจิรา",
  appointmentDate: process.env.APPOINTMENT_DATE ?? tomorrow,
  appointmentTime: "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
  detailsLink: "http://pth.ddns.net/",
  currentQueueLink: "http://pth.ddns.net/",
});
console.log(JSON.stringify(answer, null, 2));
