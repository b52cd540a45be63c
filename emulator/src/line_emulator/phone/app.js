// The phone page: choose a channel and a simulated user, watch their chat (a long-poll
// on the control API), and act as they would: type, tap buttons, quick replies and the
// rich menu, share a location. Every action goes through the control API, which sends
// our service the webhook LINE would.

import { actionElement, safeImageUrl } from "./actions.js";
import { ApiError, api } from "./api.js";
import { Transcript } from "./chat.js";
import { RichMenu } from "./richmenu.js";

const WAIT_SECONDS = 20;
const LOCATION_PRESETS = [
  { label: "รพ.ปทุมธานี", title: "โรงพยาบาลปทุมธานี", address: "7 ถนนปทุมธานี-สามโคก ตำบลบางปรอก อำเภอเมืองปทุมธานี ปทุมธานี", latitude: 14.0208, longitude: 100.525 },
  { label: "กระทรวงสาธารณสุข", title: "กระทรวงสาธารณสุข", address: "ถนนติวานนท์ ตำบลตลาดขวัญ อำเภอเมืองนนทบุรี นนทบุรี", latitude: 13.8503, longitude: 100.5268 },
  { label: "รพ.ราชวิถี", title: "โรงพยาบาลราชวิถี", address: "2 ถนนพญาไท แขวงทุ่งพญาไท เขตราชเทวี กรุงเทพมหานคร", latitude: 13.7659, longitude: 100.5366 },
  { label: "เชียงใหม่", title: "โรงพยาบาลนครพิงค์", address: "อำเภอแม่ริม เชียงใหม่", latitude: 18.8503, longitude: 98.9633 },
];

const $ = (id) => document.getElementById(id);

const page = {
  channels: new Map(),
  channel: null,
  userId: null,
  following: true,
  seq: 0,
  generation: null,
  poll: null,
  richMenuId: undefined,
};

function status(message, ok = false) {
  $("status").textContent = message;
  $("status").classList.toggle("ok", ok);
}

function report(error) {
  if (error?.name === "AbortError") return;
  status(error instanceof ApiError ? `${error.status}: ${error.message}` : String(error));
}

async function perform(action) {
  if (!page.userId) return;
  hideQuickReplies();
  try {
    switch (action.type) {
      case "message":
        await api.text(page.userId, String(action.text ?? ""));
        break;
      case "postback": {
        const body = { data: String(action.data ?? "") };
        if (typeof action.displayText === "string" && action.displayText) body.displayText = action.displayText;
        else if (typeof action.text === "string" && action.text) body.displayText = action.text;
        await api.postback(page.userId, body);
        if (action.inputOption === "openRichMenu") richMenu.setOpen(true);
        if (action.inputOption === "closeRichMenu") richMenu.setOpen(false);
        if (action.inputOption === "openKeyboard") {
          $("text").value = typeof action.fillInText === "string" ? action.fillInText : "";
          $("text").focus();
        }
        break;
      }
      case "richmenuswitch":
        // Aliases are not emulated: LINE then reports the alias as not found.
        await api.postback(page.userId, {
          data: String(action.data ?? ""),
          params: { newRichMenuAliasId: String(action.richMenuAliasId ?? ""), status: "RICHMENU_ALIAS_ID_NOTFOUND" },
        });
        break;
      case "location":
        openLocationForm();
        break;
      case "clipboard":
        await navigator.clipboard?.writeText(String(action.clipboardText ?? ""));
        status("Copied", true);
        break;
      default:
        status(`The emulator cannot play a ${action.type} action`);
    }
  } catch (error) {
    report(error);
  }
}

const transcript = new Transcript($("chat"), { botName: "MOPH Connect", perform });
const richMenu = new RichMenu($("richmenu"), $("chat-bar"), perform);

// Quick replies belong to the latest message while it is the latest.

function hideQuickReplies() {
  $("quick-replies").hidden = true;
  $("quick-replies").replaceChildren();
}

function showQuickReplies(message) {
  hideQuickReplies();
  const items = message?.quickReply?.items;
  if (!Array.isArray(items) || items.length === 0) return;
  for (const item of items) {
    const action = item?.action;
    let content;
    const icon = safeImageUrl(item?.imageUrl);
    if (icon) {
      content = document.createElement("span");
      const img = document.createElement("img");
      img.alt = "";
      img.referrerPolicy = "no-referrer";
      img.src = icon;
      content.append(img, document.createTextNode(String(action?.label ?? "")));
    }
    $("quick-replies").append(actionElement(action, perform, { className: "quick-reply", content }));
  }
  $("quick-replies").hidden = false;
}

// The chat feed: a long-poll that returns at once when there is something new.

function render(feed) {
  if (feed.generation !== page.generation) {
    transcript.clear();
    page.seq = 0;
    page.generation = feed.generation;
  }
  if (feed.entries.length === 0 && page.seq === 0 && $("chat").childElementCount === 0) {
    const empty = document.createElement("p");
    empty.className = "chat-empty";
    empty.textContent = "ยังไม่มีข้อความ (no messages yet)";
    $("chat").append(empty);
  }
  const fresh = feed.entries.filter((entry) => entry.seq > page.seq);
  if (fresh.length > 0) {
    $("chat").querySelector(".chat-empty")?.remove();
    for (const entry of fresh) transcript.append(entry);
    page.seq = fresh[fresh.length - 1].seq;
    showQuickReplies(transcript.lastMessage);
    $("chat").scrollTop = $("chat").scrollHeight;
  }
  page.following = feed.following;
  $("block").disabled = !feed.following;
  $("unblock").disabled = feed.following;
  document.querySelector(".phone").classList.toggle("disabled", !feed.following);
  $("user-state").textContent = feed.following ? "" : "This user has blocked the account.";
  if (feed.richMenuId !== page.richMenuId) {
    page.richMenuId = feed.richMenuId;
    loadRichMenu().catch(report);
  }
}

async function loadRichMenu() {
  if (!page.richMenuId) {
    richMenu.show(null);
    return;
  }
  try {
    const shown = await api.richMenu(page.userId);
    richMenu.show(shown.richMenu);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) richMenu.show(null);
    else throw error;
  }
}

async function follow(userId) {
  const controller = new AbortController();
  page.poll?.abort();
  page.poll = controller;
  let wait = 0;
  while (!controller.signal.aborted && page.userId === userId) {
    try {
      const feed = await api.chat(userId, { after: page.seq, generation: page.generation, wait }, controller.signal);
      if (page.userId !== userId) return;
      render(feed);
      wait = WAIT_SECONDS;
    } catch (error) {
      if (controller.signal.aborted) return;
      report(error);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// Channels and users

function selectUser(userId) {
  page.poll?.abort();
  page.userId = userId || null;
  page.seq = 0;
  page.generation = null;
  page.richMenuId = undefined;
  transcript.clear();
  hideQuickReplies();
  richMenu.show(null);
  const option = [...$("user").options].find((o) => o.value === userId);
  $("topbar-user").textContent = option && userId ? option.textContent : "";
  $("text").disabled = !page.userId;
  location.hash = page.userId ? `#/${page.channel}/${page.userId}` : `#/${page.channel}`;
  if (page.userId) follow(page.userId);
}

async function loadUsers(selected) {
  const { users } = await api.users(page.channel);
  const select = $("user");
  select.replaceChildren(new Option("— เลือกผู้ใช้ (pick a user) —", ""));
  for (const user of users) {
    const label = `${user.displayName}${user.language ? ` (${user.language})` : ""}${user.following ? "" : " · blocked"}`;
    select.append(new Option(label, user.userId));
  }
  select.value = users.some((u) => u.userId === selected) ? selected : "";
  selectUser(select.value);
}

async function selectChannel(name, user) {
  page.channel = page.channels.has(name) ? name : [...page.channels.keys()][0];
  $("channel").value = page.channel;
  const botName = page.channels.get(page.channel).botDisplayName;
  $("bot-name").textContent = botName;
  transcript.botName = botName;
  await loadUsers(user);
}

// Composer and location form

function openLocationForm() {
  $("location-form").hidden = false;
  $("lat").focus();
}

function setUpLocationForm() {
  for (const preset of LOCATION_PRESETS) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = preset.label;
    button.addEventListener("click", () => {
      $("lat").value = preset.latitude;
      $("lng").value = preset.longitude;
      $("loc-title").value = preset.title;
      $("loc-address").value = preset.address;
    });
    $("location-presets").append(button);
  }
  $("location-button").addEventListener("click", () => {
    $("location-form").hidden = !$("location-form").hidden;
  });
  $("cancel-location").addEventListener("click", () => { $("location-form").hidden = true; });
  $("location-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!page.userId) return;
    const body = { latitude: Number($("lat").value), longitude: Number($("lng").value) };
    if ($("loc-title").value.trim()) body.title = $("loc-title").value.trim();
    if ($("loc-address").value.trim()) body.address = $("loc-address").value.trim();
    try {
      hideQuickReplies();
      await api.location(page.userId, body);
      $("location-form").hidden = true;
    } catch (error) {
      report(error);
    }
  });
}

function setUpControls() {
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("text").value;
    if (!page.userId || !text.trim()) return;
    try {
      hideQuickReplies();
      await api.text(page.userId, text);
      $("text").value = "";
    } catch (error) {
      report(error);
    }
  });
  $("channel").addEventListener("change", () => selectChannel($("channel").value, null).catch(report));
  $("user").addEventListener("change", () => selectUser($("user").value));
  $("new-user").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const created = await api.createUser(page.channel, $("new-name").value.trim(), $("new-language").value);
      $("new-name").value = "";
      status(`Added ${created.userId} (webhook ${created.webhookStatus ?? "not delivered"})`, true);
      await loadUsers(created.userId);
    } catch (error) {
      report(error);
    }
  });
  $("block").addEventListener("click", () => api.unfollow(page.userId).then(() => loadUsers(page.userId)).catch(report));
  $("unblock").addEventListener("click", () => api.follow(page.userId).then(() => loadUsers(page.userId)).catch(report));
}

async function start() {
  setUpControls();
  setUpLocationForm();
  $("text").disabled = true;
  const { channels } = await api.channels();
  for (const channel of channels) {
    page.channels.set(channel.name, channel);
    $("channel").append(new Option(`${channel.name} · ${channel.botDisplayName}`, channel.name));
  }
  const [, channel, user] = location.hash.split("/");
  await selectChannel(channel, user);
  document.body.dataset.ready = "true";
}

start().catch(report);
