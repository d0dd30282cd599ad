/** Resuming in a real browser on the real stack: a reload replays the history once, and a link cut mid-output resumes without a line lost or doubled. */
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../harness/browser.ts";
import { startCutProxy, type CutProxy } from "../harness/cut-proxy.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { joinInBrowser, openSession } from "../harness/join-page.ts";
import {
  poll,
  readProbe,
  screenRows,
  typeLine,
  waitForPanelState,
  waitForRow,
} from "../harness/terminal-page.ts";

let stack: Stack;
let browser: Browser;
let proxy: CutProxy;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  proxy = await startCutProxy(stack.url);
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  await browser?.close();
  await proxy?.stop();
  await stack?.stop();
});

async function join(url: string) {
  const joined = await joinInBrowser(browser, url);
  contexts.push(joined.context);
  return joined;
}

const count = (lines: string[], text: string) => lines.filter((l) => l.trim() === text).length;

describe("resuming", () => {
  it("reloading the join page shows the history again, each line once", async () => {
    const session = await openSession(stack, "echo MARK-$((1000+234))");
    expect(session.result.output).toBe("MARK-1234\n");
    const { page } = await join(session.url);
    await waitForRow(page, "MARK-1234");
    await typeLine(page, "echo again-$((2+3))");
    await waitForRow(page, "again-5");

    await page.reload();
    await waitForPanelState(page, "live");
    await waitForRow(page, "again-5");
    const rows = await screenRows(page);
    expect(count(rows, "MARK-1234")).toBe(1);
    expect(count(rows, "again-5")).toBe(1);
    // The whole buffer, scrollback included, has them once too.
    const probe = await readProbe(page);
    expect(count(probe!.lines, "MARK-1234")).toBe(1);
    expect(count(probe!.lines, "again-5")).toBe(1);
  });

  it("a link cut in the middle of a command's output resumes where it stopped: every line once, in order", async () => {
    const session = await openSession(stack, null, proxy.url);
    const { page, sockets } = await join(session.url);
    const LINES = 3000;
    // About 1.5 s of output: 30 bursts of 100 lines.
    await typeLine(
      page,
      `for i in $(seq 1 ${LINES}); do echo "n $i"; (( i % 100 )) || sleep 0.05; done; echo "done-$((${LINES}))"`,
    );
    await poll(
      async () => (await readProbe(page))?.lines.includes("n 300"),
      "line 300 on the terminal",
      15_000,
      10,
    );
    expect(proxy.cutViewerSockets()).toBe(1);
    const atCut = await readProbe(page);
    expect(atCut!.lines).not.toContain(`done-${LINES}`);

    // The page notices the dead link and reconnects from its offset, through the same proxy.
    await poll(
      async () => sockets.length === 2 && sockets[0]!.closed,
      "a second WebSocket after the cut",
    );
    const resumedFrom = Number(new URL(sockets[1]!.url).searchParams.get("offset"));
    expect(resumedFrom).toBeGreaterThanOrEqual(atCut!.offset);
    await waitForPanelState(page, "live");
    await waitForRow(page, `done-${LINES}`);

    // Everything the session has, the terminal has parsed: same end offset, nothing pending.
    const final = await poll(async () => {
      const read = await stack.api("POST", "/api/tools/read_output", {
        session_id: session.sessionId,
      });
      const probe = await readProbe(page);
      return probe && probe.unparsedBytes === 0 && probe.offset === read.body.offsets.end && probe;
    }, "the terminal to reach the session's end offset");
    const numbered = final.lines.filter((line) => /^n \d+$/.test(line));
    expect(numbered).toEqual(Array.from({ length: LINES }, (_, i) => `n ${i + 1}`));
  });
});
