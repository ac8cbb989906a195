/** True when a key press should be left to the focused field (typing) or an open dialog. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (!t || !t.tagName) return false;
  const tag = t.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (tag === "input") {
    const type = (t as HTMLInputElement).type;
    return !["checkbox", "radio", "button", "submit", "reset"].includes(type);
  }
  return t.isContentEditable;
}

export function modalOpen(): boolean {
  return document.querySelector('[aria-modal="true"]') !== null;
}

/** A plain shortcut key: no modifiers, not typing, no dialog open. */
export function plainShortcut(e: KeyboardEvent): boolean {
  return !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e) && !modalOpen() && !e.defaultPrevented;
}
