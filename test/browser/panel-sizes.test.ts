/** Two writers with windows of different sizes share one session: it takes the smaller one's size, neither panel clips the prompt, the bigger shows a margin with a note, and it grows to its panel once the smaller leaves. */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchChromium } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { joinInBrowser, openSession } from "../harness/join-page.ts";
import { PANEL, poll, readScreen, typeLine, waitForRow } from "../harness/terminal-page.ts";

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
}, 90_000);
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await stack?.stop();
});

/** The fit addon leaves room for xterm's scrollbar right of the last column (px, with slack). */
const SCROLLBAR_PX = 16;

/** Whether the terminal fills its panel: less than a cell to spare each way, the scrollbar aside. */
const fills = (fit: Fit) =>
  fit.spareWidth < fit.cellWidth + SCROLLBAR_PX && fit.spareHeight < fit.cellHeight;

/** Where the cursor's row and the last column are, against the panel's visible viewport. */
interface Fit {
  cols: number;
  rows: number;
  /** The cursor row's bottom and the last column's right edge are inside the visible viewport. */
  cursorRowVisible: boolean;
  lastColumnVisible: boolean;
  /** Pixels of the viewport left over right of and below the terminal. */
  spareWidth: number;
  spareHeight: number;
  /** One cell, in pixels. */
  cellWidth: number;
  cellHeight: number;
}

async function measure(page: Page): Promise<Fit> {
  const screen = await readScreen(page);
  if (!screen) throw new Error("no terminal");
  const boxes = await page.evaluate((panel) => {
    const viewport = document.querySelector(`${panel} .terminal-panel__viewport`)!;
    const xterm = document.querySelector(`${panel} .xterm-screen`)!;
    const v = viewport.getBoundingClientRect();
    const x = xterm.getBoundingClientRect();
    // The visible area: the viewport's box without its scrollbars and borders.
    const visible = {
      right: v.left + viewport.clientLeft + viewport.clientWidth,
      bottom: v.top + viewport.clientTop + viewport.clientHeight,
    };
    return { visible, screen: { left: x.left, top: x.top, width: x.width, height: x.height } };
  }, PANEL);
  const cellWidth = boxes.screen.width / screen.cols;
  const cellHeight = boxes.screen.height / screen.rows;
  const cursorBottom = boxes.screen.top + (screen.cursor.y + 1) * cellHeight;
  const lastRight = boxes.screen.left + screen.cols * cellWidth;
  return {
    cols: screen.cols,
    rows: screen.rows,
    cursorRowVisible: cursorBottom <= boxes.visible.bottom + 0.5,
    lastColumnVisible: lastRight <= boxes.visible.right + 0.5,
    spareWidth: boxes.visible.right - lastRight,
    spareHeight: boxes.visible.bottom - (boxes.screen.top + boxes.screen.height),
    cellWidth,
    cellHeight,
  };
}

const note = (page: Page) =>
  page.$(`${PANEL} [data-testid="terminal-size-note"]`).then((e) => e?.textContent() ?? null);

it("the bigger writer never clips the smaller one's prompt, shows a margin with a note, and grows to its panel once the smaller leaves", async () => {
  await stack.waitForRunner(30_000);
  const session = await openSession(stack, "echo sized-$((5*5))");
  const big = await joinInBrowser(browser, session.url, { width: 1280, height: 800 });
  contexts.push(big.context);
  await waitForRow(big.page, "sized-25");
  // Alone, the big writer's terminal fills its panel (less than one cell to spare each way).
  await poll(async () => fills(await measure(big.page)), "the big panel filled", 15_000);
  const alone = await measure(big.page);

  const small = await joinInBrowser(browser, session.url, { width: 700, height: 420 });
  contexts.push(small.context);
  // The small writer's panel decides: both show its size.
  await poll(
    async () => {
      const [s, b] = [await measure(small.page), await measure(big.page)];
      return s.cols === b.cols && s.rows === b.rows && s.cols < alone.cols && s.rows < alone.rows;
    },
    "both at the small panel's size",
    15_000,
  );
  // Lines typed by either writer land on the same shell; the prompt stays in view on both.
  await typeLine(small.page, "echo from-small-$((1+1))");
  await waitForRow(big.page, "from-small-2");
  await typeLine(big.page, "echo from-big-$((2+2))");
  await waitForRow(small.page, "from-big-4");
  for (const page of [small.page, big.page]) {
    const fit = await measure(page);
    expect(fit.cursorRowVisible).toBe(true);
    expect(fit.lastColumnVisible).toBe(true);
  }
  // The small panel is filled; the big one has a margin, marked and explained.
  const smallFit = await measure(small.page);
  expect(fills(smallFit)).toBe(true);
  expect(await note(small.page)).toBeNull();
  const bigFit = await measure(big.page);
  expect(bigFit.spareWidth).toBeGreaterThan(10 * bigFit.cellWidth);
  expect(bigFit.spareHeight).toBeGreaterThan(5 * bigFit.cellHeight);
  expect(await note(big.page)).toBe(
    `sized to the smallest writer: ${smallFit.cols}x${smallFit.rows}`,
  );
  expect(await big.page.getAttribute(`${PANEL} .terminal-panel__viewport`, "data-sized-down")).toBe(
    "true",
  );

  await small.context.close();
  await poll(
    async () => {
      const b = await measure(big.page);
      return b.cols === alone.cols && b.rows === alone.rows;
    },
    "the big panel's own size again",
    15_000,
  );
  expect(await note(big.page)).toBeNull();
  const grown = await measure(big.page);
  expect(fills(grown)).toBe(true);
  expect(grown.cursorRowVisible && grown.lastColumnVisible).toBe(true);
}, 120_000);
