// The emulator's control API, by URLs relative to this page: the page works at the
// emulator's root and mounted below another app's path alike.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body, signal) {
  const init = { method, signal, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, typeof data.message === "string" ? data.message : response.statusText);
  }
  return data;
}

const user = (id) => `control/users/${encodeURIComponent(id)}`;

export const api = {
  channels: () => call("GET", "control/channels"),
  users: (channel) => call("GET", `control/channels/${encodeURIComponent(channel)}/users`),
  createUser: (channel, displayName, language) =>
    call("POST", `control/channels/${encodeURIComponent(channel)}/users`, { displayName, language }),
  text: (id, text) => call("POST", `${user(id)}/text`, { text }),
  location: (id, location) => call("POST", `${user(id)}/location`, location),
  postback: (id, body) => call("POST", `${user(id)}/postback`, body),
  follow: (id) => call("POST", `${user(id)}/follow`),
  unfollow: (id) => call("POST", `${user(id)}/unfollow`),
  richMenu: (id) => call("GET", `${user(id)}/richmenu`),
  chat: (id, { after, generation, wait }, signal) => {
    const query = new URLSearchParams({ after: String(after), wait: String(wait) });
    if (generation !== null) query.set("generation", String(generation));
    return call("GET", `${user(id)}/chat?${query}`, undefined, signal);
  },
  richMenuImageUrl: (richMenuId) => `control/richmenus/${encodeURIComponent(richMenuId)}/content`,
};
