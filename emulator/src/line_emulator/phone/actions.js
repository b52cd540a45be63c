// LINE action objects as tappable elements. A URI action becomes a real link that opens
// in a new tab; everything else calls `perform(action)`, which the page supplies.
// Actions the emulator cannot play (camera, date pickers) are shown disabled.

const LINKABLE_SCHEMES = new Set(["http:", "https:", "tel:", "mailto:"]);
const UNSUPPORTED = new Set(["camera", "cameraRoll", "datetimepicker"]);

/** The URI if a browser may open it from a message (never javascript: or data:). */
export function safeUri(uri) {
  if (typeof uri !== "string" || uri === "") return null;
  try {
    const url = new URL(uri);
    return LINKABLE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** An http(s) URL for an <img>, or null. */
export function safeImageUrl(uri) {
  const url = safeUri(uri);
  return url !== null && /^https?:/.test(url) ? url : null;
}

export function actionLabel(action) {
  if (action && typeof action.label === "string" && action.label !== "") return action.label;
  if (action && action.type === "message" && typeof action.text === "string") return action.text;
  return "";
}

function disable(element, reason) {
  element.setAttribute("aria-disabled", "true");
  element.classList.add("disabled");
  element.title = reason;
  if (element instanceof HTMLButtonElement) element.disabled = true;
}

function usable(action) {
  if (!action || typeof action !== "object" || typeof action.type !== "string") {
    return "This action is not valid";
  }
  if (UNSUPPORTED.has(action.type)) return `The emulator cannot play a ${action.type} action`;
  if (action.type === "uri" && safeUri(action.uri) === null) return "This link cannot be opened here";
  return null;
}

/**
 * A <a> (URI actions) or <button> for an action, labelled with `label`.
 * `content` is an optional node to show instead of the plain label.
 */
export function actionElement(action, perform, { className = "", label, content } = {}) {
  const shown = label ?? actionLabel(action);
  const problem = usable(action);
  let element;
  if (!problem && action.type === "uri") {
    element = document.createElement("a");
    element.href = safeUri(action.uri);
    element.target = "_blank";
    element.rel = "noopener noreferrer";
  } else {
    element = document.createElement("button");
    element.type = "button";
  }
  if (className) element.className = className;
  if (content) element.append(content);
  else element.textContent = shown;
  if (shown) element.setAttribute("aria-label", shown);
  element.dataset.actionType = action && typeof action.type === "string" ? action.type : "";
  if (problem) {
    disable(element, problem);
    return element;
  }
  if (action.type !== "uri") {
    element.addEventListener("click", (event) => {
      event.preventDefault();
      perform(action, element);
    });
  }
  return element;
}

/** Make a non-button component (box, text, image) tappable. */
export function bindAction(element, action, perform) {
  const problem = usable(action);
  element.classList.add("fx-actionable");
  element.tabIndex = 0;
  element.setAttribute("role", action && action.type === "uri" ? "link" : "button");
  const label = actionLabel(action);
  if (label) element.setAttribute("aria-label", label);
  if (problem) {
    disable(element, problem);
    return;
  }
  const run = (event) => {
    event.preventDefault();
    event.stopPropagation();
    if (action.type === "uri") window.open(safeUri(action.uri), "_blank", "noopener,noreferrer");
    else perform(action, element);
  };
  element.addEventListener("click", run);
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") run(event);
  });
}
