// The same call with Content-Type: application/json. The browser first sends a CORS
// preflight (OPTIONS), which MOPH Connect grants to the origin of your registered booking
// page (scheme://host:port); other origins are refused and the call is never sent.
async function sendQueueCard(mophConnectUrl, booking) {
  const regist = new URLSearchParams(location.search).get("regist");
  const response = await fetch(mophConnectUrl + "/queue", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ userId: regist, ...booking }),
  });
  const answer = await response.json();
  if (response.status !== 202) {
    throw new Error(`MOPH Connect ${response.status}: ${answer.detail}`);
  }
  return answer;
}
