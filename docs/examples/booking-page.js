// On your booking page, in the patient's browser. MOPH Connect opened the page as
// ...?regist=<her MOPH Connect ID>; once your server has saved the booking, send the card.
// No key here: a web page cannot keep a secret. This works only for hospitals in legacy
// mode; with keys, call MOPH Connect from your server instead (queue.php, queue_card.py, ...).
async function sendQueueCard(mophConnectUrl, booking) {
  const regist = new URLSearchParams(location.search).get("regist");
  const response = await fetch(mophConnectUrl + "/queue", {
    method: "POST",
    // text/plain: a "simple" request, sent without a CORS preflight. The body is JSON all
    // the same (Thai as it is, UTF-8), and is read as JSON.
    headers: { "Content-Type": "text/plain;charset=UTF-8" },
    body: JSON.stringify({ userId: regist, ...booking }),
  });
  const answer = await response.json();
  if (response.status !== 202) {
    throw new Error(`MOPH Connect ${response.status}: ${answer.detail}`);
  }
  return answer; // appointmentId, messages, skipped, warnings
}
