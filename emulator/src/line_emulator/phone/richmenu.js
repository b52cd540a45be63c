// The rich menu a user sees: its image across the bottom of the chat, each area a tappable
// region over it (positioned in percent of the menu's size), toggled by the chat bar.

import { actionElement } from "./actions.js";
import { api } from "./api.js";

export class RichMenu {
  constructor(container, chatBar, perform) {
    this.container = container;
    this.chatBar = chatBar;
    this.perform = perform;
    this.menuId = null;
    chatBar.addEventListener("click", () => this.toggle());
  }

  /** Show `menu` (a rich menu response object), or nothing when null. */
  show(menu) {
    this.menuId = menu ? menu.richMenuId : null;
    this.container.replaceChildren();
    if (!menu) {
      this.container.hidden = true;
      this.chatBar.hidden = true;
      return;
    }
    const { width, height } = menu.size;
    const image = document.createElement("img");
    image.src = api.richMenuImageUrl(menu.richMenuId);
    image.alt = menu.chatBarText;
    image.width = width;
    image.height = height;
    this.container.append(image);
    (Array.isArray(menu.areas) ? menu.areas : []).forEach((area, index) => {
      const label = typeof area.action?.label === "string" && area.action.label ? area.action.label : `area ${index + 1}`;
      const element = actionElement(area.action, this.perform, { className: "richmenu-area", label });
      element.textContent = "";
      element.dataset.area = String(index);
      const { x, y, width: w, height: h } = area.bounds;
      element.style.left = `${(x / width) * 100}%`;
      element.style.top = `${(y / height) * 100}%`;
      element.style.width = `${(w / width) * 100}%`;
      element.style.height = `${(h / height) * 100}%`;
      this.container.append(element);
    });
    this.chatBar.textContent = menu.chatBarText;
    this.chatBar.hidden = false;
    this.setOpen(menu.selected === true);
  }

  setOpen(open) {
    if (this.menuId === null) return;
    this.container.hidden = !open;
    this.chatBar.setAttribute("aria-expanded", String(open));
  }

  toggle() {
    this.setOpen(this.container.hidden);
  }
}
