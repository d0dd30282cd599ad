/** How the panel looks in Chromium on the real stack: light or dark as the system prefers (live), and searching the scrollback. */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, newTestContext } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { mintJoinUrl, openSession } from "../harness/join-page.ts";
import { PANEL, poll, readProbe, waitForPanelState } from "../harness/terminal-page.ts";

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function openPage(url: string, colorScheme: "light" | "dark"): Promise<Page> {
  const context = await newTestContext(browser);
  contexts.push(context);
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme });
  await page.goto(url);
  await waitForPanelState(page, "live");
  return page;
}

/** The colours on screen: the page's, the panel's bar, the terminal's. */
async function colours(page: Page) {
  return page.evaluate((panel) => {
    const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
    return {
      scheme: document.querySelector(panel)!.getAttribute("data-scheme"),
      page: style("body").backgroundColor,
      bar: style('[data-testid="terminal-status"]').backgroundColor,
      terminal: style(`${panel} .xterm-scrollable-element`).backgroundColor,
      text: style(`${panel} .xterm-rows`).color,
    };
  }, PANEL);
}

describe("colour scheme", () => {
  it("follows the system's light preference, and switches live when it changes to dark and back", async () => {
    const session = await openSession(stack, null);
    const page = await openPage(session.url, "light");
    expect(await colours(page)).toEqual({
      scheme: "light",
      page: "rgb(246, 248, 250)",
      bar: "rgb(246, 248, 250)",
      terminal: "rgb(255, 255, 255)",
      text: "rgb(31, 35, 40)",
    });
    await page.emulateMedia({ colorScheme: "dark" });
    await poll(
      async () => (await colours(page)).terminal === "rgb(13, 17, 23)",
      "the dark terminal",
    );
    expect(await colours(page)).toEqual({
      scheme: "dark",
      page: "rgb(10, 13, 18)",
      bar: "rgb(22, 27, 34)",
      terminal: "rgb(13, 17, 23)",
      text: "rgb(214, 222, 235)",
    });
    await page.emulateMedia({ colorScheme: "light" });
    await poll(async () => (await colours(page)).terminal === "rgb(255, 255, 255)", "light again");
  });
});

/** Opens the search box with the key, types `term`, and returns the count it shows. */
async function searchFor(page: Page, key: string, term: string): Promise<string> {
  await page.click(`${PANEL} [data-testid="terminal-screen"]`);
  await page.keyboard.press(key);
  await page.waitForSelector('[data-testid="terminal-search-input"]');
  expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe(
    "terminal-search-input",
  );
  await page.keyboard.type(term);
  return poll(async () => {
    const count = await page.textContent('[data-testid="terminal-search-count"]');
    return count && /^\d+ of \d+$/.test(count) ? count : null;
  }, "a count");
}

async function count(page: Page): Promise<string> {
  return (await page.textContent('[data-testid="terminal-search-count"]')) ?? "";
}

describe("scrollback search", () => {
  it("Ctrl+Shift+F finds every match in the scrollback: n of m, Enter next, Shift+Enter previous, Escape closes and gives the keys back", async () => {
    // Three matches, far apart: the first scrolled well out of sight. The command line itself
    // does not contain the word (printf builds it).
    const session = await openSession(
      stack,
      "printf 'nee%sle-1\\n' d; seq 1 200; printf 'nee%sle-2\\n' d; seq 1 200; printf 'nee%sle-3\\n' d",
    );
    const page = await openPage(session.url, "dark");
    await poll(async () => (await readProbe(page))?.lines.includes("needle-3"), "the output");

    const first = await searchFor(page, "Control+Shift+F", "needle");
    expect(first).toMatch(/^[123] of 3$/);
    const index = (text: string) => Number(text.split(" ")[0]);
    await page.keyboard.press("Enter");
    await poll(async () => index(await count(page)) === (index(first) % 3) + 1, "the next match");
    await page.keyboard.press("Shift+Enter");
    await poll(async () => (await count(page)) === first, "back to the first match");

    await page.keyboard.press("Escape");
    await page.waitForSelector('[data-testid="terminal-search"]', { state: "detached" });
    expect(
      await page.evaluate(() =>
        document.activeElement?.classList.contains("xterm-helper-textarea"),
      ),
    ).toBe(true);
  });

  it("a read-only viewer can search too, with no read-only notice", async () => {
    const session = await openSession(stack, "printf 'h%sy-stack\\n' a a");
    const viewer = await openPage(await mintJoinUrl(stack, session.sessionId, "viewer"), "light");
    await poll(async () => (await readProbe(viewer))?.lines.includes("hay-stack"), "the replay");
    expect(await searchFor(viewer, "Control+Shift+F", "hay-stack")).toMatch(/^[12] of 2$/);
    await viewer.keyboard.type("-none");
    await poll(async () => (await count(viewer)) === "No results", "no results");
    expect(await viewer.locator('[data-testid="terminal-notice"]').count()).toBe(0);
  });
});
