// Flex Message containers rendered as DOM, close enough to LINE to judge a design.
// Sizes follow LINE's Flex simulator. Message data is untrusted: text goes in through
// textContent, colours and lengths are checked against LINE's formats before they reach
// a style, and links and images are limited to safe schemes.

import { actionElement, bindAction, safeImageUrl } from "./actions.js";

const SPACING = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
const TEXT_SIZE = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
const IMAGE_SIZE = { xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, "3xl": 180, "4xl": 200, "5xl": 220 };
const BORDER_WIDTH = { none: 0, light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4 };
const BUBBLE_WIDTH = { nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 500 };
const JUSTIFY = new Set(["flex-start", "center", "flex-end", "space-between", "space-around", "space-evenly"]);
const ALIGN_ITEMS = new Set(["flex-start", "center", "flex-end"]);
const GRAVITY = { top: "flex-start", center: "center", bottom: "flex-end" };
const ALIGN = { start: "flex-start", center: "center", end: "flex-end" };
const TEXT_ALIGN = { start: "start", center: "center", end: "end" };

const PX = /^\d+(\.\d+)?px$/;
const PERCENT = /^\d+(\.\d+)?%$/;
const COLOR = /^#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
const ANGLE = /^-?\d+(\.\d+)?deg$/;

function el(tag, className) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  return element;
}

/** A CSS length from a LINE keyword (via `table`), "Npx", or (when allowed) "N%". */
function length(value, table, { percent = false } = {}) {
  if (typeof value !== "string") return null;
  if (table && Object.hasOwn(table, value)) return `${table[value]}px`;
  if (PX.test(value) || (percent && PERCENT.test(value))) return value;
  return null;
}

function color(value) {
  return typeof value === "string" && COLOR.test(value) ? value : null;
}

function setIf(style, property, value) {
  if (value !== null && value !== undefined) style[property] = value;
}

/** Render a Flex message's `contents` (bubble or carousel). */
export function renderFlex(contents, perform) {
  if (contents && contents.type === "carousel" && Array.isArray(contents.contents)) {
    const carousel = el("div", "fx-carousel");
    for (const bubble of contents.contents) carousel.append(renderBubble(bubble, perform, true));
    return carousel;
  }
  return renderBubble(contents, perform, false);
}

function renderBubble(bubble, perform, inCarousel) {
  const size = Object.hasOwn(BUBBLE_WIDTH, bubble?.size) ? bubble.size : "mega";
  const element = el("div", `fx-bubble fx-${size}`);
  element.style.width = inCarousel ? `min(${BUBBLE_WIDTH[size]}px, 80vw)` : `${BUBBLE_WIDTH[size]}px`;
  const rtl = bubble?.direction === "rtl";
  element.dir = rtl ? "rtl" : "ltr";
  const styles = bubble?.styles && typeof bubble.styles === "object" ? bubble.styles : {};
  const names = ["header", "hero", "body", "footer"].filter((name) => bubble?.[name]);
  names.forEach((name, index) => {
    const block = el("div", `fx-block fx-${name}`);
    if (name === "body" && names.includes("footer")) block.classList.add("fx-has-footer");
    const style = styles[name] && typeof styles[name] === "object" ? styles[name] : {};
    setIf(block.style, "backgroundColor", color(style.backgroundColor));
    if (index > 0 && style.separator === true) {
      block.style.borderTop = `1px solid ${color(style.separatorColor) ?? "#d4d6da"}`;
    }
    block.append(component(bubble[name], perform, { layout: "vertical", index: 0, rtl }));
    element.append(block);
  });
  if (bubble?.action) bindAction(element, bubble.action, perform);
  return element;
}

function component(node, perform, parent) {
  const type = node && typeof node === "object" ? node.type : undefined;
  let element;
  switch (type) {
    case "box": element = box(node, perform, parent); break;
    case "text": element = text(node, parent); break;
    case "image": element = image(node); break;
    case "icon": element = icon(node); break;
    case "button": element = button(node, perform); break;
    case "separator": element = separator(node); break;
    case "filler": element = el("div", "fx-filler"); break;
    case "spacer": element = spacer(node, parent); break;
    case "video": element = video(node, perform, parent); break;
    default:
      element = el("div", "fx-text");
      element.textContent = `[${String(type)}]`;
  }
  placeInParent(element, node ?? {}, type, parent);
  if (node?.action && ["box", "text", "image"].includes(type)) bindAction(element, node.action, perform);
  return element;
}

/** flex, margin (or the parent's spacing), position and offsets: how a child sits in its box. */
function placeInParent(element, node, type, parent) {
  const horizontal = parent.layout !== "vertical";
  const style = element.style;
  if (["icon", "spacer", "separator"].includes(type)) {
    style.flex = "none";
  } else if (Number.isInteger(node.flex) && node.flex >= 0) {
    if (node.flex === 0) style.flex = "none";
    else style.flex = horizontal ? `${node.flex} 0 0` : `${node.flex} 0 auto`;
  } else if (type === "filler" || horizontal) {
    style.flex = horizontal ? "1 0 0" : "1 0 auto";
  } else {
    style.flex = "none";
  }
  if (type === "box" && horizontal && node.width !== undefined && node.flex === undefined) style.flex = "none";
  const margin = length(node.margin, SPACING) ?? (parent.index > 0 && type !== "filler" ? parent.spacing : null);
  if (margin) {
    if (!horizontal) style.marginTop = margin;
    else style.marginInlineStart = margin;
  }
  if (node.position === "absolute") style.position = "absolute";
  setIf(style, "top", length(node.offsetTop, SPACING, { percent: true }));
  setIf(style, "bottom", length(node.offsetBottom, SPACING, { percent: true }));
  setIf(style, "insetInlineStart", length(node.offsetStart, SPACING, { percent: true }));
  setIf(style, "insetInlineEnd", length(node.offsetEnd, SPACING, { percent: true }));
}

function box(node, perform, parent) {
  const layout = ["horizontal", "vertical", "baseline"].includes(node.layout) ? node.layout : "vertical";
  const element = el("div", `fx-box fx-${layout}`);
  const style = element.style;
  setIf(style, "backgroundColor", color(node.backgroundColor));
  setIf(style, "borderColor", color(node.borderColor));
  const borderWidth = length(node.borderWidth, BORDER_WIDTH);
  if (borderWidth) {
    style.borderWidth = borderWidth;
    if (!color(node.borderColor)) style.borderColor = "#000000";
  }
  setIf(style, "borderRadius", length(node.cornerRadius, SPACING));
  setIf(style, "width", length(node.width, null, { percent: true }));
  setIf(style, "maxWidth", length(node.maxWidth, null, { percent: true }));
  setIf(style, "height", length(node.height, null, { percent: true }));
  setIf(style, "maxHeight", length(node.maxHeight, null, { percent: true }));
  const all = length(node.paddingAll, SPACING, { percent: true });
  if (all) style.padding = all;
  setIf(style, "paddingTop", length(node.paddingTop, SPACING, { percent: true }));
  setIf(style, "paddingBottom", length(node.paddingBottom, SPACING, { percent: true }));
  setIf(style, "paddingInlineStart", length(node.paddingStart, SPACING, { percent: true }));
  setIf(style, "paddingInlineEnd", length(node.paddingEnd, SPACING, { percent: true }));
  if (JUSTIFY.has(node.justifyContent)) style.justifyContent = node.justifyContent;
  if (ALIGN_ITEMS.has(node.alignItems)) style.alignItems = node.alignItems;
  const gradient = linearGradient(node.background);
  if (gradient) style.backgroundImage = gradient;
  const spacing = length(node.spacing, SPACING);
  const children = Array.isArray(node.contents) ? node.contents : [];
  children.forEach((child, index) => {
    element.append(component(child, perform, { layout, index, spacing, rtl: parent.rtl }));
  });
  return element;
}

function linearGradient(background) {
  if (!background || background.type !== "linearGradient") return null;
  const angle = ANGLE.test(background.angle ?? "") ? background.angle : "0deg";
  const start = color(background.startColor);
  const end = color(background.endColor);
  if (!start || !end) return null;
  const center = color(background.centerColor);
  const position = PERCENT.test(background.centerPosition ?? "") ? background.centerPosition : "50%";
  const stops = center ? `${start} 0%, ${center} ${position}, ${end} 100%` : `${start}, ${end}`;
  // LINE's 0deg points up, as CSS's does.
  return `linear-gradient(${angle}, ${stops})`;
}

function applyTextStyle(element, node) {
  const size = length(node.size, TEXT_SIZE);
  setIf(element.style, "fontSize", size);
  if (node.weight === "bold") element.style.fontWeight = "700";
  else if (node.weight === "regular") element.style.fontWeight = "400";
  setIf(element.style, "color", color(node.color));
  if (node.style === "italic") element.style.fontStyle = "italic";
  if (node.decoration === "underline" || node.decoration === "line-through") {
    element.style.textDecoration = node.decoration;
  }
}

function text(node, parent) {
  const element = el("div", "fx-text");
  const paragraph = el("p");
  applyTextStyle(element, node);
  if (node.wrap === true) element.classList.add("fx-wrap");
  if (Number.isInteger(node.maxLines) && node.maxLines > 0 && node.wrap === true) {
    element.classList.add("fx-clamp");
    paragraph.style.webkitLineClamp = String(node.maxLines);
  }
  const spacing = length(node.lineSpacing, null);
  if (spacing) paragraph.style.lineHeight = `calc(1.4em + ${spacing})`;
  if (Object.hasOwn(TEXT_ALIGN, node.align)) paragraph.style.textAlign = TEXT_ALIGN[node.align];
  if (parent.layout !== "baseline" && Object.hasOwn(GRAVITY, node.gravity)) {
    element.style.justifyContent = GRAVITY[node.gravity];
  }
  const spans = Array.isArray(node.contents) ? node.contents.filter((s) => s && s.type === "span") : [];
  if (spans.length > 0) {
    for (const span of spans) {
      const part = el("span", "fx-span");
      part.textContent = typeof span.text === "string" ? span.text : "";
      applyTextStyle(part, span);
      paragraph.append(part);
    }
  } else {
    paragraph.textContent = typeof node.text === "string" ? node.text : "";
  }
  element.append(paragraph);
  return element;
}

function ratio(value, fallback) {
  const match = typeof value === "string" ? /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(value) : null;
  if (!match || Number(match[1]) <= 0 || Number(match[2]) <= 0) return fallback;
  return Number(match[2]) / Number(match[1]); // height / width
}

function image(node) {
  const element = el("div", "fx-image");
  if (node.aspectMode === "cover") element.classList.add("fx-cover");
  if (Object.hasOwn(ALIGN, node.align)) element.style.alignItems = ALIGN[node.align];
  if (Object.hasOwn(GRAVITY, node.gravity)) element.style.justifyContent = GRAVITY[node.gravity];
  const frame = el("div", "fx-image-frame");
  frame.style.width = node.size === "full" ? "100%" : (length(node.size ?? "md", IMAGE_SIZE, { percent: true }) ?? "100px");
  frame.style.paddingBottom = `${ratio(node.aspectRatio, 1) * 100}%`;
  setIf(frame.style, "backgroundColor", color(node.backgroundColor));
  frame.append(picture(node.url));
  element.append(frame);
  return element;
}

function picture(url) {
  const src = safeImageUrl(url);
  if (!src) return el("div", "fx-broken");
  const img = el("img");
  img.alt = "";
  img.referrerPolicy = "no-referrer";
  img.loading = "lazy";
  img.src = src;
  return img;
}

function icon(node) {
  const element = el("img", "fx-icon");
  const height = length(node.size ?? "md", TEXT_SIZE) ?? "16px";
  element.style.height = height;
  element.style.width = `calc(${height} / ${ratio(node.aspectRatio, 1)})`;
  element.alt = "";
  element.referrerPolicy = "no-referrer";
  const src = safeImageUrl(node.url);
  if (src) element.src = src;
  return element;
}

function button(node, perform) {
  const style = ["primary", "secondary", "link"].includes(node.style) ? node.style : "link";
  const element = el("div", `fx-button fx-${style}`);
  if (node.height === "sm") element.classList.add("fx-sm");
  if (Object.hasOwn(GRAVITY, node.gravity)) element.style.justifyContent = GRAVITY[node.gravity];
  const label = el("span", "fx-label");
  label.textContent = typeof node.action?.label === "string" ? node.action.label : "";
  const control = actionElement(node.action, perform, { content: label, label: label.textContent });
  const tint = color(node.color);
  if (tint) {
    if (style === "link") control.style.color = tint;
    else control.style.backgroundColor = tint;
  }
  element.append(control);
  return element;
}

function separator(node) {
  const element = el("div", "fx-separator");
  setIf(element.style, "borderColor", color(node.color));
  return element;
}

function spacer(node, parent) {
  const element = el("div", "fx-spacer");
  const size = length(node.size ?? "md", SPACING) ?? "8px";
  if (parent.layout === "vertical") element.style.height = size;
  else element.style.width = size;
  return element;
}

function video(node, perform, parent) {
  if (node.altContent) return component(node.altContent, perform, parent);
  const element = el("div", "fx-video");
  const frame = el("div", "fx-image-frame");
  frame.style.width = "100%";
  frame.style.paddingBottom = `${ratio(node.aspectRatio, 9 / 16) * 100}%`;
  frame.append(picture(node.previewUrl));
  const play = el("div", "fx-play");
  play.textContent = "▶";
  frame.append(play);
  element.append(frame);
  return element;
}
