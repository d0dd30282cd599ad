/** The small menu a command decoration opens: a few actions, closed by Escape, a click elsewhere or a choice. */
import type { IDisposable } from "@xterm/xterm";

/** One action of the menu. */
export interface MenuItem {
  label: string;
  /** Stable hook for tests (`data-action`). */
  action: string;
  run: () => void;
}

/**
 * Opens a menu of `items` under `anchor` (fixed to the window, so the panel's scrolling and
 * overflow do not clip it), inside `container` so it picks up the panel's styles. Focus moves to
 * its first item; `onClose` runs once, however it closes, told whether focus should go back to
 * the terminal (after a choice or Escape, not after a click elsewhere).
 */
export function openCommandMenu(
  container: HTMLElement,
  anchor: DOMRect,
  items: MenuItem[],
  onClose: (refocus: boolean) => void,
): IDisposable {
  const document = container.ownerDocument;
  const menu = document.createElement("div");
  menu.className = "terminal-command-menu";
  menu.setAttribute("role", "menu");
  menu.dataset.testid = "command-menu";
  menu.style.left = `${Math.round(anchor.right + 4)}px`;
  menu.style.top = `${Math.round(anchor.top)}px`;

  let closed = false;
  const close = (refocus: boolean): void => {
    if (closed) return;
    closed = true;
    document.removeEventListener("mousedown", onOutside, true);
    menu.remove();
    onClose(refocus);
  };
  const onOutside = (event: MouseEvent): void => {
    if (!menu.contains(event.target as Node)) close(false);
  };

  for (const item of items) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "terminal-command-menu__item";
    button.setAttribute("role", "menuitem");
    button.dataset.action = item.action;
    button.textContent = item.label;
    button.addEventListener("click", () => {
      close(true);
      item.run();
    });
    menu.append(button);
  }
  menu.addEventListener("keydown", (event) => {
    const buttons = [...menu.querySelectorAll("button")];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (event.key === "Escape") close(true);
    else if (event.key === "ArrowDown") buttons[(at + 1) % buttons.length]?.focus();
    else if (event.key === "ArrowUp") buttons[(at - 1 + buttons.length) % buttons.length]?.focus();
    else return;
    event.preventDefault();
    event.stopPropagation();
  });
  container.append(menu);
  // A menu that would hang below the window opens upwards instead.
  const box = menu.getBoundingClientRect();
  const view = document.defaultView;
  if (view && box.bottom > view.innerHeight) {
    menu.style.top = `${Math.max(0, Math.round(anchor.bottom - box.height))}px`;
  }
  document.addEventListener("mousedown", onOutside, true);
  menu.querySelector("button")?.focus();
  return { dispose: () => close(false) };
}
