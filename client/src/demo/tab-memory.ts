/** The session this tab has open, kept in sessionStorage: a reload of the tab rejoins it, a new tab does not. */

/** sessionStorage key of the open session's id. */
const OPEN_SESSION_KEY = "webterm.openSession";

/** The session this tab had open before it was reloaded, or null. */
export function recalledSession(): string | null {
  try {
    return window.sessionStorage.getItem(OPEN_SESSION_KEY);
  } catch {
    return null; // Storage blocked: nothing to come back to.
  }
}

/** Remembers the open session (null: none is open any more). */
export function rememberSession(sessionId: string | null): void {
  try {
    if (sessionId) window.sessionStorage.setItem(OPEN_SESSION_KEY, sessionId);
    else window.sessionStorage.removeItem(OPEN_SESSION_KEY);
  } catch {
    // Storage blocked: a reload shows the list instead.
  }
}
