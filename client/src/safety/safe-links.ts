/** Opening links from terminal output: http(s) only, and only after the person confirms. */

/** What opening a link needs from the browser; injectable for tests. */
export interface LinkOpener {
  confirm: (message: string) => boolean;
  open: (url: string) => void;
}

/** The parsed URL if `text` is an http or https URL; null for anything else (javascript:, file:, data:…). */
export function safeLinkUrl(text: string): URL | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url : null;
}

/**
 * Opens `text` in a new tab if it is an http(s) URL and the person confirms; output is
 * untrusted, so the full address is shown first. Returns whether it opened.
 */
export function openLinkSafely(text: string, opener: LinkOpener = browserOpener()): boolean {
  const url = safeLinkUrl(text);
  if (!url) return false;
  if (!opener.confirm(`Open this link from the terminal in a new tab?\n\n${url.href}`))
    return false;
  opener.open(url.href);
  return true;
}

function browserOpener(): LinkOpener {
  return {
    confirm: (message) => window.confirm(message),
    // noopener: the opened page gets no handle on this window (and so none on the terminal).
    open: (url) => void window.open(url, "_blank", "noopener,noreferrer"),
  };
}
