/** Reading and driving the terminal panel of a page in a browser test: rows on screen, state, the test probe. */
import type { Page } from "playwright-core";
import type { CommandProbe } from "../../client/src/terminal/command-decorations.ts";
import {
  TEST_HOOKS_GLOBAL,
  type ScreenState,
  type ScrollState,
  type TerminalProbe,
  type WebtermTestHooks,
} from "../../client/src/terminal/test-hooks.ts";

/** The panel's root element (`data-state`, `data-role`, `data-session-id`). */
export const PANEL = '[data-testid="terminal-panel"]';

/**
 * The rows xterm shows on screen, as text (trailing blanks trimmed). Needs the DOM renderer,
 * which `newTestContext` turns on; with WebGL the rows are pixels.
 */
export async function screenRows(page: Page): Promise<string[]> {
  return page.$$eval(`${PANEL} .xterm-rows > div`, (rows) =>
    rows.map((row) => (row.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()),
  );
}

/** Waits until a row on screen reads exactly `text` (ignoring blanks around it). */
export async function waitForRow(page: Page, text: string, timeoutMs = 15_000): Promise<void> {
  await page
    .waitForFunction(
      ({ panel, wanted }) =>
        [...document.querySelectorAll(`${panel} .xterm-rows > div`)].some(
          (row) => (row.textContent ?? "").replace(/\u00a0/g, " ").trim() === wanted,
        ),
      { panel: PANEL, wanted: text },
      { timeout: timeoutMs },
    )
    .catch(async (error: Error) => {
      throw new Error(
        `no row reads ${JSON.stringify(text)}: ${error.message}\nscreen:\n${(await screenRows(page)).join("\n")}`,
      );
    });
}

/** Waits until the panel's `data-state` is `state` ("live", "waiting", …). */
export async function waitForPanelState(page: Page, state: string, timeoutMs = 15_000) {
  await page.waitForSelector(`${PANEL}[data-state="${state}"]`, { timeout: timeoutMs });
}

/** Clicks into the terminal and types `text` as keystrokes, then presses Enter. */
export async function typeLine(page: Page, text: string): Promise<void> {
  await page.click(`${PANEL} [data-testid="terminal-screen"]`);
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

/** What the page's first terminal probe reports (client/src/terminal/test-hooks.ts). */
export interface ProbeReading {
  sessionId: string;
  lines: string[];
  offset: number;
  unparsedBytes: number;
}

/** Reads the page's first terminal probe; null while no terminal is open. */
export async function readProbe(page: Page): Promise<ProbeReading | null> {
  return page.evaluate((name) => {
    const hooks = (globalThis as unknown as Record<string, WebtermTestHooks | undefined>)[name];
    const probe: TerminalProbe | undefined = hooks?.terminals?.[0];
    if (!probe) return null;
    return {
      sessionId: probe.sessionId,
      lines: probe.lines(),
      offset: probe.offset(),
      unparsedBytes: probe.unparsedBytes(),
    };
  }, TEST_HOOKS_GLOBAL);
}

/**
 * What the page's first terminal shows, cell attributes, cursor, buffer and modes included (the
 * probe's `screen()`); null while no terminal is open.
 */
export async function readScreen(page: Page): Promise<ScreenState | null> {
  return page.evaluate((name) => {
    const hooks = (globalThis as unknown as Record<string, WebtermTestHooks | undefined>)[name];
    return hooks?.terminals?.[0]?.screen() ?? null;
  }, TEST_HOOKS_GLOBAL);
}

/**
 * The commands the page's first terminal drew decorations for (the probe's `commands()`), oldest
 * first; null while no terminal is open.
 */
export async function readCommands(page: Page): Promise<CommandProbe[] | null> {
  return page.evaluate((name) => {
    const hooks = (globalThis as unknown as Record<string, WebtermTestHooks | undefined>)[name];
    return hooks?.terminals?.[0]?.commands() ?? null;
  }, TEST_HOOKS_GLOBAL);
}

/** Where the page's first terminal is scrolled to (the probe's `scroll()`); null while none is open. */
export async function readScroll(page: Page): Promise<ScrollState | null> {
  return page.evaluate((name) => {
    const hooks = (globalThis as unknown as Record<string, WebtermTestHooks | undefined>)[name];
    return hooks?.terminals?.[0]?.scroll() ?? null;
  }, TEST_HOOKS_GLOBAL);
}

/** Polls an async check until it returns something truthy; the timeout says what was awaited. */
export async function poll<T>(
  check: () => Promise<T | null | undefined | false>,
  what: string | (() => string),
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === "function" ? what() : what}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The centre of the last place `text` is shown on screen, in page coordinates; null if it is
 * not shown. Needs the DOM renderer. The last, so that a command's output wins over its echo.
 */
export async function textCenter(
  page: Page,
  text: string,
): Promise<{ x: number; y: number } | null> {
  return page.evaluate(
    ({ panel, wanted }) => {
      const rows = [...document.querySelectorAll(`${panel} .xterm-rows > div`)].reverse();
      for (const row of rows) {
        const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const content = (node.textContent ?? "").replace(/\u00a0/g, " ");
          const at = content.lastIndexOf(wanted);
          if (at === -1) continue;
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + wanted.length);
          const box = range.getBoundingClientRect();
          return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
        }
      }
      return null;
    },
    { panel: PANEL, wanted: text },
  );
}
