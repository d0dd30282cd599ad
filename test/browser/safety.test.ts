/** What output and roles cannot make a real browser do, on the real stack: type as a viewer, leak the clipboard, answer a query twice. */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FrameKind } from "../../protocol/index.ts";
import { launchChromium } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import {
  joinInBrowser,
  mintJoinUrl,
  openSession,
  type RecordedSocket,
} from "../harness/join-page.ts";
import { answersTo, CURSOR_REPORT, parseAnswers, runInSession } from "../harness/shell-answers.ts";
import { PANEL, textCenter, typeLine, waitForRow } from "../harness/terminal-page.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

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

async function join(url: string) {
  const joined = await joinInBrowser(browser, url);
  contexts.push(joined.context);
  return joined;
}

/** Runs a command in an existing session through the agent API and returns its output. */
const run = (sessionId: string, command: string) => runInSession(stack, sessionId, command);

/** Binary frames a page sent, by kind. */
function framesOfKind(sockets: RecordedSocket[], kind: number): Uint8Array[] {
  return sockets.flatMap((s) => s.binarySent).filter((frame) => frame[0] === kind);
}

/** Hovers `text` on screen until xterm shows it as a link (pointer cursor), then clicks it. */
async function clickLink(page: Page, text: string): Promise<void> {
  const at = await textCenter(page, text);
  if (!at) throw new Error(`${JSON.stringify(text)} is not on screen`);
  await page.mouse.move(at.x, at.y);
  await page.waitForSelector(`${PANEL} .xterm-cursor-pointer`, { timeout: 5_000 });
  await page.mouse.click(at.x, at.y);
}

describe("safety in the browser", () => {
  it("a read-only link cannot type: keystrokes never leave the page, the shell gets nothing, and the panel says read-only", async () => {
    const session = await openSession(stack, "echo ready");
    const viewerUrl = await mintJoinUrl(stack, session.sessionId, "viewer");
    const { page, sockets } = await join(viewerUrl);
    expect(await page.getAttribute(PANEL, "data-role")).toBe("viewer");
    expect(await page.textContent('[data-testid="terminal-role"]')).toBe("read-only");

    await typeLine(page, "echo typed-by-viewer");
    await page.waitForSelector('[data-testid="terminal-notice"]:has-text("Read-only")');
    await page.screenshot({ path: `${ARTIFACTS}join-read-only.png` });

    // Had the keystrokes reached bash, they would sit in its line before this command.
    expect(await run(session.sessionId, "echo sentinel-$((6*7))")).toBe("sentinel-42\n");
    await waitForRow(page, "sentinel-42"); // the viewer does watch, live
    const read = await stack.api("POST", "/api/tools/read_output", {
      session_id: session.sessionId,
      since_offset: 0,
    });
    expect(read.body.output).not.toContain("typed-by-viewer");
    expect(sockets.flatMap((s) => s.binarySent)).toEqual([]);
  });

  it("an OSC 52 clipboard read in the output gets no answer, while a cursor query right after it does", async () => {
    const session = await openSession(stack, null);
    const { sockets } = await join(session.url);
    // The cursor query is the control: it proves answers do come back, and anything the
    // terminal said about the clipboard would have arrived before it.
    const output = await run(session.sessionId, answersTo("\\e]52;c;?\\a\\e[6n"));
    const { first, more } = parseAnswers(output);
    expect(first).toMatch(CURSOR_REPORT);
    expect(more).toBe("");
    // Playwright reports sent frames asynchronously: wait for the count to settle at one.
    await expect.poll(() => framesOfKind(sockets, FrameKind.REPLY).length).toBe(1);
    expect(framesOfKind(sockets, FrameKind.INPUT)).toEqual([]);
  });

  it("with two writers connected, a live query reaches the shell answered once; each page sends its answer as a REPLY frame and keystrokes as INPUT", async () => {
    const session = await openSession(stack, null);
    const first = await join(session.url);
    const second = await join(session.url);

    const answers = parseAnswers(await run(session.sessionId, answersTo("\\e[6n")));
    expect(answers.first).toMatch(CURSOR_REPORT);
    expect(answers.more).toBe("");
    for (const writer of [first, second]) {
      await expect.poll(() => framesOfKind(writer.sockets, FrameKind.REPLY).length).toBe(1);
      const replies = framesOfKind(writer.sockets, FrameKind.REPLY);
      expect(Buffer.from(replies[0]!.subarray(1)).toString("latin1")).toMatch(/^\x1b\[\d+;\d+R$/);
      expect(framesOfKind(writer.sockets, FrameKind.INPUT)).toEqual([]);
    }

    await typeLine(second.page, "echo typed-$((3*3))");
    await waitForRow(first.page, "typed-9");
    const typed = () => framesOfKind(second.sockets, FrameKind.INPUT).map((f) => f.subarray(1));
    await expect.poll(() => Buffer.concat(typed()).toString()).toBe("echo typed-$((3*3))\r");
  });

  it("links in the output open in a new tab only after the person confirms the full address, and an OSC 8 link to javascript: is no link at all", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    const opened: string[][] = [];
    await page.exposeFunction("recordOpen", (...args: string[]) => void opened.push(args));
    await page.evaluate(() => {
      const record = (window as unknown as { recordOpen: (...args: string[]) => void }).recordOpen;
      window.open = (...args: unknown[]) => (record(...args.map(String)), null);
    });
    const dialogs: string[] = [];
    let accept = false;
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void (accept ? dialog.accept() : dialog.dismiss());
    });

    await run(session.sessionId, "printf 'see https://example.com/docs?a=1 now\\n'");
    await run(
      session.sessionId,
      "printf '\\e]8;;javascript:alert(1)\\aevil-link\\e]8;;\\a and \\e]8;;https://example.org/x\\agood-link\\e]8;;\\a\\n'",
    );
    await waitForRow(page, "evil-link and good-link");

    await clickLink(page, "https://example.com/docs?a=1");
    await expect.poll(() => dialogs).toHaveLength(1);
    expect(dialogs[0]).toContain("https://example.com/docs?a=1");
    expect(opened).toEqual([]); // dismissed: nothing opens

    accept = true;
    await clickLink(page, "https://example.com/docs?a=1");
    await expect.poll(() => opened).toHaveLength(1);
    expect(dialogs).toHaveLength(2);
    expect(opened[0]).toEqual(["https://example.com/docs?a=1", "_blank", "noopener,noreferrer"]);

    // The javascript: link is not even offered as a link: no pointer, and a click does nothing.
    const evil = await textCenter(page, "evil-link");
    await page.mouse.move(evil!.x, evil!.y);
    await page.mouse.click(evil!.x, evil!.y);
    expect(await page.locator(`${PANEL} .xterm-cursor-pointer`).count()).toBe(0);
    // The next dialog is the https link's: the click on the javascript: link asked nothing.
    await clickLink(page, "good-link");
    await expect.poll(() => opened).toHaveLength(2);
    expect(dialogs).toHaveLength(3);
    expect(dialogs[2]).toContain("https://example.org/x");
    expect(opened[1]?.[0]).toBe("https://example.org/x");
  });
});
