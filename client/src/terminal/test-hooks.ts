/**
 * Opt-in hooks for browser tests. Nothing here runs unless the page defined
 * `window.__webtermTest` before the bundle loaded (Playwright's addInitScript does), so real
 * pages expose no terminal internals.
 */
import type { Terminal } from "@xterm/xterm";

/** What a test can read of one terminal. */
export interface TerminalProbe {
  sessionId: string;
  /** Every line of xterm's buffer, scrollback included, soft-wrapped lines joined. */
  lines(): string[];
  /** The end of the output handed to xterm: the offset a reconnect resumes from. */
  offset(): number;
  /** Bytes handed to xterm or queued for it that it has not parsed yet. */
  unparsedBytes(): number;
}

/** The registry a test defines on `window` before the page loads. */
export interface WebtermTestHooks {
  /**
   * Use xterm's DOM renderer: the rows on screen are then text in the DOM that a test can read,
   * as a person would, instead of pixels in a WebGL canvas.
   */
  domRenderer?: boolean;
  /** Filled by the page: one probe per open terminal. */
  terminals?: TerminalProbe[];
  /**
   * A token provider for the join page, which otherwise has only its link's token: lets a test
   * drive the panel's real renewal path (TerminalConnection's getToken) with short-lived tokens.
   */
  getToken?: () => Promise<string>;
}

/** The global a test defines before the page loads. */
export const TEST_HOOKS_GLOBAL = "__webtermTest";

/** The test registry, or null on a normal page. */
export function testHooks(): WebtermTestHooks | null {
  const hooks = (globalThis as { [TEST_HOOKS_GLOBAL]?: WebtermTestHooks })[TEST_HOOKS_GLOBAL];
  return hooks ?? null;
}

/** Registers a probe while a test is watching; returns the function that removes it. */
export function registerProbe(probe: TerminalProbe): () => void {
  const hooks = testHooks();
  if (!hooks) return () => {};
  const list = (hooks.terminals ??= []);
  list.push(probe);
  return () => {
    const at = list.indexOf(probe);
    if (at !== -1) list.splice(at, 1);
  };
}

/** Every line of the active buffer, with soft-wrapped rows joined into their logical line. */
export function bufferLines(terminal: Terminal): string[] {
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    const text = line.translateToString(false);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  return lines.map((line) => line.trimEnd());
}
