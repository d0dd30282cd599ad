/** The agent console survives a reload, in Chromium on the real stack: it rejoins the session the tab had open with its transcript rebuilt from the session's command records, and lists the sessions to come back to. */
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, newTestContext } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { PANEL, poll, typeLine, waitForPanelState, waitForRow } from "../harness/terminal-page.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const RECORD = '[data-testid="command-record"]';

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

/** A demo page in `context` (a fresh one by default); `sockets` lists the WebSockets it opens. */
async function openDemo(context?: BrowserContext) {
  if (!context) {
    context = await newTestContext(browser);
    contexts.push(context);
  }
  const page = await context.newPage();
  const sockets: string[] = [];
  page.on("websocket", (socket) => sockets.push(socket.url()));
  await page.goto(`${stack.url}/`);
  return { context, page, sockets };
}

/** Asks the agent to run `command` and waits until its result card says it completed. */
async function runThroughConsole(page: Page, command: string, results: number): Promise<void> {
  await page.fill('[data-testid="command-input"]', command);
  await page.click('[data-testid="run-button"]');
  let metas: string[] = [];
  await poll(
    async () => {
      metas = await page.$$eval('[data-testid="tool-result"] .card__meta', (els) =>
        els.map((el) => el.textContent ?? ""),
      );
      return metas.length === results && metas.every((m) => m.startsWith("completed"));
    },
    () => `${results} completed tool results; the cards say ${JSON.stringify(metas)}`,
  ).catch(async (error: Error) => {
    const transcript = await page.$$eval('[data-testid="transcript-entry"]', (els) =>
      els.map((el) => (el as HTMLElement).innerText.slice(0, 300)),
    );
    const button = await page.$eval('[data-testid="run-button"]', (el) => el.outerHTML);
    throw new Error(
      `${error.message}\ntranscript: ${JSON.stringify(transcript, null, 1)}\n${button}`,
    );
  });
}

/** What the transcript's command cards say. */
async function commandCards(page: Page) {
  return page.$$eval(RECORD, (cards) =>
    cards.map((card) => ({
      number: Number((card as HTMLElement).dataset.number),
      source: (card as HTMLElement).dataset.source,
      state: (card as HTMLElement).dataset.state,
      exitCode: (card as HTMLElement).dataset.exitCode ?? null,
      command: card.querySelector(".card__command")?.textContent ?? "",
      output: card.querySelector('[data-testid="command-output"]')?.textContent ?? null,
      note: card.querySelector(".card__note")?.textContent ?? null,
    })),
  );
}

/** Opens the demo, pastes the token, runs two commands and types a third in the terminal. */
async function consoleWithThreeCommands() {
  const demo = await openDemo();
  await demo.page.fill('[data-testid="api-token"]', stack.secrets.API_TOKEN);
  await runThroughConsole(demo.page, "echo first-$((40+1))", 1);
  await runThroughConsole(demo.page, "echo second-$((40+2)); false", 2);
  await waitForPanelState(demo.page, "live");
  await waitForRow(demo.page, "second-42");
  await typeLine(demo.page, "echo typed-$((1+2))");
  await waitForRow(demo.page, "typed-3");
  const sessionId = (await demo.page.getAttribute(PANEL, "data-session-id"))!;
  return { ...demo, sessionId };
}

const EXPECTED_CARDS = [
  {
    number: 1,
    source: "agent",
    state: "success",
    exitCode: "0",
    command: "$ echo first-$((40+1))",
    output: "first-41\n",
    note: null,
  },
  {
    number: 2,
    source: "agent",
    state: "failure",
    exitCode: "1",
    command: "$ echo second-$((40+2)); false",
    output: "second-42\n",
    note: null,
  },
  {
    number: 3,
    source: "writer",
    state: "success",
    exitCode: "0",
    command: "$ echo typed-$((1+2))",
    output: null,
    note: "Its output is in the terminal.",
  },
];

describe("the console after a reload", () => {
  it("rejoins the session the tab had open: the transcript shows its commands with their exit codes and the agent's output, the panel shows the output", async () => {
    const { page, sockets, sessionId } = await consoleWithThreeCommands();
    const sessionsBefore = stack.sessionObjectCount();

    sockets.length = 0;
    await page.reload();
    await page.waitForSelector('[data-testid="rejoined-notice"]');
    await waitForPanelState(page, "live");
    expect(await page.getAttribute(PANEL, "data-session-id")).toBe(sessionId);
    expect(await page.getAttribute(PANEL, "data-role")).toBe("writer");
    expect(await page.textContent('[data-testid="rejoined-notice"]')).toContain(sessionId);
    expect(await commandCards(page)).toEqual(EXPECTED_CARDS);
    // The panel replays the session: every command's output is there again.
    for (const row of ["first-41", "second-42", "typed-3"]) await waitForRow(page, row);
    // One socket, to that session; no session was made; the list stays closed while one is open.
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toContain(`/api/sessions/${sessionId}/connect?offset=0`);
    expect(stack.sessionObjectCount()).toBe(sessionsBefore);
    expect(await page.locator('[data-testid="session-list"]').count()).toBe(0);

    // The console goes on in the same session.
    await runThroughConsole(page, "echo more-$((2*5))", 1);
    expect(await page.getAttribute('[data-testid="tool-result"]', "data-session-id")).toBe(
      sessionId,
    );
    await waitForRow(page, "more-10");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}demo-after-reload.png` });
  });

  it("a new tab lists the live sessions and opens nothing until one is chosen; Rejoin opens it with its transcript; New session opens a fresh one, which a reload comes back to", async () => {
    const { context, sessionId } = await consoleWithThreeCommands();
    // The same browser (the stored API token), another tab: nothing to come back to by itself.
    const { page, sockets } = await openDemo(context);
    const item = page.locator(`[data-testid="session-list-item"][data-session-id="${sessionId}"]`);
    await item.waitFor();
    const text = (await item.textContent()) ?? "";
    expect(text).toContain("local");
    expect(text).toContain("running");
    expect(text).toContain("1 viewer");
    expect(text).toContain("started just now · active just now");
    expect(await item.locator('[data-testid="session-last-command"]').textContent()).toBe(
      "$ echo typed-$((1+2)) exit 0",
    );
    expect(await page.getAttribute(PANEL, "data-state")).toBe("waiting");
    expect(sockets).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}demo-session-list.png` });

    await item.locator('[data-testid="rejoin-button"]').click();
    await waitForPanelState(page, "live");
    expect(await page.getAttribute(PANEL, "data-session-id")).toBe(sessionId);
    expect(await commandCards(page)).toEqual(EXPECTED_CARDS);
    await waitForRow(page, "typed-3");

    // New session opens a fresh shell in a new session; the tab now comes back to that one.
    await page.click('[data-testid="new-session-button"]');
    const fresh = await poll(async () => {
      const id = await page.getAttribute(PANEL, "data-session-id");
      return id !== null && id !== sessionId ? id : null;
    }, "the panel to open a new session");
    await waitForPanelState(page, "live");
    sockets.length = 0;
    await page.reload();
    await page.waitForSelector('[data-testid="rejoined-notice"]');
    await waitForPanelState(page, "live");
    expect(await page.getAttribute(PANEL, "data-session-id")).toBe(fresh);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toContain(`/api/sessions/${fresh}/connect`);
  });

  it("an agent command still running at the reload is rebuilt as running, and its card follows the call to its end", async () => {
    const { page } = await openDemo();
    await page.fill('[data-testid="api-token"]', stack.secrets.API_TOKEN);
    await page.fill('[data-testid="command-input"]', "sleep 7; echo slept-$((3*3))");
    await page.click('[data-testid="run-button"]');
    // The console's calls come back "running" after 5 s.
    await page.waitForSelector('[data-testid="tool-result"]');
    await page.reload();
    const card = page.locator(RECORD);
    await card.waitFor();
    expect(await card.getAttribute("data-state")).toBe("running");
    await poll(
      async () => (await card.getAttribute("data-state")) === "success",
      "the card to say it ended",
      20_000,
    );
    // The record's end comes from the session at once; the call's result (its output) from the
    // console's `wait`, after it.
    const output = card.locator('[data-testid="command-output"][data-result="completed"]');
    await output.waitFor({ timeout: 20_000 });
    expect(await output.textContent()).toBe("slept-9\n");
    await waitForRow(page, "slept-9");
  });
});
