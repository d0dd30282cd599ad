/** Who is there and what happened, in Chromium on the real stack: the panel's presence badge, the join page's header, and the exit marker. */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, newTestContext } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { mintJoinUrl, openSession } from "../harness/join-page.ts";
import { poll, readProbe, typeLine, waitForPanelState } from "../harness/terminal-page.ts";

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

async function openPage(
  url: string,
  state = "live",
): Promise<{ page: Page; context: BrowserContext }> {
  const context = await newTestContext(browser);
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  await waitForPanelState(page, state);
  return { page, context };
}

async function presence(page: Page): Promise<string | null> {
  return page.textContent('[data-testid="terminal-presence"]').catch(() => null);
}

async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await poll(
    async () => (await page.textContent(selector).catch(() => null)) === text,
    `${selector} to read ${JSON.stringify(text)}`,
  );
}

describe("presence", () => {
  it("the panel shows who is watching and who can type, as people join and leave; the join page names the session and the host and counts the others", async () => {
    const session = await openSession(stack, null);
    const writer = await openPage(session.url);
    await waitForText(writer.page, '[data-testid="terminal-presence"]', "1 watching · 1 can type");
    await waitForText(writer.page, '[data-testid="join-others"]', "Only you are watching");
    expect(await writer.page.textContent('[data-testid="join-session-id"]')).toBe(
      session.sessionId,
    );
    expect(await writer.page.textContent('[data-testid="join-host"]')).toBe(stack.host);

    const viewer = await openPage(await mintJoinUrl(stack, session.sessionId, "viewer"));
    for (const page of [writer.page, viewer.page]) {
      await waitForText(page, '[data-testid="terminal-presence"]', "2 watching · 1 can type");
      await waitForText(page, '[data-testid="join-others"]', "You and 1 other are watching");
    }
    // The tooltip names each one (edge-minted links carry no subject).
    const title = await viewer.page.getAttribute('[data-testid="terminal-presence"]', "title");
    expect(title!.split("\n").sort()).toEqual([
      "anonymous link (can type)",
      "anonymous link (read-only)",
    ]);

    await viewer.context.close();
    await waitForText(writer.page, '[data-testid="terminal-presence"]', "1 watching · 1 can type");
    await waitForText(writer.page, '[data-testid="join-others"]', "Only you are watching");
  });
});

/** The terminal's lines that read `text`. */
async function linesReading(page: Page, text: string): Promise<number> {
  return ((await readProbe(page))?.lines ?? []).filter((line) => line === text).length;
}

describe("exit marker", () => {
  it("writes one dim line after the last output when the shell exits, and the same once on joining the exited session; the session's output does not hold it", async () => {
    const session = await openSession(stack, null);
    const writer = await openPage(session.url);
    await typeLine(writer.page, "echo last-$((6*7)); exit 3");
    await waitForPanelState(writer.page, "exited");
    const marker = "[Process exited with code 3]";
    await poll(async () => (await linesReading(writer.page, marker)) === 1, "the marker");
    const lines = (await readProbe(writer.page))!.lines;
    const last = lines.filter((line) => line !== "");
    expect(last.at(-1)).toBe(marker);
    expect(last.lastIndexOf("last-42")).toBeGreaterThan(last.length - 4);
    // Dim (SGR 2) in the terminal.
    const dim = await writer.page.evaluate((text) => {
      const rows = [...document.querySelectorAll(".xterm-rows > div")];
      const row = rows.find((r) => (r.textContent ?? "").includes(text));
      return [...(row?.querySelectorAll("span") ?? [])].some((span) =>
        span.classList.contains("xterm-dim"),
      );
    }, marker);
    expect(dim).toBe(true);

    const late = await openPage(await mintJoinUrl(stack, session.sessionId, "viewer"), "exited");
    await poll(
      async () => (await linesReading(late.page, marker)) === 1,
      "the late joiner's marker",
    );
    // Still once, a moment of output later: nothing writes it twice.
    expect(await linesReading(writer.page, marker)).toBe(1);

    const { body } = await stack.api("POST", "/api/tools/read_output", {
      session_id: session.sessionId,
      since_offset: 0,
    });
    expect(body.output).toContain("last-42");
    expect(body.output).not.toContain("Process exited");
  });

  it("names the signal when one ended the shell", async () => {
    const session = await openSession(stack, null);
    const writer = await openPage(session.url);
    await typeLine(writer.page, "kill -KILL $$");
    await waitForPanelState(writer.page, "exited");
    await poll(
      async () => (await linesReading(writer.page, "[Process exited with signal SIGKILL]")) === 1,
      "the signal marker",
    );
  });
});
