/** When a panel may take the keyboard by itself: never from a text field the person is typing in elsewhere. */

/**
 * Whether the page's focus is in a text field outside `panel` (an input, a textarea, a select, an
 * editable element): the person is typing there, and a terminal that took the focus would send
 * the rest of their keys to a shell.
 */
export function typingElsewhere(panel: Element | null): boolean {
  const active = panel?.ownerDocument.activeElement;
  if (!active || !panel || panel.contains(active)) return false;
  if ((active as HTMLElement).isContentEditable) return true;
  switch (active.tagName) {
    case "TEXTAREA":
    case "SELECT":
      return true;
    case "INPUT":
      return !NOT_TEXT.has((active as HTMLInputElement).type);
    default:
      return false;
  }
}

// Input types that take no typing: focus on them is left by a click, not a sign of typing.
const NOT_TEXT = new Set([
  "button",
  "submit",
  "reset",
  "checkbox",
  "radio",
  "image",
  "file",
  "color",
  "range",
  "hidden",
]);
