/** The seed's flow in a real browser on the real stack: the terminal opens only on the tool result, joins that one session, and shows the replayed output. */
import { mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InteractiveShellResult } from "../../protocol/index.ts";
import {
  DESKTOP,
  launchChromium,
  newTestContext,
  PHONE,
  type Viewport,
} from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import {
  PANEL,
  poll,
  readProbe,
  screenRows,
  typeLine,
  waitForPanelState,
  waitForRow,
} from "../harness/terminal-page.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const me = userInfo().username;

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/**
 * A demo page; `sockets` lists the URL of every WebSocket it opens, `errors` every uncaught
 * error and every Content-Security-Policy violation. `domRenderer: false` renders as for everyone (WebGL), not as text in the DOM.
 */
async function openDemo(viewport: Viewport = DESKTOP, domRenderer = true) {
  const context = await newTestContext(browser, viewport, domRenderer);
  const page = await context.newPage();
  const sockets: string[] = [];
  const errors: string[] = [];
  page.on("websocket", (socket) => sockets.push(socket.url()));
  page.on("pageerror", (error) => errors.push(error.message));
  // The page runs under its Content-Security-Policy: anything it blocks is an error here.
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) errors.push(message.text());
  });
  const response = await page.goto(`${stack.url}/`);
  expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
  return { context, page, sockets, errors };
}

/**
 * Holds the tool call's HTTP response back until `release()`: the request reaches the server
 * and the command runs, but the page does not see the result yet. `result` is what the server
 * answered.
 */
async function holdToolCall(page: Page) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let answered!: (result: InteractiveShellResult) => void;
  const result = new Promise<InteractiveShellResult>((resolve) => (answered = resolve));
  await page.route("**/api/tools/interactive_shell", async (route) => {
    const response = await route.fetch();
    answered((await response.json()) as InteractiveShellResult);
    await released;
    await route.fulfill({ response });
  });
  return { result, release };
}

/** What a person does: paste the API token, ask for `command`, press Run. */
async function askAgent(page: Page, command: string): Promise<void> {
  await page.fill('[data-testid="api-token"]', stack.secrets.API_TOKEN);
  await page.fill('[data-testid="command-input"]', command);
  await page.click('[data-testid="run-button"]');
}

/** Runs the whole flow and waits until the terminal has whoami's output (read from the probe). */
async function runFlow(page: Page): Promise<void> {
  await askAgent(page, "whoami");
  await page.waitForSelector('[data-testid="tool-result"]');
  await waitForPanelState(page, "live");
  await poll(async () => (await readProbe(page))?.lines.includes(me), `"${me}" in the terminal`);
}

describe("the agent console demo", () => {
  it("keeps the terminal closed while the tool call runs, then joins the session the result names and shows its replayed output", async () => {
    const { context, page, sockets, errors } = await openDemo();
    const held = await holdToolCall(page);
    await askAgent(page, "whoami");
    await page.waitForSelector('[data-testid="tool-call"][data-state="running"]');

    // The command has run and its result exists on the server; the page has not seen it yet.
    const result = await held.result;
    expect(result.output).toBe(`${me}\n`);
    expect(await page.locator(".xterm").count()).toBe(0);
    expect(await page.getAttribute(PANEL, "data-state")).toBe("waiting");
    expect(await page.textContent('[data-testid="terminal-placeholder"]')).toContain(
      "Tool call running",
    );
    expect(await page.locator('[data-testid="tool-result"]').count()).toBe(0);
    expect(sockets).toEqual([]);

    held.release();
    await page.waitForSelector(
      `[data-testid="tool-result"][data-session-id="${result.session_id}"]`,
    );
    await waitForPanelState(page, "live");
    expect(await page.getAttribute(PANEL, "data-session-id")).toBe(result.session_id);
    expect(sockets).toHaveLength(1);
    expect(sockets[0]).toContain(`/api/sessions/${result.session_id}/connect?offset=0`);

    // whoami ran before the terminal existed: what is on screen came from the replay.
    await waitForRow(page, me);
    const rows = await screenRows(page);
    const outputRow = rows.findIndex((row) => row.trim() === me);
    expect(rows.slice(0, outputRow).some((row) => row.trimEnd().endsWith("whoami"))).toBe(true);

    await typeLine(page, "echo hi");
    await waitForRow(page, "hi");
    expect((await screenRows(page)).filter((row) => row.trim() === "hi")).toHaveLength(1);
    expect(sockets).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("a result card that said running updates itself when the command ends", async () => {
    const { context, page } = await openDemo();
    await askAgent(page, "sleep 7; echo after-the-sleep");
    const card = page.locator('[data-testid="tool-result"]');
    await card.waitFor();
    expect(await card.locator(".card__meta").textContent()).toMatch(/^running/);
    await poll(
      async () =>
        /^completed · exit 0/.test((await card.locator(".card__meta").textContent()) ?? ""),
      "the card to say completed",
      20_000,
    );
    expect(await card.locator('[data-testid="tool-result-output"]').textContent()).toBe(
      "after-the-sleep\n",
    );
    await context.close();
  });

  it("the whole flow, typing included, makes exactly one session", async () => {
    const before = stack.sessionObjectCount();
    const { context, page } = await openDemo();
    await runFlow(page);
    await typeLine(page, "echo typed-$((40+2))");
    await waitForRow(page, "typed-42");
    expect(stack.sessionObjectCount()).toBe(before + 1);
    await context.close();
  });

  for (const [name, viewport] of [
    ["laptop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    it(`after the flow the demo, rendered as for everyone, fits a ${name} screen (${viewport.width} px) with the terminal in view`, async () => {
      const { context, page, errors } = await openDemo(viewport, false);
      await runFlow(page);
      // The page brings the terminal into view by itself when the result opens it (on a phone
      // it sits below the transcript).
      await expect
        .poll(
          async () => {
            const box = await page.locator(PANEL).boundingBox();
            return box !== null && box.y >= 0 && box.y < viewport.height * 0.5;
          },
          { timeout: 5000 },
        )
        .toBe(true);
      mkdirSync(ARTIFACTS, { recursive: true });
      const file = name === "laptop" ? "demo-after-flow.png" : `demo-after-flow-${name}.png`;
      await page.screenshot({ path: `${ARTIFACTS}${file}` });
      await page.screenshot({ path: `${ARTIFACTS}full-${file}`, fullPage: true });

      const layout = await page.evaluate(() => ({
        pageWidth: document.documentElement.scrollWidth,
        viewportWidth: window.innerWidth,
      }));
      expect(layout.pageWidth).toBeLessThanOrEqual(layout.viewportWidth);
      const panel = await page.locator(PANEL).boundingBox();
      expect(panel).not.toBeNull();
      expect(panel!.x).toBeGreaterThanOrEqual(0);
      expect(panel!.x + panel!.width).toBeLessThanOrEqual(viewport.width + 0.5);
      // The screen (the xterm rows) is wide enough for a shell prompt and whoami's line.
      const screen = await page.locator(`${PANEL} .xterm-screen`).boundingBox();
      expect(screen!.width).toBeGreaterThan(viewport.width * 0.5);
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
