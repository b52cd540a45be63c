// The chat transcript: date separators in Thai, the bot on the left with its avatar,
// the user on the right, a time beside every message. Message data is untrusted and
// only ever reaches the page through textContent and checked attributes.

import { actionElement, safeImageUrl } from "./actions.js";
import { renderFlex } from "./flex.js";

const ZONE = "Asia/Bangkok";
const timeFormat = new Intl.DateTimeFormat("th-TH", {
  timeZone: ZONE, hour: "2-digit", minute: "2-digit", hour12: false,
});
const dateFormat = new Intl.DateTimeFormat("th-TH", {
  timeZone: ZONE, weekday: "short", day: "numeric", month: "short", year: "numeric",
});
const dayKeyFormat = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE });

function el(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

/** Appends entries to a transcript, remembering what it last showed to group messages. */
export class Transcript {
  constructor(container, { botName, perform }) {
    this.container = container;
    this.botName = botName;
    this.perform = perform;
    this.clear();
  }

  clear() {
    this.container.replaceChildren();
    this.lastDay = null;
    this.lastFrom = null;
    this.lastMessage = null;
  }

  append(entry) {
    const at = new Date(entry.at);
    const day = dayKeyFormat.format(at);
    if (day !== this.lastDay) {
      const separator = el("div", "date-separator");
      separator.append(el("span", "", dateFormat.format(at)));
      this.container.append(separator);
      this.lastDay = day;
      this.lastFrom = null;
    }
    const fromBot = entry.from === "bot";
    const row = el("div", `row-msg ${fromBot ? "from-bot" : "from-user"}`);
    row.dataset.seq = String(entry.seq);
    row.dataset.type = typeof entry.message?.type === "string" ? entry.message.type : "";
    const content = this.render(entry.message, fromBot);
    const withTime = el("div", "with-time");
    withTime.append(content, el("time", "time", timeFormat.format(at)));
    if (fromBot) {
      const first = this.lastFrom !== "bot";
      row.append(el("div", first ? "avatar" : "avatar hidden"));
      const column = el("div", "bot-column");
      if (first) column.append(el("div", "sender", this.botName));
      column.append(withTime);
      row.append(column);
    } else {
      row.append(withTime);
    }
    this.container.append(row);
    this.lastFrom = entry.from;
    this.lastMessage = fromBot ? entry.message : null;
    return row;
  }

  render(message, fromBot) {
    const type = message?.type;
    if (type === "text" || type === "textV2") return el("div", "bubble", String(message.text ?? ""));
    if (type === "flex") return renderFlex(message.contents, this.perform);
    if (type === "location") return location(message);
    if (type === "image") return imageMessage(message);
    if (type === "template") return template(message.template, this.perform, message.altText);
    if (type === "sticker") return el("div", "bubble note", "[สติกเกอร์]");
    const alt = typeof message?.altText === "string" ? message.altText : `[${String(type)}]`;
    return el("div", fromBot ? "bubble note" : "bubble", alt);
  }
}

function location(message) {
  const bubble = el("div", "bubble location-bubble");
  const map = el("div", "location-map", "●");
  map.setAttribute("aria-hidden", "true");
  const text = el("div", "location-text");
  if (typeof message.title === "string") text.append(el("b", "", message.title));
  if (typeof message.address === "string") text.append(el("span", "", message.address));
  const coords = `${Number(message.latitude).toFixed(4)}, ${Number(message.longitude).toFixed(4)}`;
  text.append(el("div", "location-coords", coords));
  bubble.append(map, text);
  return bubble;
}

function imageMessage(message) {
  const src = safeImageUrl(message.previewImageUrl ?? message.originalContentUrl);
  if (!src) return el("div", "bubble note", "[รูปภาพ]");
  const img = el("img", "image-message");
  img.alt = "";
  img.referrerPolicy = "no-referrer";
  img.src = src;
  return img;
}

function templateCard(column, perform, confirm) {
  const card = el("div", "template");
  const thumb = safeImageUrl(column.thumbnailImageUrl);
  if (thumb) {
    const img = el("img", "image-message");
    img.alt = "";
    img.referrerPolicy = "no-referrer";
    img.src = thumb;
    card.append(img);
  }
  if (typeof column.title === "string") card.append(el("div", "template-title", column.title));
  card.append(el("div", "template-text", String(column.text ?? "")));
  const actions = el("div", confirm ? "template-actions confirm" : "template-actions");
  for (const action of Array.isArray(column.actions) ? column.actions : []) {
    actions.append(actionElement(action, perform));
  }
  card.append(actions);
  return card;
}

function template(body, perform, altText) {
  if (!body || typeof body !== "object") return el("div", "bubble note", String(altText ?? ""));
  if (body.type === "buttons") return templateCard(body, perform, false);
  if (body.type === "confirm") return templateCard(body, perform, true);
  if (body.type === "carousel" && Array.isArray(body.columns)) {
    const row = el("div", "template-carousel");
    for (const column of body.columns) row.append(templateCard(column, perform, false));
    return row;
  }
  return el("div", "bubble note", String(altText ?? `[${String(body.type)}]`));
}
